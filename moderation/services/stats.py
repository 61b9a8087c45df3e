"""Dashboard figures: queue depth, decisions per day, review times, time to first look at urgent items.

Durations are computed here from a bounded window of rows rather than with SQL date arithmetic, which
differs between PostgreSQL and SQLite; the window (WINDOW_DAYS) keeps that cheap.
"""

from __future__ import annotations

import statistics
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from moderation.db.models import Comment, Decision
from moderation.domain.states import Status

WINDOW_DAYS = 14
AUTOMATIC = ("worker", "system")  # every other `decided_by` is a moderator's username


@dataclass(frozen=True, slots=True)
class Dashboard:
    queue_normal: int
    queue_urgent: int
    urgent_unseen: int
    per_day: list[tuple[str, dict[str, int]]]  # (YYYY-MM-DD, outcome -> count), newest first
    per_moderator: list[tuple[str, int, int]]  # (moderator, approved, rejected)
    median_review_minutes: float | None  # from entering the queue to a moderator's decision
    median_first_look_minutes: float | None  # urgent items: from entering the queue to first opened
    worst_first_look_minutes: float | None


def dashboard(session: Session, now: datetime | None = None) -> Dashboard:
    moment = now or datetime.now(UTC)
    since = moment - timedelta(days=WINDOW_DAYS)
    depth = dict(
        session.execute(
            select(Comment.priority, func.count(Comment.id))
            .where(Comment.status == Status.PENDING_REVIEW.value)
            .group_by(Comment.priority)
        )
        .tuples()
        .all()
    )
    unseen = session.scalar(
        select(func.count(Comment.id)).where(
            Comment.status == Status.PENDING_REVIEW.value, Comment.priority == "urgent", Comment.first_seen_at.is_(None)
        )
    )
    entered = _entered_review(session, since)
    return Dashboard(
        queue_normal=int(depth.get("normal", 0)),
        queue_urgent=int(depth.get("urgent", 0)),
        urgent_unseen=int(unseen or 0),
        per_day=_per_day(session, since),
        per_moderator=_per_moderator(session, since),
        median_review_minutes=_median_review(session, since, entered),
        **_first_look(session, since, entered),
    )


def _per_day(session: Session, since: datetime) -> list[tuple[str, dict[str, int]]]:
    day = func.date(Decision.created_at)
    days: dict[str, dict[str, int]] = {}
    for value, outcome, count in session.execute(
        select(day, Decision.outcome, func.count(Decision.id))
        .where(Decision.created_at >= since)
        .group_by(day, Decision.outcome)
    ):
        days.setdefault(str(value), {})[outcome] = int(count)
    return sorted(days.items(), reverse=True)


def _per_moderator(session: Session, since: datetime) -> list[tuple[str, int, int]]:
    rows: dict[str, list[int]] = {}
    for who, outcome, count in session.execute(
        select(Decision.decided_by, Decision.outcome, func.count(Decision.id))
        .where(Decision.created_at >= since, Decision.decided_by.not_in(AUTOMATIC))
        .group_by(Decision.decided_by, Decision.outcome)
    ):
        tally = rows.setdefault(who, [0, 0])
        tally[0 if outcome == Status.PUBLISHED.value else 1] += int(count)
    return sorted(((who, a, r) for who, (a, r) in rows.items()), key=lambda row: -(row[1] + row[2]))


def _entered_review(session: Session, since: datetime) -> dict[uuid.UUID, datetime]:
    """When each comment last entered the queue (its latest pending_review decision) in the window."""
    entered: dict[uuid.UUID, datetime] = {}
    for comment_id, at in session.execute(
        select(Decision.comment_id, Decision.created_at)
        .where(Decision.outcome == Status.PENDING_REVIEW.value, Decision.created_at >= since)
        .order_by(Decision.id)
    ):
        entered[comment_id] = at
    return entered


def _median_review(session: Session, since: datetime, entered: dict[uuid.UUID, datetime]) -> float | None:
    waits = [
        (at - entered[comment_id]).total_seconds() / 60
        for comment_id, at in session.execute(
            select(Decision.comment_id, Decision.created_at).where(
                Decision.created_at >= since,
                Decision.decided_by.not_in(AUTOMATIC),
                Decision.outcome != Status.PENDING_REVIEW.value,
            )
        )
        if comment_id in entered and at >= entered[comment_id]
    ]
    return round(statistics.median(waits), 1) if waits else None


def _first_look(session: Session, since: datetime, entered: dict[uuid.UUID, datetime]) -> dict[str, float | None]:
    looks = [
        (seen - entered[comment_id]).total_seconds() / 60
        for comment_id, seen in session.execute(
            select(Comment.id, Comment.first_seen_at).where(
                Comment.priority == "urgent", Comment.first_seen_at.is_not(None), Comment.first_seen_at >= since
            )
        )
        if comment_id in entered and seen is not None
    ]
    return {
        "median_first_look_minutes": round(statistics.median(looks), 1) if looks else None,
        "worst_first_look_minutes": round(max(looks), 1) if looks else None,
    }
