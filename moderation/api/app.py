"""The Litestar application factory."""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.plugins import PluginProtocol
from prometheus_client import CollectorRegistry
from redis import Redis

from moderation import broker
from moderation.api import problems
from moderation.api.comments import CommentController
from moderation.api.dependencies import provide_db_session, provide_forum, provide_redis, provide_settings
from moderation.api.feed import FeedController
from moderation.api.openapi import ClosedStructSchemaPlugin, openapi_config
from moderation.api.reports import ReportController
from moderation.api.system import BacklogCollector, SystemController
from moderation.config import Settings, load_settings
from moderation.db.session import build_engine, build_sessionmaker
from moderation.queue import ScorerWaker
from moderation.ratelimit import RateLimiter
from moderation.services.ingest import KeyCache, open_store

UI_PLUGINS = ("admin.plugin:create_plugin",)


def create_app(settings: Settings, *, redis: Redis | None = None, plugins: Sequence[PluginProtocol] = ()) -> Litestar:
    """The forum API plus whatever `plugins` add (the admin UI is one, see admin/plugin.py).

    Plugins get the same `state` (settings, sessions, redis) through `on_app_init`.
    """
    engine = build_engine(settings)
    sessions = build_sessionmaker(engine)
    redis = redis if redis is not None else broker.connect(settings)
    aredis = broker.connect_async(settings, redis)
    metrics = CollectorRegistry()
    metrics.register(BacklogCollector(sessions, redis))

    forum_api = Router(
        path="/",
        route_handlers=[CommentController, FeedController, ReportController],
        dependencies={"forum": Provide(provide_forum)},
    )

    async def open_ingest(app: Litestar) -> None:
        app.state.ingest = await open_store(settings)

    async def dispose(app: Litestar) -> None:
        engine.dispose()
        await app.state.ingest.close()
        await aredis.aclose()

    return Litestar(
        route_handlers=[forum_api, SystemController],
        dependencies={
            "db_session": Provide(provide_db_session),
            "redis": Provide(provide_redis, sync_to_thread=False),
            "settings": Provide(provide_settings, sync_to_thread=False),
        },
        state=State(
            {
                "settings": settings,
                "sessions": sessions,
                "redis": redis,
                "aredis": aredis,
                "key_cache": KeyCache(),
                "rate_limiter": RateLimiter(aredis, settings.api_rate_per_minute),
                "waker": ScorerWaker(aredis, redis),
                "metrics": metrics,
            }
        ),
        plugins=[problems.plugin(), ClosedStructSchemaPlugin(), *plugins],
        openapi_config=openapi_config(),
        request_max_body_size=settings.max_request_bytes,
        on_startup=[open_ingest],
        on_shutdown=[dispose],
        logging_config=None,
        debug=False,
    )


def app_from_env() -> Litestar:
    """Entry point for `uvicorn --factory` with several processes: the API with the installed UI plugins."""
    settings = load_settings()
    return create_app(settings, plugins=load_plugins(settings))


def load_plugins(settings: Settings) -> list[PluginProtocol]:
    """Plugins named by dotted path, so this package never imports the UI package that extends it."""
    plugins: list[PluginProtocol] = []
    for path in UI_PLUGINS:
        module_name, _, factory = path.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue  # an API-only installation
        plugins.append(getattr(module, factory)(settings))
    return plugins
