"""Who may open what: a signed-in, enabled staff account, in a session younger than its maximum age,
for every page; admins for admin pages; a CSRF token on every state-changing request. Guards are plain
functions set once per router or controller."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from admin import sessions
from moderation.db.models import User

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "_csrf"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True, slots=True)
class Staff:
    id: int
    username: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


async def requires_staff(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A session of an account that still exists, is enabled, with its current role (changes apply at once)."""
    user_id = connection.session.get("user_id") if connection.scope.get("session") else None
    if not isinstance(user_id, int):
        raise NotAuthorizedException("sign in to continue")
    if sessions.expired(connection.session):
        connection.clear_session()  # deleted from Redis when the response starts
        raise NotAuthorizedException("your session has expired")
    factory: sessionmaker[Session] = connection.app.state.sessions
    staff = await anyio.to_thread.run_sync(_load, factory, user_id)
    if staff is None:
        connection.clear_session()
        raise NotAuthorizedException("this account is no longer active")
    connection.state.staff = staff


async def requires_admin(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    staff: Staff | None = connection.state.get("staff")
    if staff is None or not staff.is_admin:
        raise PermissionDeniedException("this page is for admins")


async def checks_csrf(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Every POST carries the session's token, as a form field or an X-CSRF-Token header."""
    if connection.scope.get("method", "GET") in SAFE_METHODS:
        return
    expected = connection.session.get("csrf", "")
    presented = connection.headers.get(CSRF_HEADER, "")
    if not presented and hasattr(connection, "form"):
        form = await connection.form()
        presented = str(form.get(CSRF_FIELD, ""))
    if not expected or not hmac.compare_digest(str(expected), presented):
        raise PermissionDeniedException("the form expired or did not come from this site; reload the page and retry")


def provide_staff(request: Request[Any, Any, Any]) -> Staff:
    """The signed-in account, set by `requires_staff` (the dependency behind `me` in handlers)."""
    staff: Staff = request.state.staff
    return staff


def _load(sessions: sessionmaker[Session], user_id: int) -> Staff | None:
    with sessions() as session:
        row = session.execute(select(User.username, User.role, User.disabled).where(User.id == user_id)).one_or_none()
    if row is None or row.disabled:
        return None
    return Staff(user_id, row.username, row.role)
