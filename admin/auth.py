"""Sign in and out. Failed sign-ins are counted per username and address in Redis: after
MAX_FAILURES in the window the form answers 429 without checking the password. Signing in starts the
session under a new id (admin/sessions.py); signing out deletes it from Redis."""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from redis import Redis
from sqlalchemy.orm import Session

from admin import sessions
from admin.guards import CSRF_FIELD, checks_csrf
from admin.pages import back, field, page
from moderation.domain.errors import RateLimited
from moderation.services import users

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60
LOGIN_COOKIE = "admin_login"  # double-submit token: the sign-in form is protected before any session exists
Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


class AuthController(Controller):
    path = "/"

    @get("/login", sync_to_thread=False)
    def login_form(self, request: Request[Any, Any, Any]) -> Template:
        return _login_page(request, next_=request.query_params.get("next", ""))

    @post("/login", sync_to_thread=True)
    def login(
        self,
        request: Request[Any, Any, Any],
        data: Form,
        db_session: NamedDependency[Session],
        redis: NamedDependency[Redis],
    ) -> Template | Redirect:
        cookie_token = request.cookies.get(LOGIN_COOKIE, "")
        if not cookie_token or not hmac.compare_digest(cookie_token, field(data, CSRF_FIELD)):
            return _login_page(request, error="The form expired; please sign in again.", status_code=403)
        username = field(data, "username")
        client = request.client.host if request.client else "unknown"
        counter = f"moderation:admin:login-failures:{username.lower()}:{client}"
        failures = int(redis.get(counter) or 0)
        if failures >= MAX_FAILURES:
            raise RateLimited("too many failed sign-ins; wait 15 minutes and try again", int(redis.ttl(counter)) or 1)
        user = users.verify(db_session, username, field(data, "password"))
        if user is None:
            if redis.incr(counter) == 1:
                redis.expire(counter, WINDOW_SECONDS)
            return _login_page(request, error="Wrong username or password.", username=username, status_code=401)
        redis.delete(counter)
        sessions.rotate(request)  # an id known before sign-in must not carry the signed-in session
        request.set_session(
            {
                "user_id": user.id,
                "username": user.username,
                "role": user.role,
                "csrf": secrets.token_urlsafe(32),
                sessions.SIGNED_IN_AT: time.time(),
            }
        )
        target = field(data, "next")
        # Only our own pages: an open redirect after sign-in is a phishing aid.
        return back(target if target.startswith("/admin") and not target.startswith("//") else "/admin")

    @post("/logout", guards=[checks_csrf], sync_to_thread=False)
    def logout(self, request: Request[Any, Any, Any]) -> Redirect:
        request.clear_session()  # the middleware deletes it from Redis and expires the cookie
        return back("/admin/login")


def _login_page(
    request: Request[Any, Any, Any], *, error: str = "", username: str = "", next_: str = "", status_code: int = 200
) -> Template:
    token = secrets.token_urlsafe(32)
    response = page(request, "login.html", status_code, login_token=token, error=error, username=username, next=next_)
    secure = request.url.scheme == "https"
    response.cookies.append(
        Cookie(key=LOGIN_COOKIE, value=token, path="/admin", httponly=True, samesite="lax", secure=secure, max_age=3600)
    )
    return response
