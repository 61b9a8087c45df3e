"""The dashboard: queue depth, decisions per day, review times, time to first look at urgent items."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.response import Redirect, Template
from sqlalchemy.orm import Session

from admin.pages import page
from moderation.services import stats

AnyRequest = Request[Any, Any, Any]


class DashboardController(Controller):
    path = "/"

    @get("/", sync_to_thread=False)
    def home(self) -> Redirect:
        return Redirect(path="/admin/dashboard", status_code=303)

    @get("/dashboard", sync_to_thread=True)
    def show(self, request: AnyRequest, db_session: NamedDependency[Session]) -> Template:
        return page(request, "dashboard.html", stats=stats.dashboard(db_session), window=stats.WINDOW_DAYS)
