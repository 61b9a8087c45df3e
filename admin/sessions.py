"""Console sessions: server-side in Redis, a new id at every sign-in, and a hard limit on their age.

Litestar's `ServerSideSessionBackend` keeps the id the browser presents for as long as the browser
keeps presenting it; clearing and setting the session within one request keeps it too. An id known
before sign-in (planted by an attacker, or read off a shared machine) would then carry the signed-in
session: session fixation. `rotate(request)` makes the response store the session under a fresh id and
delete the old one.

Every response re-stores the session with a fresh expiry, so Redis alone ends only idle sessions;
`expired(session)` also ends one MAX_AGE_SECONDS after its sign-in, however busy.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.session.base import SessionMiddleware
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Message, ScopeSession

COOKIE = "moderation_admin"
STORE = "admin_sessions"
MAX_AGE_SECONDS = 8 * 3600
SIGNED_IN_AT = "signed_in_at"  # epoch seconds, set at sign-in
_ROTATE = "rotate_session_id"  # a flag in the request's state, read when the response starts
_NEW_ID = "new_session_id"


class RotatingSessionBackend(ServerSideSessionBackend):
    """Litestar's backend, plus a new session id for a response whose handler called `rotate`."""

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        new_id = connection.state.get(_NEW_ID)
        if isinstance(new_id, str):
            return new_id
        presented = connection.cookies.get(self.config.key, "")
        if presented and not _is_generated_id(presented, self.config.session_id_bytes):
            # Not an id we issued (a fuzzer's or a tampered cookie): Litestar would echo it back into
            # Set-Cookie, and text outside Latin-1 cannot be encoded there (a 500). Issue a fresh one.
            connection.state[_NEW_ID] = self.generate_session_id()
            return str(connection.state[_NEW_ID])
        return super().get_session_id(connection)

    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> None:
        if connection.state.get(_ROTATE) and _NEW_ID not in connection.state:
            old_id = connection.cookies.get(self.config.key)
            if old_id:
                await self.delete(old_id, store=self.config.get_store_from_app(connection.scope["app"]))
            connection.state[_NEW_ID] = self.generate_session_id()
        await super().store_in_message(scope_session, message, connection)


def _is_generated_id(value: str, id_bytes: int) -> bool:
    return len(value) == 2 * id_bytes and all(c in "0123456789abcdef" for c in value)


def middleware() -> DefineMiddleware:
    config = ServerSideSessionConfig(
        store=STORE,
        key=COOKIE,
        path="/admin",
        max_age=MAX_AGE_SECONDS,
        httponly=True,
        samesite="lax",
        secure=False,  # set per request by admin.plugin.secure_cookies_over_https, so plain-http local runs work
    )
    return DefineMiddleware(SessionMiddleware, backend=RotatingSessionBackend(config=config))


def rotate(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Store this response's session under a new id and delete the one the request came with."""
    connection.state[_ROTATE] = True


def expired(session: Mapping[str, Any], now: float | None = None) -> bool:
    signed_in_at = session.get(SIGNED_IN_AT)
    if not isinstance(signed_in_at, int | float):
        return True  # a session from before this field existed, or a tampered one
    return (now if now is not None else time.time()) - signed_in_at > MAX_AGE_SECONDS
