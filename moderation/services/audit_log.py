"""Reading the audit log: filter by actor, action and date, newest first, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from moderation.db.models import AuditEvent

PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None
    since: date | None = None  # inclusive, UTC days
    until: date | None = None  # inclusive


@dataclass(frozen=True, slots=True)
class AuditPage:
    events: list[AuditEvent]
    total: int
    page: int
    pages: int


def search(session: Session, where: AuditFilter, page: int = 1, page_size: int = PAGE_SIZE) -> AuditPage:
    conditions = []
    if where.actor:
        conditions.append(AuditEvent.actor == where.actor)
    if where.action:
        conditions.append(AuditEvent.action == where.action)
    if where.since:
        conditions.append(AuditEvent.created_at >= _midnight(where.since))
    if where.until:
        conditions.append(AuditEvent.created_at < _midnight(where.until + timedelta(days=1)))
    total = int(session.scalar(select(func.count(AuditEvent.id)).where(*conditions)) or 0)
    pages = max(1, -(-total // page_size))
    current = min(max(page, 1), pages)
    events = list(
        session.scalars(
            select(AuditEvent)
            .where(*conditions)
            .order_by(AuditEvent.id.desc())
            .offset((current - 1) * page_size)
            .limit(page_size)
        )
    )
    return AuditPage(events, total, current, pages)


def actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def actors(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.actor).distinct().order_by(AuditEvent.actor)))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)
