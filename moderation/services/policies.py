"""Policy versions: the current one, saving a new one, rolling back, history."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from moderation.db.models import PolicyActivation, PolicyVersion
from moderation.domain.errors import InvalidInput, NotFound
from moderation.domain.policy import Band, Mode, Policy
from moderation.services import audit


def current(session: Session) -> Policy:
    version = session.scalar(
        select(PolicyActivation.version).order_by(PolicyActivation.activated_at.desc(), PolicyActivation.id.desc())
    )
    if version is None:
        raise NotFound("no policy is active: run `moderation migrate`")
    return get(session, version)


def get(session: Session, version: int) -> Policy:
    row = session.get(PolicyVersion, version)
    if row is None:
        raise NotFound(f"no policy version {version}")
    return to_policy(row.version, row.mode, row.bands)


def to_policy(version: int, mode: str, bands: Mapping[str, Any]) -> Policy:
    """Build a domain Policy from stored or submitted JSON; bad values raise InvalidInput."""
    try:
        parsed_mode = Mode(mode)
    except ValueError:
        raise InvalidInput(f"mode must be 'post' or 'pre', got {mode!r}", field="mode") from None
    parsed: dict[str, Band] = {}
    for label, band in bands.items():
        if not isinstance(band, Mapping):
            raise InvalidInput(f"band for {label} must be an object", field=f"bands.{label}")
        parsed[label] = Band(
            review_at=_threshold(band.get("review_at"), f"bands.{label}.review_at"),
            reject_at=_threshold(band.get("reject_at"), f"bands.{label}.reject_at"),
            urgent=bool(band.get("urgent", False)),
        )
    return Policy(version=version, mode=parsed_mode, bands=parsed)


def to_json(policy: Policy) -> dict[str, Any]:
    return {
        label: {"review_at": b.review_at, "reject_at": b.reject_at, **({"urgent": True} if b.urgent else {})}
        for label, b in sorted(policy.bands.items())
    }


def save(session: Session, mode: str, bands: Mapping[str, Any], *, actor: str, note: str = "") -> Policy:
    """Save a new immutable version and make it current."""
    latest = session.scalar(select(func.max(PolicyVersion.version))) or 0
    policy = to_policy(latest + 1, mode, bands)
    session.add(
        PolicyVersion(
            version=policy.version, mode=policy.mode.value, bands=to_json(policy), note=note, created_by=actor
        )
    )
    session.flush()
    session.add(PolicyActivation(version=policy.version, activated_by=actor))
    audit.record(session, actor, "policy.save", details={"version": policy.version, "note": note})
    session.commit()
    return policy


def rollback(session: Session, version: int, *, actor: str) -> Policy:
    policy = get(session, version)
    session.add(PolicyActivation(version=version, activated_by=actor))
    audit.record(session, actor, "policy.rollback", details={"version": version})
    session.commit()
    return policy


def history(session: Session) -> list[PolicyVersion]:
    return list(session.scalars(select(PolicyVersion).order_by(PolicyVersion.version.desc())))


def _threshold(value: object, field: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidInput(f"{field} must be a number between 0 and 1", field=field)
    try:
        return float(value)
    except ValueError:
        raise InvalidInput(f"{field} must be a number between 0 and 1", field=field) from None
