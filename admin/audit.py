"""The audit log, filterable by actor, action and date, paginated."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter
from litestar.response import Template
from sqlalchemy.orm import Session

from admin.guards import requires_admin
from admin.pages import page
from moderation.services import audit_log

AnyRequest = Request[Any, Any, Any]


class AuditController(Controller):
    path = "/audit"
    guards = [requires_admin]

    @get(sync_to_thread=True)
    def index(
        self,
        request: AnyRequest,
        db_session: NamedDependency[Session],
        actor: FromQuery[str] = "",
        action: FromQuery[str] = "",
        since: FromQuery[date | None] = None,
        until: FromQuery[date | None] = None,
        page_number: Annotated[int, QueryParameter(name="page", ge=1)] = 1,
    ) -> Template:
        where = audit_log.AuditFilter(actor or None, action or None, since, until)
        result = audit_log.search(db_session, where, page_number)
        query = {"actor": actor, "action": action, "since": since or "", "until": until or ""}
        return page(
            request,
            "audit.html",
            result=result,
            where=where,
            actors=audit_log.actors(db_session),
            actions=audit_log.actions(db_session),
            query=urlencode({k: v for k, v in query.items() if v}),
        )
