"""The admin UI as a Litestar plugin: `create_plugin(settings)` is named by dotted path in
moderation/api/app.py, so the API package never imports this one.

Sessions and CSRF apply only to the /admin router: the forum API's hot path gains no middleware.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Router
from litestar.config.app import AppConfig
from litestar.di import Provide
from litestar.plugins import InitPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.stores.redis import RedisStore
from litestar.stores.registry import StoreRegistry
from litestar.template.config import TemplateConfig
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from admin import api, filters, sessions
from admin.audit import AuditController
from admin.auth import AuthController
from admin.claims import ClaimController
from admin.dashboard import DashboardController
from admin.guards import checks_csrf, provide_staff, requires_staff
from admin.keys import KeyController
from admin.pages import EXCEPTION_HANDLERS
from admin.policy import PolicyController
from admin.queue import QueueController
from admin.settings import SettingsController
from admin.users import UserController
from moderation import crypto
from moderation.config import Settings, session_secret

HERE = Path(__file__).parent


class AdminPlugin(InitPlugin):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        signed_in = Router(
            path="/",
            route_handlers=[
                DashboardController,
                QueueController,
                PolicyController,
                ClaimController,
                KeyController,
                UserController,
                AuditController,
                SettingsController,
                api.create_router(),
            ],
            guards=[requires_staff, checks_csrf],
            dependencies={"me": Provide(provide_staff, sync_to_thread=False)},
        )
        admin = Router(
            path="/admin",
            route_handlers=[AuthController, signed_in],
            middleware=[secure_cookies_over_https, sessions.middleware()],
            exception_handlers=EXCEPTION_HANDLERS,
            include_in_schema=False,
        )
        static = create_static_files_router(
            path="/admin/static", directories=[HERE / "static"], include_in_schema=False, cache_control=None
        )
        app_config.route_handlers.extend([admin, static])
        app_config.template_config = TemplateConfig(
            directory=HERE / "templates", engine=JinjaTemplateEngine, engine_callback=filters.register
        )
        app_config.stores = _with_session_store(app_config, self.settings)
        app_config.state["cipher"] = crypto.cipher(self.settings)  # stores forum webhook secrets encrypted
        if app_config.openapi_config is not None:
            components = app_config.openapi_config.components
            existing = components if isinstance(components, list) else [components]
            app_config.openapi_config.components = [*existing, api.SECURITY]
        return app_config


def create_plugin(settings: Settings) -> AdminPlugin:
    return AdminPlugin(settings)


def _with_session_store(app_config: AppConfig, settings: Settings) -> StoreRegistry | dict[str, Any]:
    """Sessions live in the app's Redis (shared by every API process), namespaced and expiring with the cookie."""
    # The secret namespaces the keys: rotating MODERATION_SESSION_SECRET signs everyone out.
    namespace = "moderation:admin-session:" + session_secret(settings).hex()[:12]
    store = RedisStore(app_config.state["aredis"], namespace=namespace)
    existing = app_config.stores
    if isinstance(existing, StoreRegistry):
        existing.register(sessions.STORE, store, allow_override=True)
        return existing
    return {**(existing or {}), sessions.STORE: store}


def secure_cookies_over_https(app: ASGIApp) -> ASGIApp:
    """Mark every cookie Secure when the request came over https (uvicorn applies X-Forwarded-Proto
    from trusted proxies to the scope's scheme), keeping plain-http development usable."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("scheme") != "https":
            await app(scope, receive, send)
            return

        async def send_secure(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    (name, value + b"; Secure")
                    if name.lower() == b"set-cookie" and b"secure" not in value.lower()
                    else (name, value)
                    for name, value in message.get("headers", [])
                ]
            await send(message)

        await app(scope, receive, send_secure)

    return middleware
