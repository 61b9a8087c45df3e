"""Comments from submission to decision.

Scoring is fenced: claiming a comment for scoring bumps `scoring_attempts`, and the decision is only
written while the comment is still in `scoring` with that same attempt number. A worker that was
presumed dead (and whose comment was swept back to `received` and claimed again) therefore cannot
write a second decision: a comment scored twice gets one decision.
"""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from moderation.db.models import Comment, Score, ScoreEvidence, WebhookDelivery
from moderation.domain.errors import DuplicateComment, InvalidInput, NotFound, TooLarge
from moderation.domain.policy import Decision, Policy, decide
from moderation.domain.scores import ScoreSet
from moderation.domain.states import Status, transition
from moderation.services import audit, decisions

WORKER = "worker"


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


def submit(
    session: Session,
    forum_id: int,
    *,
    external_id: str,
    thread_id: str,
    author_id: str,
    body: str,
    author_name: str | None = None,
    parent_external_id: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    max_chars: int,
) -> tuple[Comment, bool]:
    """Store a new comment in `received`; the same external_id and body again returns the stored one."""
    _check_text("body", body, max_chars, multiline=True)
    for name, value in (("external_id", external_id), ("thread_id", thread_id), ("author_id", author_id)):
        _check_text(name, value, 255, multiline=False)
    digest = hashlib.sha256(body.encode()).hexdigest()
    existing = find_by_external_id(session, forum_id, external_id)
    if existing is not None:
        return _same_or_conflict(existing, digest), False
    comment = Comment(
        id=uuid.uuid4(),
        forum_id=forum_id,
        external_id=external_id,
        thread_id=thread_id,
        author_id=author_id,
        author_name=author_name,
        parent_external_id=parent_external_id,
        body=body,
        body_sha256=digest,
        meta=dict(metadata or {}),
        status=Status.RECEIVED.value,
    )
    session.add(comment)
    session.flush()  # the audit row references the comment; no ORM relationship orders the inserts
    audit.record(session, f"forum:{forum_id}", "comment.received", comment_id=comment.id, to_status="received")
    try:
        session.commit()
    except IntegrityError:
        # Two submissions of one external_id raced; the other one won the unique constraint.
        session.rollback()
        existing = find_by_external_id(session, forum_id, external_id)
        if existing is None:
            raise
        return _same_or_conflict(existing, digest), False
    return comment, True


def get(session: Session, forum_id: int | None, comment_id: uuid.UUID) -> Comment:
    """A comment by id; `forum_id` scopes the lookup so one forum never sees another's comments."""
    comment = session.get(Comment, comment_id)
    if comment is None or (forum_id is not None and comment.forum_id != forum_id):
        raise NotFound(f"no comment {comment_id}")
    return comment


def find_by_external_id(session: Session, forum_id: int, external_id: str) -> Comment | None:
    return session.scalar(select(Comment).where(Comment.forum_id == forum_id, Comment.external_id == external_id))


def claim_for_scoring(session: Session, comment_id: uuid.UUID, batch_size: int) -> list[Claimed]:
    """Claim `comment_id` (if still waiting) plus up to batch_size-1 other waiting comments, oldest first."""
    others = (
        select(Comment.id)
        .where(Comment.status == Status.RECEIVED.value, Comment.id != comment_id)
        .order_by(Comment.created_at)
        .limit(max(batch_size - 1, 0))
    )
    if session.get_bind().dialect.name == "postgresql":
        # Concurrent workers take disjoint batches instead of queueing behind each other's row locks.
        others = others.with_for_update(skip_locked=True)
    candidates = [comment_id, *session.scalars(others)]
    now = datetime.now(UTC)
    won: list[tuple[uuid.UUID, int]] = []
    for candidate in candidates:
        result = session.execute(
            update(Comment)
            .where(Comment.id == candidate, Comment.status == Status.RECEIVED.value)
            .values(
                status=Status.SCORING.value,
                status_changed_at=now,
                scoring_attempts=Comment.scoring_attempts + 1,
            )
            .returning(Comment.scoring_attempts)
        )
        attempt = result.scalar_one_or_none()
        if attempt is not None:
            audit.record(
                session,
                WORKER,
                "comment.scoring",
                comment_id=candidate,
                from_status="received",
                to_status="scoring",
                details={"attempt": attempt},
            )
            won.append((candidate, attempt))
    session.commit()
    loaded = {c.id: c for c in session.scalars(select(Comment).where(Comment.id.in_([cid for cid, _ in won])))}
    return [Claimed(loaded[cid], attempt) for cid, attempt in won]


def apply_scores(
    session: Session, claimed: Sequence[Claimed], results: Sequence[ScoreSet], policy: Policy
) -> list[Outcome]:
    """Store each comment's scores and evidence and decide it under `policy`, in one transaction."""
    outcomes = []
    for item, result in zip(claimed, results, strict=True):
        decision = decide(result.values, policy)
        reasons = [decisions.reason_json(r, **_claim_of(r.code, result)) for r in decision.reasons]
        won = _finish_scoring(session, item, decision, reasons)
        if not won:
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
    """Give claimed comments back to the queue after a failed scoring attempt."""
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
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(f"no comment {comment_id}")
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
        values={"review_reasons": reasons},
        details={"reasons": reasons},
    ):
        return Outcome(comment_id, None)
    _, deliveries = decisions.record(
        session, comment, Status.PENDING_REVIEW, reasons, previous=previous, decided_by=actor, policy_version=None
    )
    session.commit()
    return Outcome(comment_id, Status.PENDING_REVIEW, tuple(deliveries))


def requeue_stale(session: Session, *, received_before: datetime, scoring_before: datetime) -> list[uuid.UUID]:
    """Comments whose job may be lost: waiting since before `received_before`, or stuck in scoring."""
    stuck_scoring = list(
        session.scalars(
            select(Comment.id).where(Comment.status == Status.SCORING.value, Comment.status_changed_at < scoring_before)
        )
    )
    for comment_id in stuck_scoring:
        move(
            session,
            comment_id,
            Status.SCORING,
            Status.RECEIVED,
            "comment.requeued",
            extra_where=(Comment.status_changed_at < scoring_before,),
        )
    waiting = list(
        session.scalars(
            select(Comment.id).where(
                Comment.status == Status.RECEIVED.value, Comment.status_changed_at < received_before
            )
        )
    )
    session.commit()
    return sorted(set(waiting) | set(stuck_scoring))


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
            WORKER,
            action,
            comment_id=comment_id,
            from_status=current.value,
            to_status=target.value,
            details=details,
        )
    return moved


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


def _same_or_conflict(existing: Comment, digest: str) -> Comment:
    if existing.body_sha256 != digest:
        raise DuplicateComment(f"external_id {existing.external_id!r} was already submitted with another body")
    return existing


def _check_text(field: str, value: str, max_chars: int, *, multiline: bool) -> None:
    if not value.strip():
        raise InvalidInput(f"{field} must not be empty", field=field)
    if len(value) > max_chars:
        if field == "body":
            raise TooLarge(f"body has {len(value)} characters; the limit is {max_chars}")
        raise InvalidInput(f"{field} must be at most {max_chars} characters", field=field)
    allowed = {"\n", "\r", "\t"} if multiline else set()
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in allowed for ch in value):
        raise InvalidInput(f"{field} contains control characters", field=field)


_move = move  # transitional name used by code written before move() was public; remove once unused
