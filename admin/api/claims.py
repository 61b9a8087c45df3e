"""The claim catalogue over JSON: list, read, create, edit, disable, import and export.

Every rule lives in moderation.services.claims (these handlers only translate shapes), and every change
is audited there. Workers pick changes up by themselves: before each batch they compare the catalogue
version (claim count and latest `updated_at`) and rebuild their matcher when it moved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, Reference, RequestBody, Schema
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter, RawBody
from sqlalchemy.orm import Session

from admin.api.problems import documented
from admin.guards import Staff, requires_admin
from moderation.db.models import Claim
from moderation.domain.errors import InvalidInput
from moderation.services import claims

MAX_IMPORT_BYTES = 8 * 1024 * 1024  # the seed catalogue is 35 kB; the API's usual 256 KiB cap is for comments

Category = Annotated[str, msgspec.Meta(description=f"one of: {', '.join(claims.CATEGORIES)}")]
Severity = Annotated[str, msgspec.Meta(description=f"one of: {', '.join(claims.SEVERITIES)}")]
Variants = Annotated[list[str], msgspec.Meta(description="paraphrases matched like the statement (up to 30)")]


class CatalogueClaimIn(msgspec.Struct, forbid_unknown_fields=True):
    """A claim as created, imported and exported (types only here; the service checks the values)."""

    slug: Annotated[str, msgspec.Meta(description="lowercase words joined by '-', unique")]
    statement: str
    category: Category
    severity: Severity
    correction: Annotated[str, msgspec.Meta(description="the note a moderator can paste")]
    source_url: str
    variants: Variants = msgspec.field(default_factory=list)
    enabled: bool = True


class CatalogueClaimPatch(msgspec.Struct, forbid_unknown_fields=True):
    """The fields to change; the others keep their values."""

    slug: str | msgspec.UnsetType = msgspec.UNSET
    statement: str | msgspec.UnsetType = msgspec.UNSET
    category: Category | msgspec.UnsetType = msgspec.UNSET
    severity: Severity | msgspec.UnsetType = msgspec.UNSET
    correction: str | msgspec.UnsetType = msgspec.UNSET
    source_url: str | msgspec.UnsetType = msgspec.UNSET
    variants: Variants | msgspec.UnsetType = msgspec.UNSET
    enabled: bool | msgspec.UnsetType = msgspec.UNSET


class CatalogueClaimOut(msgspec.Struct):
    id: int
    slug: str
    statement: str
    variants: list[str]
    category: str
    severity: str
    correction: str
    source_url: str
    enabled: bool
    updated_at: datetime


class CatalogueClaimPage(msgspec.Struct):
    items: list[CatalogueClaimOut]
    total: int
    limit: int
    offset: int


class ClaimImportOut(msgspec.Struct):
    created: int
    updated: int


@dataclass
class ImportOperation(Operation):
    """The import reads the raw body (JSON or CSV by Content-Type), which Litestar cannot describe by itself."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            description="All rows or none: any invalid row gives 422 listing every bad row and imports nothing.",
            content={
                "application/json": OpenAPIMediaType(
                    schema=Schema(type=OpenAPIType.ARRAY, items=Reference(ref="#/components/schemas/CatalogueClaimIn"))
                ),
                "text/csv": OpenAPIMediaType(
                    schema=Schema(
                        type=OpenAPIType.STRING,
                        description=f"header {','.join(claims.CSV_COLUMNS)}; variants separated by "
                        f"'{claims.VARIANT_SEPARATOR.strip()}'; enabled and variants may be left out",
                    )
                ),
            },
        )


class ClaimApiController(Controller):
    path = "/claims"
    guards = [requires_admin]
    tags = ["admin: claim catalogue"]

    @get(sync_to_thread=True, summary="List claims, filtered and paged", responses=documented(401, 403))
    def index(
        self,
        db_session: NamedDependency[Session],
        q: Annotated[str, QueryParameter(description="words in the statement or slug", max_length=200)] = "",
        category: FromQuery[str | None] = None,
        severity: FromQuery[str | None] = None,
        enabled: FromQuery[bool | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
    ) -> CatalogueClaimPage:
        filters = claims.ClaimFilter(search=q.strip() or None, category=category, severity=severity, enabled=enabled)
        found, total = claims.find_claims(db_session, filters, limit=limit, offset=offset)
        return CatalogueClaimPage([_out(c) for c in found], total, limit, offset)

    @post(sync_to_thread=True, summary="Add a claim", responses=documented(401, 403, 409, 422))
    def create(
        self, data: JSONBody[CatalogueClaimIn], db_session: NamedDependency[Session], me: NamedDependency[Staff]
    ) -> CatalogueClaimOut:
        return _out(claims.create_claim(db_session, _claim_data(data), actor=me.username))

    @get("/export", sync_to_thread=True, summary="Export the whole catalogue", responses=documented(401, 403))
    def export(
        self,
        db_session: NamedDependency[Session],
        format_: Annotated[Literal["json", "csv"], QueryParameter(name="format")] = "json",
    ) -> Response[str]:
        found = claims.list_claims(db_session, include_disabled=True)
        text = claims.export_csv(found) if format_ == "csv" else claims.export_json(found)
        return Response(
            text,
            media_type="text/csv; charset=utf-8" if format_ == "csv" else "application/json",
            headers={"Content-Disposition": f'attachment; filename="claims.{format_}"'},
        )

    @post(
        "/import",
        sync_to_thread=True,
        status_code=200,
        summary="Add or update claims by slug from a JSON array or a CSV file, all rows or none",
        operation_class=ImportOperation,
        request_max_body_size=MAX_IMPORT_BYTES,
        responses=documented(401, 403, 413, 415, 422),
    )
    def import_(
        self,
        request: Request[Any, Any, Any],
        body: RawBody,
        db_session: NamedDependency[Session],
        me: NamedDependency[Staff],
    ) -> ClaimImportOut:
        rows = _parse_upload(request.content_type[0], body)
        return ClaimImportOut(**claims.import_claims(db_session, rows, actor=me.username))

    @get("/{slug:str}", sync_to_thread=True, summary="One claim", responses=documented(401, 403, 404))
    def show(self, slug: FromPath[str], db_session: NamedDependency[Session]) -> CatalogueClaimOut:
        return _out(claims.get_claim(db_session, slug))

    @patch(
        "/{slug:str}",
        sync_to_thread=True,
        summary="Change some fields of a claim (a new slug renames it)",
        responses=documented(401, 403, 404, 409, 422),
    )
    def edit(
        self,
        slug: FromPath[str],
        data: JSONBody[CatalogueClaimPatch],
        db_session: NamedDependency[Session],
        me: NamedDependency[Staff],
    ) -> CatalogueClaimOut:
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        return _out(claims.edit_claim(db_session, slug, changes, actor=me.username))

    @delete(
        "/{slug:str}",
        sync_to_thread=True,
        status_code=200,
        summary="Disable a claim (it is kept, exported and can be enabled again with PATCH)",
        responses=documented(401, 403, 404),
    )
    def disable(
        self, slug: FromPath[str], db_session: NamedDependency[Session], me: NamedDependency[Staff]
    ) -> CatalogueClaimOut:
        return _out(claims.set_enabled(db_session, slug, False, actor=me.username))


def _parse_upload(content_type: str, body: bytes) -> list[Mapping[str, Any]]:
    if content_type not in ("application/json", "text/csv"):
        raise HTTPException(status_code=415, detail="send the claims as application/json or text/csv")
    try:
        text = body.decode("utf-8-sig")  # a CSV saved by a spreadsheet often starts with a BOM
    except UnicodeDecodeError:
        raise InvalidInput("the body is not UTF-8 text", field="body") from None
    return claims.parse_json(text) if content_type == "application/json" else claims.parse_csv(text)


def _claim_data(data: CatalogueClaimIn) -> claims.ClaimData:
    return claims.ClaimData(**{**msgspec.structs.asdict(data), "variants": tuple(data.variants)})


def _out(claim: Claim) -> CatalogueClaimOut:
    return CatalogueClaimOut(id=claim.id, updated_at=claim.updated_at, **claims.export_row(claim))
