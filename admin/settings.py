"""Admin-editable settings that are not policy: the support note for urgent items, the reject reasons."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlalchemy.orm import Session

from admin.guards import Staff, requires_admin
from admin.pages import back, field, flash, page
from moderation.services import settings_store

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
AnyRequest = Request[Any, Any, Any]


class SettingsController(Controller):
    path = "/settings"
    guards = [requires_admin]

    @get(sync_to_thread=True)
    def show(self, request: AnyRequest, db_session: NamedDependency[Session]) -> Template:
        return page(
            request,
            "settings.html",
            support_note=settings_store.support_note(db_session),
            reject_reasons=settings_store.reject_reasons(db_session),
        )

    @post("/support-note", sync_to_thread=True)
    def support_note(
        self, request: AnyRequest, data: Form, db_session: NamedDependency[Session], me: NamedDependency[Staff]
    ) -> Redirect:
        settings_store.set_support_note(db_session, field(data, "support_note"), actor=me.username)
        flash(request, "Support note saved; moderators see it on urgent items.")
        return back("/admin/settings")

    @post("/reject-reasons", sync_to_thread=True)
    def reject_reasons(
        self, request: AnyRequest, data: Form, db_session: NamedDependency[Session], me: NamedDependency[Staff]
    ) -> Redirect:
        settings_store.set_reject_reasons(db_session, field(data, "reject_reasons").splitlines(), actor=me.username)
        flash(request, "Reject reasons saved.")
        return back("/admin/settings")
