"""Admin-editable settings that are not policy: the support note for urgent items, the reject reasons and
the health-harm prototype sentences (one list at a time: edit in place, tick to remove, add one)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template
from sqlalchemy.orm import Session

from admin.guards import Staff, requires_admin
from admin.pages import back, field, flash, page
from moderation.domain.errors import InvalidInput, NotFound
from moderation.services import settings_store

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
AnyRequest = Request[Any, Any, Any]
PROTOTYPE_TITLES = {
    "crisis": "Crisis",
    "dangerous_advice": "Dangerous advice",
    "safe": "Safe",
}


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

    @get("/harm-prototypes", sync_to_thread=True)
    def harm_prototypes(self, request: AnyRequest, db_session: NamedDependency[Session]) -> Template:
        return _prototypes_page(request, settings_store.harm_prototypes(db_session))

    @post("/harm-prototypes/{label:str}", sync_to_thread=True)
    def save_harm_prototypes(
        self,
        request: AnyRequest,
        label: FromPath[str],
        data: Form,
        db_session: NamedDependency[Session],
        me: NamedDependency[Staff],
    ) -> Template | Redirect:
        if label not in settings_store.HARM_PROTOTYPE_LISTS:
            raise NotFound(f"no prototype list {label!r}")
        removed = set(_every(data, "remove"))
        edited = [s for i, s in enumerate(_every(data, "sentence")) if str(i) not in removed and s.strip()]
        sentences = edited + [s for s in _every(data, "add") if s.strip()]
        try:
            saved = settings_store.set_harm_prototype_list(db_session, label, sentences, actor=me.username)
        except InvalidInput as exc:
            db_session.rollback()
            lists = settings_store.harm_prototypes(db_session) | {label: sentences}
            return _prototypes_page(request, lists, label=label, errors=[e["message"] for e in exc.errors], status=422)
        title = PROTOTYPE_TITLES[label].lower()
        flash(request, f"Saved the {title} list ({len(saved)} sentences). Workers use it from their next batch.")
        return back(f"/admin/settings/harm-prototypes#{label}")


def _every(data: dict[str, Any], name: str) -> list[str]:
    """Every value of a repeated form field, blanks included, so positions line up with the remove boxes."""
    value = data.get(name, [])
    return [str(v) for v in (value if isinstance(value, list) else [value])]


def _prototypes_page(
    request: AnyRequest,
    lists: dict[str, list[str]],
    *,
    label: str = "",
    errors: list[str] | None = None,
    status: int = 200,
) -> Template:
    return page(
        request,
        "harm_prototypes.html",
        status,
        lists=lists,
        titles=PROTOTYPE_TITLES,
        failed=label,
        errors=errors or [],
        max_chars=settings_store.MAX_PROTOTYPE_CHARS,
    )
