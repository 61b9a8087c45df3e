"""The misinformation claim catalogue: validated CRUD, JSON/CSV import and export, and its version.

Import is all or nothing: every row is validated first and the errors of all bad rows are reported
together, so an admin fixes the file once instead of discovering a half-imported catalogue.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from moderation.db.models import Claim
from moderation.domain.errors import Conflict, InvalidInput, NotFound
from moderation.services import audit

CATEGORIES = (
    "unproven_cure",
    "stop_treatment",
    "false_cause",
    "false_prognosis",
    "dangerous_advice",
    "false_side_effect",
)
SEVERITIES = ("low", "medium", "high")
CSV_COLUMNS = ("slug", "statement", "variants", "category", "severity", "correction", "source_url", "enabled")
VARIANT_SEPARATOR = " | "
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class ImportRejected(InvalidInput):
    """One or more rows of an import are invalid; nothing was imported."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len({e['row'] for e in errors})} row(s) are invalid; nothing was imported", errors=errors)


@dataclass(frozen=True, slots=True)
class ClaimData:
    slug: str
    statement: str
    category: str
    severity: str
    correction: str
    source_url: str
    variants: tuple[str, ...] = field(default=())
    enabled: bool = True


def validate(data: ClaimData) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if not _SLUG.match(data.slug) or len(data.slug) > 100:
        problems.append(("slug", "slug must be lowercase words joined by '-' (at most 100 characters)"))
    for name in ("statement", "correction"):
        value = getattr(data, name)
        if not isinstance(value, str) or not value.strip() or len(value) > 2000:
            problems.append((name, f"{name} must be 1 to 2000 characters"))
    if data.category not in CATEGORIES:
        problems.append(("category", f"category must be one of {', '.join(CATEGORIES)}"))
    if data.severity not in SEVERITIES:
        problems.append(("severity", f"severity must be one of {', '.join(SEVERITIES)}"))
    if not isinstance(data.source_url, str) or not data.source_url.startswith(("https://", "http://")):
        problems.append(("source_url", "source_url must be an http(s) link"))
    if len(data.variants) > 30 or any(not isinstance(v, str) or not v.strip() for v in data.variants):
        problems.append(("variants", "variants must be up to 30 non-empty sentences"))
    return problems


def check(data: ClaimData) -> None:
    problems = validate(data)
    if problems:
        field_name, message = problems[0]
        raise InvalidInput(message, field=field_name)


@dataclass(frozen=True, slots=True)
class ClaimFilter:
    """Which claims a listing shows; None means any."""

    search: str | None = None  # words in the statement or the slug
    category: str | None = None
    severity: str | None = None
    enabled: bool | None = None


def list_claims(session: Session, search: str | None = None, include_disabled: bool = True) -> list[Claim]:
    filters = ClaimFilter(search=search, enabled=None if include_disabled else True)
    return list(session.scalars(_filtered(filters).order_by(Claim.category, Claim.slug)))


def find_claims(session: Session, filters: ClaimFilter, *, limit: int, offset: int = 0) -> tuple[list[Claim], int]:
    """One page of the catalogue in listing order, and how many claims match in all."""
    query = _filtered(filters)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = session.scalars(query.order_by(Claim.category, Claim.slug).limit(limit).offset(offset))
    return list(page), total


def _filtered(filters: ClaimFilter) -> Select[tuple[Claim]]:
    query = select(Claim)
    if filters.enabled is not None:
        query = query.where(Claim.enabled.is_(filters.enabled))
    if filters.category:
        query = query.where(Claim.category == filters.category)
    if filters.severity:
        query = query.where(Claim.severity == filters.severity)
    if filters.search:
        pattern = f"%{filters.search.lower()}%"
        query = query.where(or_(func.lower(Claim.statement).like(pattern), Claim.slug.like(pattern)))
    return query


def get_claim(session: Session, slug: str) -> Claim:
    claim = session.scalar(select(Claim).where(Claim.slug == slug))
    if claim is None:
        raise NotFound(f"no claim {slug!r}")
    return claim


def by_slugs(session: Session, slugs: Iterable[str]) -> dict[str, Claim]:
    wanted = list(slugs)
    if not wanted:
        return {}
    return {c.slug: c for c in session.scalars(select(Claim).where(Claim.slug.in_(wanted)))}


def create_claim(session: Session, data: ClaimData, *, actor: str) -> Claim:
    check(data)
    if session.scalar(select(Claim.id).where(Claim.slug == data.slug)) is not None:
        raise Conflict(f"a claim with slug {data.slug!r} already exists")
    claim = Claim(**_columns(data))
    session.add(claim)
    audit.record(session, actor, "claim.create", details={"slug": data.slug})
    session.commit()
    return claim


def update_claim(session: Session, slug: str, data: ClaimData, *, actor: str) -> Claim:
    check(data)
    claim = get_claim(session, slug)
    if data.slug != slug and session.scalar(select(Claim.id).where(Claim.slug == data.slug)) is not None:
        raise Conflict(f"a claim with slug {data.slug!r} already exists")
    columns = _columns(data)
    changed = sorted(name for name, value in columns.items() if getattr(claim, name) != value)
    for name, value in columns.items():
        setattr(claim, name, value)
    audit.record(session, actor, "claim.update", details={"slug": slug, "new_slug": data.slug, "changed": changed})
    session.commit()
    return claim


def edit_claim(session: Session, slug: str, changes: Mapping[str, Any], *, actor: str) -> Claim:
    """Change only the given fields (the others keep their values), validated like a full edit."""
    unknown = set(changes) - set(CSV_COLUMNS)
    if unknown:
        raise InvalidInput("unknown field", field=sorted(unknown)[0])
    merged = {**export_row(get_claim(session, slug)), **changes}
    variants = merged["variants"]
    data = ClaimData(**{**merged, "variants": tuple(variants) if isinstance(variants, list | tuple) else ("",)})
    return update_claim(session, slug, data, actor=actor)


def set_enabled(session: Session, slug: str, enabled: bool, *, actor: str) -> Claim:
    claim = get_claim(session, slug)
    claim.enabled = enabled
    audit.record(session, actor, "claim.enable" if enabled else "claim.disable", details={"slug": slug})
    session.commit()
    return claim


def catalogue_version(session: Session) -> str:
    """Changes whenever a claim is added, edited, enabled or disabled; workers rebuild their matcher then."""
    count, latest = session.execute(select(func.count(Claim.id), func.max(Claim.updated_at))).one()
    return f"{count}:{latest.isoformat() if latest else '-'}"


def import_claims(session: Session, rows: Iterable[Mapping[str, Any]], *, actor: str) -> dict[str, int]:
    """Create or update claims by slug, all in one transaction, or raise ImportRejected and change nothing."""
    parsed, errors = _parse_rows(rows)
    if errors:
        raise ImportRejected(errors)
    existing = {c.slug: c for c in session.scalars(select(Claim).where(Claim.slug.in_([d.slug for d in parsed])))}
    created = updated = 0
    for data in parsed:
        if data.slug in existing:
            for name, value in _columns(data).items():
                setattr(existing[data.slug], name, value)
            updated += 1
        else:
            session.add(Claim(**_columns(data)))
            created += 1
    audit.record(session, actor, "claim.import", details={"created": created, "updated": updated})
    session.commit()
    return {"created": created, "updated": updated}


def parse_json(text: str) -> list[Mapping[str, Any]]:
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"not valid JSON: {exc.msg} at line {exc.lineno}", field="file") from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise InvalidInput("a JSON import must be a list of claim objects", field="file")
    return rows


def parse_csv(text: str) -> list[Mapping[str, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = set(CSV_COLUMNS) - {"enabled", "variants"} - set(reader.fieldnames or [])
    if missing:
        raise InvalidInput(f"CSV is missing column(s): {', '.join(sorted(missing))}", field="file")
    rows: list[Mapping[str, Any]] = []
    for row in reader:
        variants = [v.strip() for v in (row.get("variants") or "").split(VARIANT_SEPARATOR.strip()) if v.strip()]
        enabled = (row.get("enabled") or "true").strip().lower() not in ("false", "0", "no")
        rows.append({**row, "variants": variants, "enabled": enabled})
    return rows


def export_json(claims: Iterable[Claim]) -> str:
    return json.dumps([export_row(c) for c in claims], indent=2, ensure_ascii=False)


def export_csv(claims: Iterable[Claim]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for claim in claims:
        row = export_row(claim)
        writer.writerow({**row, "variants": VARIANT_SEPARATOR.join(row["variants"]), "enabled": str(claim.enabled)})
    return out.getvalue()


def _parse_rows(rows: Iterable[Mapping[str, Any]]) -> tuple[list[ClaimData], list[dict[str, Any]]]:
    parsed: list[ClaimData] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        unknown = set(row) - set(CSV_COLUMNS)
        if unknown:
            errors.append({"row": number, "field": sorted(unknown)[0], "message": "unknown field"})
            continue
        variants = row.get("variants") or []
        data = ClaimData(
            slug=str(row.get("slug") or "").strip(),
            statement=str(row.get("statement") or ""),
            category=str(row.get("category") or ""),
            severity=str(row.get("severity") or ""),
            correction=str(row.get("correction") or ""),
            source_url=str(row.get("source_url") or ""),
            variants=tuple(variants) if isinstance(variants, list) else ("",),
            enabled=bool(row.get("enabled", True)),
        )
        problems = validate(data)
        if data.slug in seen:
            problems.append(("slug", "slug appears twice in this file"))
        seen.add(data.slug)
        errors.extend({"row": number, "field": f, "message": m} for f, m in problems)
        if not problems:
            parsed.append(data)
    return parsed, errors


def _columns(data: ClaimData) -> dict[str, Any]:
    values = asdict(data)
    values["variants"] = list(data.variants)
    return values


def export_row(claim: Claim) -> dict[str, Any]:
    return {
        "slug": claim.slug,
        "statement": claim.statement,
        "variants": list(claim.variants),
        "category": claim.category,
        "severity": claim.severity,
        "correction": claim.correction,
        "source_url": claim.source_url,
        "enabled": claim.enabled,
    }
