"""Who is signed in, and the CSRF token a script sends as `X-CSRF-Token` with every change."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get
from litestar.di import NamedDependency

from admin.api.problems import documented
from admin.guards import Staff


class AdminSessionOut(msgspec.Struct):
    username: str
    role: str
    csrf_token: str


class SessionController(Controller):
    path = "/session"
    tags = ["admin: session"]

    @get(sync_to_thread=False, summary="The signed-in account and its CSRF token", responses=documented(401))
    def show(self, request: Request[Any, Any, Any], me: NamedDependency[Staff]) -> AdminSessionOut:
        return AdminSessionOut(me.username, me.role, str(request.session.get("csrf", "")))
