"""The admin JSON API under /admin/api: the console's admin actions for scripts.

It rides on the console's own session: sign in at /admin/login (the session cookie `moderation_admin`),
read the CSRF token from GET /admin/api/session and send it as `X-CSRF-Token` on every POST, PATCH, PUT
and DELETE. Errors are problem details like the forum API's: 401 without a session (never a redirect to
the sign-in page), 403 for a moderator or a missing token.
"""

from __future__ import annotations

from litestar import Router
from litestar.openapi.spec import Components, SecurityScheme

from admin.api.claims import ClaimApiController
from admin.api.problems import EXCEPTION_HANDLERS
from admin.api.prototypes import HarmPrototypeController
from admin.api.session import SessionController

SESSION_SCHEME = "adminSession"
SECURITY = Components(
    security_schemes={
        SESSION_SCHEME: SecurityScheme(
            type="apiKey",
            name="moderation_admin",
            security_scheme_in="cookie",
            description="The console's session cookie, set by signing in at /admin/login. Changes also need "
            "the header X-CSRF-Token with the `csrf_token` of GET /admin/api/session.",
        )
    }
)


def create_router() -> Router:
    """Mounted inside the console's signed-in router, so its session, staff and CSRF guards apply."""
    return Router(
        path="/api",
        route_handlers=[SessionController, ClaimApiController, HarmPrototypeController],
        exception_handlers=EXCEPTION_HANDLERS,
        include_in_schema=True,
        security=[{SESSION_SCHEME: []}],
    )
