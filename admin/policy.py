"""Policy: thresholds per label and mode, impact preview of a draft, save as a new version, history, rollback."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlalchemy.orm import Session

from admin.guards import Staff, requires_admin
from admin.pages import back, field, flash, integer, page
from moderation.domain.errors import InvalidInput
from moderation.domain.policy import LABELS, Policy
from moderation.services import policies, preview

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
AnyRequest = Request[Any, Any, Any]
DEFAULT_SAMPLE = 500


class PolicyController(Controller):
    path = "/policy"
    guards = [requires_admin]

    @get(sync_to_thread=True)
    def show(self, request: AnyRequest, db_session: NamedDependency[Session]) -> Template:
        current = policies.current(db_session)
        return _page(request, db_session, current, draft=policies.to_json(current), mode=current.mode.value)

    @post("/preview", sync_to_thread=True)
    def preview(self, request: AnyRequest, data: Form, db_session: NamedDependency[Session]) -> Template:
        current = policies.current(db_session)
        bands, mode = _draft(data)
        window = field(data, "window", "last")
        size = integer(field(data, "size"), DEFAULT_SAMPLE, 1, preview.MAX_SAMPLES)
        try:
            draft = policies.to_policy(0, mode, bands)
        except InvalidInput as exc:
            return _page(request, db_session, current, draft=bands, mode=mode, error=str(exc), status_code=422)
        samples = (
            preview.load_samples(db_session, days=size)
            if window == "days"
            else preview.load_samples(db_session, last=size)
        )
        impact = preview.replay(samples, current, draft)
        return _page(
            request,
            db_session,
            current,
            draft=bands,
            mode=mode,
            impact=impact,
            window=window,
            size=size,
            note=field(data, "note"),
        )

    @post(sync_to_thread=True)
    def save(
        self, request: AnyRequest, data: Form, db_session: NamedDependency[Session], me: NamedDependency[Staff]
    ) -> Template | Redirect:
        bands, mode = _draft(data)
        try:
            saved = policies.save(db_session, mode, bands, actor=me.username, note=field(data, "note")[:500])
        except InvalidInput as exc:
            db_session.rollback()
            current = policies.current(db_session)
            return _page(request, db_session, current, draft=bands, mode=mode, error=str(exc), status_code=422)
        flash(request, f"Saved policy version {saved.version}; new comments are decided under it.")
        return back("/admin/policy")

    @post("/rollback", sync_to_thread=True)
    def rollback(
        self, request: AnyRequest, data: Form, db_session: NamedDependency[Session], me: NamedDependency[Staff]
    ) -> Redirect:
        version = integer(field(data, "version"), 0, 0)
        policies.rollback(db_session, version, actor=me.username)
        flash(request, f"Version {version} is current again.")
        return back("/admin/policy")


def _draft(data: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], str]:
    """Bands as the form sent them; empty fields mean "no threshold"."""
    bands: dict[str, dict[str, Any]] = {}
    for label in LABELS:
        review, reject = field(data, f"review_at.{label}"), field(data, f"reject_at.{label}")
        urgent = field(data, f"urgent.{label}") == "on"
        if review or reject or urgent:
            bands[label] = {"review_at": review or None, "reject_at": reject or None, "urgent": urgent}
    return bands, field(data, "mode", "post")


def _page(
    request: AnyRequest,
    session: Session,
    current: Policy,
    *,
    draft: dict[str, Any],
    mode: str,
    status_code: int = 200,
    **extra: Any,
) -> Template:
    context: dict[str, Any] = {"window": "last", "size": DEFAULT_SAMPLE, "note": "", "impact": None, "error": ""}
    return page(
        request,
        "policy.html",
        status_code,
        current=current,
        labels=LABELS,
        draft=draft,
        mode=mode,
        history=policies.history(session),
        **(context | extra),
    )
