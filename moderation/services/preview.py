"""Impact preview: replay stored scores of recent comments through the current and a draft policy.

No re-scoring: a preview must answer in a second while an admin drags a threshold, and it must show
what the draft does to the exact scores the comments were judged on. `replay` is pure; `load_samples`
is the only part that reads the database.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.db.models import Comment, Score
from moderation.domain.policy import Policy, decide
from moderation.domain.states import Status

OUTCOMES = (Status.PUBLISHED.value, Status.PENDING_REVIEW.value, Status.REJECTED.value)
MAX_SAMPLES = 5000
MAX_CHANGES_SHOWN = 50


@dataclass(frozen=True, slots=True)
class Sample:
    comment_id: uuid.UUID
    status: str  # where the comment is now (a moderator may have overridden the policy)
    scores: Mapping[str, float]
    excerpt: str = ""


@dataclass(frozen=True, slots=True)
class LabelImpact:
    label: str
    review_now: int = 0
    review_draft: int = 0
    reject_now: int = 0
    reject_draft: int = 0


@dataclass(frozen=True, slots=True)
class Change:
    comment_id: uuid.UUID
    status: str
    now: str  # outcome under the current policy
    draft: str  # outcome under the draft
    excerpt: str


@dataclass(frozen=True, slots=True)
class Impact:
    sampled: int
    now: dict[str, int]  # outcome -> count under the current policy
    draft: dict[str, int]
    labels: list[LabelImpact]
    changed: list[Change] = field(default_factory=list)  # first MAX_CHANGES_SHOWN
    changed_total: int = 0


def replay(samples: Sequence[Sample], current: Policy, draft: Policy) -> Impact:
    """Decide every sample under both policies and count outcomes, band crossings per label and changes."""
    now = dict.fromkeys(OUTCOMES, 0)
    drafted = dict.fromkeys(OUTCOMES, 0)
    labels = sorted(set(current.bands) | set(draft.bands))
    crossings = {label: [0, 0, 0, 0] for label in labels}  # review now, review draft, reject now, reject draft
    changed: list[Change] = []
    changed_total = 0
    for sample in samples:
        before, after = decide(sample.scores, current), decide(sample.scores, draft)
        now[before.outcome.value] += 1
        drafted[after.outcome.value] += 1
        for offset, decision in ((0, before), (1, after)):
            for reason in decision.reasons:
                if reason.code in crossings:
                    crossings[reason.code][offset + (2 if reason.band == "reject" else 0)] += 1
        if before.outcome is not after.outcome:
            changed_total += 1
            if len(changed) < MAX_CHANGES_SHOWN:
                changed.append(
                    Change(sample.comment_id, sample.status, before.outcome.value, after.outcome.value, sample.excerpt)
                )
    return Impact(
        sampled=len(samples),
        now=now,
        draft=drafted,
        labels=[LabelImpact(label, *crossings[label]) for label in labels if any(crossings[label])],
        changed=changed,
        changed_total=changed_total,
    )


def load_samples(
    session: Session, *, last: int | None = 500, days: int | None = None, now: datetime | None = None
) -> list[Sample]:
    """The most recent scored comments: the last `last` of them, or those of the last `days` days."""
    query = select(Comment.id, Comment.status, Comment.body).where(Comment.status.in_(OUTCOMES), Comment.scores.any())
    if days is not None:
        query = query.where(Comment.created_at >= (now or datetime.now(UTC)) - timedelta(days=days))
    limit = min(last or MAX_SAMPLES, MAX_SAMPLES)
    rows = session.execute(query.order_by(Comment.created_at.desc()).limit(limit)).all()
    scores: dict[uuid.UUID, dict[str, float]] = {row.id: {} for row in rows}
    ids = list(scores)
    for start in range(0, len(ids), 500):  # keep IN lists short for SQLite's parameter limit
        chunk = ids[start : start + 500]
        for comment_id, label, value in session.execute(
            select(Score.comment_id, Score.label, Score.value).where(Score.comment_id.in_(chunk))
        ):
            scores[comment_id][label] = value
    return [Sample(row.id, row.status, scores[row.id], row.body[:160]) for row in rows]
