"""Comments from claim to decision (the API's insert lives in services/ingest.py).

Scoring is fenced: claiming a comment for scoring bumps `scoring_attempts`, and the decision is only
written while the comment is still in `scoring` with that same attempt number. A worker that was
presumed dead (and whose comment was swept back to `received` and claimed again) therefore cannot
write a second decision: a comment scored twice gets one decision.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from moderation.db.models import Comment, Score, ScoreEvidence, WebhookDelivery
from moderation.domain.errors import NotFound
from moderation.domain.policy import Decision, Policy, decide
from moderation.domain.scores import ScoreSet
from moderation.domain.states import Status, transition
from moderation.services import audit, decisions

WORKER = "worker"
MAX_SCORING_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class Claimed:
    """A comment this worker holds for scoring, with the fencing token of its claim."""

    comment: Comment
    attempt: int


@dataclass(frozen=True, slots=True)
class Outcome:
    comment_id: uuid.UUID
    status: Status | None  # None: the claim was lost (swept and taken by another worker), nothing written
    deliveries: tuple[WebhookDelivery, ...] = ()


def get(session: Session, forum_id: int | None, comment_id: uuid.UUID) -> Comment:
    """A comment by id; `forum_id` scopes the lookup so one forum never sees another's comments."""
    comment = session.get(Comment, comment_id)
    if comment is None or (forum_id is not None and comment.forum_id != forum_id):
        raise NotFound(f"no comment {comment_id}")
    return comment


def find_by_external_id(session: Session, forum_id: int, external_id: str) -> Comment | None:
    return session.scalar(select(Comment).where(Comment.forum_id == forum_id, Comment.external_id == external_id))


def claim_batch(session: Session, batch_size: int, worker_id: str = WORKER) -> list[Claimed]:
    """Claim up to `batch_size` waiting comments, oldest first, for the worker `worker_id`."""
    candidates = (
        select(Comment.id)
        .where(Comment.status == Status.RECEIVED.value, Comment.scoring_attempts < MAX_SCORING_ATTEMPTS)
        .order_by(Comment.created_at)
        .limit(batch_size)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Concurrent workers take disjoint batches instead of queueing behind each other's row locks.
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(session.scalars(candidates))
    if not ids:
        session.commit()
        return []
    won = session.execute(
        update(Comment)
        .where(Comment.id.in_(ids), Comment.status == Status.RECEIVED.value)
        .values(
            status=Status.SCORING.value,
            status_changed_at=datetime.now(UTC),
            scoring_attempts=Comment.scoring_attempts + 1,
        )
        .returning(Comment.id, Comment.scoring_attempts)
        .execution_options(synchronize_session=False)
    ).all()
    for comment_id, attempt in won:
        audit.record(
            session,
            WORKER,
            "comment.scoring",
            comment_id=comment_id,
            from_status="received",
            to_status="scoring",
            details={"attempt": attempt, "worker": worker_id},
        )
    session.commit()
    loaded = {c.id: c for c in session.scalars(select(Comment).where(Comment.id.in_([cid for cid, _ in won])))}
    order = {cid: n for n, cid in enumerate(ids)}
    return sorted((Claimed(loaded[cid], attempt) for cid, attempt in won), key=lambda c: order[c.comment.id])


def review_exhausted(session: Session) -> list[Outcome]:
    """Fail closed: comments whose scoring failed MAX_SCORING_ATTEMPTS times wait for a human."""
    stuck = session.scalars(
        select(Comment.id).where(
            Comment.status == Status.RECEIVED.value, Comment.scoring_attempts >= MAX_SCORING_ATTEMPTS
        )
    ).all()
    return [send_to_review(session, comment_id, reason="scoring_failed") for comment_id in stuck]


def apply_scores(
    session: Session, claimed: Sequence[Claimed], results: Sequence[ScoreSet], policy: Policy
) -> list[Outcome]:
    """Store each comment's scores and evidence and decide it under `policy`, in one transaction."""
    outcomes = []
    for item, result in zip(claimed, results, strict=True):
        decision = decide(result.values, policy)
        reasons = [decisions.reason_json(r, **_claim_of(r.code, result)) for r in decision.reasons]
        if not _finish_scoring(session, item, decision, reasons):
            outcomes.append(Outcome(item.comment.id, None))
            continue
        _store_scores(session, item.comment.id, result)
        _, deliveries = decisions.record(
            session,
            item.comment,
            decision.outcome,
            reasons,
            previous=Status.SCORING,
            decided_by=WORKER,
            policy_version=policy.version,
            priority=decision.priority.value,
        )
        audit.record(
            session,
            WORKER,
            "comment.decided",
            comment_id=item.comment.id,
            from_status="scoring",
            to_status=decision.outcome.value,
            details={"policy_version": policy.version, "reasons": reasons, "scores": result.values},
        )
        outcomes.append(Outcome(item.comment.id, decision.outcome, tuple(deliveries)))
    session.commit()
    return outcomes


def release(session: Session, claimed: Sequence[Claimed]) -> None:
    """Give claimed comments back to the queue after a failed scoring attempt (the attempt still counts)."""
    for item in claimed:
        move(
            session,
            item.comment.id,
            Status.SCORING,
            Status.RECEIVED,
            "comment.released",
            extra_where=(Comment.scoring_attempts == item.attempt,),
        )
    session.commit()


def send_to_review(session: Session, comment_id: uuid.UUID, reason: str, *, actor: str = WORKER) -> Outcome:
    """Fail closed: a comment that cannot be scored waits for a human, never gets published unscored."""
    comment = get(session, None, comment_id)
    previous = Status(comment.status)
    if previous not in (Status.RECEIVED, Status.SCORING):
        return Outcome(comment_id, None)
    reasons = [{"code": reason}]
    if not move(
        session,
        comment_id,
        previous,
        Status.PENDING_REVIEW,
        "comment.decided",
        actor=actor,
        values={"review_reasons": reasons},
        details={"reasons": reasons},
    ):
        return Outcome(comment_id, None)
    _, deliveries = decisions.record(
        session, comment, Status.PENDING_REVIEW, reasons, previous=previous, decided_by=actor, policy_version=None
    )
    session.commit()
    return Outcome(comment_id, Status.PENDING_REVIEW, tuple(deliveries))


def requeue_stale(session: Session, *, received_before: datetime, scoring_before: datetime) -> int:
    """Give comments stuck in `scoring` (a dead worker) back to the queue; return how many now wait,
    counting those that have waited since before `received_before` (their wake-up may be lost)."""
    stuck = session.scalars(
        select(Comment.id).where(Comment.status == Status.SCORING.value, Comment.status_changed_at < scoring_before)
    ).all()
    for comment_id in stuck:
        move(
            session,
            comment_id,
            Status.SCORING,
            Status.RECEIVED,
            "comment.requeued",
            extra_where=(Comment.status_changed_at < scoring_before,),
        )
    session.commit()
    waiting = session.scalar(
        select(func.count(Comment.id)).where(
            Comment.status == Status.RECEIVED.value, Comment.status_changed_at < received_before
        )
    )
    return len(stuck) + int(waiting or 0)


def move(
    session: Session,
    comment_id: uuid.UUID,
    current: Status,
    target: Status,
    action: str | None,
    *,
    extra_where: tuple[Any, ...] = (),
    values: Mapping[str, Any] | None = None,
    details: dict[str, Any] | None = None,
    actor: str = WORKER,
) -> bool:
    """Compare-and-set the status; True when this call made the move. `action` None: the caller audits.

    The transition is checked by the domain first; the WHERE on the current status makes two racing
    callers (two workers, two moderators, a worker and a sweep) produce exactly one winner.
    """
    transition(current, target)
    result = session.execute(
        update(Comment)
        .where(Comment.id == comment_id, Comment.status == current.value, *extra_where)
        .values(status=target.value, status_changed_at=datetime.now(UTC), **(values or {}))
        .execution_options(synchronize_session=False)
    )
    moved = bool(result.rowcount)  # type: ignore[attr-defined]
    if moved and action is not None:
        audit.record(
            session,
            actor,
            action,
            comment_id=comment_id,
            from_status=current.value,
            to_status=target.value,
            details=details,
        )
    return moved


def _finish_scoring(session: Session, item: Claimed, decision: Decision, reasons: list[dict[str, Any]]) -> bool:
    return move(
        session,
        item.comment.id,
        Status.SCORING,
        decision.outcome,
        None,
        extra_where=(Comment.scoring_attempts == item.attempt,),
        values={
            "priority": decision.priority.value,
            "review_reasons": reasons if decision.outcome is Status.PENDING_REVIEW else [],
        },
    )


def _store_scores(session: Session, comment_id: uuid.UUID, result: ScoreSet) -> None:
    session.add_all(
        Score(comment_id=comment_id, label=label, value=s.value, model=s.model, model_version=s.model_version)
        for label, s in result.labels.items()
    )
    session.add_all(
        ScoreEvidence(
            comment_id=comment_id,
            label=e.label,
            sentence=e.sentence,
            score=e.score,
            claim_slug=e.claim_id,
            detail=e.detail,
        )
        for e in result.evidence
    )


def _claim_of(label: str, result: ScoreSet) -> dict[str, Any]:
    """Name the catalogue claim behind a misinformation reason, so the decision explains itself."""
    if label != "misinformation":
        return {}
    best = max((e for e in result.evidence if e.label == label and e.claim_id), key=lambda e: e.score, default=None)
    return {"claim": best.claim_id} if best else {}
