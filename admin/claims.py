"""The misinformation claim catalogue: list, search, add, edit, enable and disable."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy.orm import Session

from admin.guards import Staff, requires_admin
from admin.pages import back, field, flash, page
from moderation.db.models import Claim
from moderation.domain.errors import Conflict, InvalidInput
from moderation.services import claims

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
AnyRequest = Request[Any, Any, Any]


class ClaimController(Controller):
    path = "/claims"
    guards = [requires_admin]

    @get(sync_to_thread=True)
    def index(self, request: AnyRequest, db_session: NamedDependency[Session], q: FromQuery[str] = "") -> Template:
        found = claims.list_claims(db_session, search=q.strip() or None, include_disabled=True)
        return page(request, "claims.html", claims=found, q=q)

    @get("/new", sync_to_thread=False)
    def new(self, request: AnyRequest) -> Template:
        return _form(request, None, {"severity": "medium", "enabled": True})

    @post("/new", sync_to_thread=True)
    def create(
        self, request: AnyRequest, data: Form, db_session: NamedDependency[Session], me: NamedDependency[Staff]
    ) -> Template | Redirect:
        try:
            claim = claims.create_claim(db_session, _claim_data(data), actor=me.username)
        except (InvalidInput, Conflict) as exc:
            db_session.rollback()
            return _form(request, None, dict(data), error=str(exc))
        flash(request, f"Added claim {claim.slug}. Workers use it from their next batch.")
        return back("/admin/claims")

    @get("/{slug:str}", sync_to_thread=True)
    def edit(self, request: AnyRequest, slug: FromPath[str], db_session: NamedDependency[Session]) -> Template:
        claim = claims.get_claim(db_session, slug)
        return _form(request, slug, _values(claim))

    @post("/{slug:str}", sync_to_thread=True)
    def update(
        self,
        request: AnyRequest,
        slug: FromPath[str],
        data: Form,
        db_session: NamedDependency[Session],
        me: NamedDependency[Staff],
    ) -> Template | Redirect:
        try:
            claim = claims.update_claim(db_session, slug, _claim_data(data), actor=me.username)
        except (InvalidInput, Conflict) as exc:
            db_session.rollback()
            return _form(request, slug, dict(data), error=str(exc))
        flash(request, f"Saved claim {claim.slug}.")
        return back("/admin/claims")

    @post("/{slug:str}/enabled", sync_to_thread=True)
    def toggle(
        self,
        request: AnyRequest,
        slug: FromPath[str],
        data: Form,
        db_session: NamedDependency[Session],
        me: NamedDependency[Staff],
    ) -> Redirect:
        enabled = field(data, "enabled") == "true"
        claims.set_enabled(db_session, slug, enabled, actor=me.username)
        flash(request, f"Claim {slug} {'enabled' if enabled else 'disabled'}.")
        return back("/admin/claims")


def _claim_data(data: dict[str, Any]) -> claims.ClaimData:
    variants = tuple(line.strip() for line in field(data, "variants").splitlines() if line.strip())
    return claims.ClaimData(
        slug=field(data, "slug"),
        statement=field(data, "statement"),
        category=field(data, "category"),
        severity=field(data, "severity"),
        correction=field(data, "correction"),
        source_url=field(data, "source_url"),
        variants=variants,
        enabled=field(data, "enabled") == "on",
    )


def _values(claim: Claim) -> dict[str, Any]:
    return {
        "slug": claim.slug,
        "statement": claim.statement,
        "variants": "\n".join(claim.variants or []),
        "category": claim.category,
        "severity": claim.severity,
        "correction": claim.correction,
        "source_url": claim.source_url,
        "enabled": claim.enabled,
    }


def _form(request: AnyRequest, slug: str | None, values: dict[str, Any], error: str = "") -> Template:
    return page(
        request,
        "claim_form.html",
        422 if error else 200,
        slug=slug,
        values=values,
        error=error,
        categories=claims.CATEGORIES,
        severities=claims.SEVERITIES,
    )
