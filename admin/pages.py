"""Rendering a page with what every page needs (the account, the CSRF token, flash messages),
reading simple forms, and friendly error pages for the admin routes."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException
from litestar.response import Redirect, Template
from litestar.types import ExceptionHandlersMap

from admin.guards import Staff
from moderation.api.problems import PROBLEMS
from moderation.domain.errors import InvalidInput, ModerationError, RateLimited

log = logging.getLogger(__name__)
AnyRequest = Request[Any, Any, Any]


def page(request: AnyRequest, name: str, status_code: int = 200, **context: Any) -> Template:
    staff: Staff | None = request.state.get("staff")
    session = request.scope.get("session")
    if not isinstance(session, dict):  # no session middleware, or a session cleared in this request
        session = {}
    flashes = session.pop("flash", []) if session else []
    return Template(
        template_name=name,
        status_code=status_code,
        context={
            "me": staff,
            "csrf": session.get("csrf", "") if session else "",
            "flashes": flashes,
            "path": request.url.path,
            **context,
        },
    )


def flash(request: AnyRequest, message: str, kind: str = "ok") -> None:
    request.session.setdefault("flash", []).append({"kind": kind, "text": message})


def back(path: str) -> Redirect:
    return Redirect(path=path, status_code=303)


def field(data: dict[str, Any], name: str, default: str = "") -> str:
    """One value of an url-encoded form (the last one if the field was repeated)."""
    value = data.get(name, default)
    if isinstance(value, list):
        value = value[-1] if value else default
    return str(value).strip()


def values(data: dict[str, Any], name: str) -> list[str]:
    value = data.get(name, [])
    return [str(v) for v in (value if isinstance(value, list) else [value]) if str(v).strip()]


def integer(text: str | None, default: int, low: int = 1, high: int = 100_000) -> int:
    try:
        return min(max(int(text or default), low), high)
    except ValueError:
        return default


# Errors on admin pages are shown as pages, not as the API's JSON problems.


def on_not_signed_in(request: AnyRequest, _: NotAuthorizedException) -> Response[Any]:
    if request.method == "GET":
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""), safe="")
        return Redirect(path=f"/admin/login?next={target}", status_code=303)
    return page(request, "error.html", 401, title="Sign in first", detail="Your session has ended; sign in again.")


def on_forbidden(request: AnyRequest, exc: PermissionDeniedException) -> Response[Any]:
    return page(request, "error.html", 403, title="Not allowed", detail=exc.detail)


def on_http_error(request: AnyRequest, exc: HTTPException) -> Response[Any]:
    return page(request, "error.html", exc.status_code, title="Something is not right", detail=exc.detail)


def on_moderation_error(request: AnyRequest, exc: ModerationError) -> Response[Any]:
    status, _, title = PROBLEMS[next(k for k in type(exc).__mro__ if k in PROBLEMS)]
    response = page(request, "error.html", status, title=title, detail=str(exc))
    if isinstance(exc, RateLimited):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    NotAuthorizedException: on_not_signed_in,
    PermissionDeniedException: on_forbidden,
    HTTPException: on_http_error,
    **{kind: on_moderation_error for kind in PROBLEMS},
    InvalidInput: on_moderation_error,
}
