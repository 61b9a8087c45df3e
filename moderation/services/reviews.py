"""The human review queue: listing with filters and counts, one item with its context, the review
claim, and moderator decisions (single and bulk).

Opening an item claims it for CLAIM_SECONDS. The claim and the decision are both compare-and-set
updates on the comment row (WHERE status = 'pending_review' AND the claim is free, ours or stale),
so two moderators racing on one item produce exactly one decision, on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from moderation.db.models import Claim, Comment, Decision, Forum
from moderation.domain.errors import ClaimedByOther, Conflict, InvalidInput, NotFound
from moderation.domain.states import Status
from moderation.services import audit, claims, comments, decisions, settings_store

CLAIM_SECONDS = 300
QUEUE_PAGE = 200
CONTEXT_COMMENTS = 6
APPROVE = "approve"
REJECT = "reject"


@dataclass(frozen=True, slots=True)
class QueueItem:
    comment: Comment
    forum_name: str
    risk: float  # the highest label score: what the queue sorts by after urgency
    reasons: tuple[dict[str, Any], ...]
    evidence: tuple[str, ...]  # sentences to highlight in the excerpt

    @property
    def is_urgent(self) -> bool:
        return self.comment.priority == "urgent"


@dataclass(frozen=True, slots=True)
class QueuePage:
    items: list[QueueItem]
    total: int  # in the current filter, beyond the page shown
    counts: dict[str, int]  # per reason code in the current forum filter, plus "all" and "urgent"
    forums: list[Forum]


@dataclass(frozen=True, slots=True)
class AuthorHistory:
    published: int
    rejected: int
    pending: int
    recent: list[Decision]


@dataclass(frozen=True, slots=True)
class ItemView:
    comment: Comment
    forum_name: str
    held_by_me: bool
    holder: str | None  # who holds the claim when it is not us
    claim_expires_at: datetime | None
    parent: Comment | None
    thread: list[Comment]
    author: AuthorHistory
    history: list[Decision]
    claims: dict[str, Claim]
    support_note: str
    reject_reasons: list[str]


@dataclass(frozen=True, slots=True)
class Reviewed:
    """What a decision (or a bulk of them) did; `deliveries` are enqueued by the caller after commit."""

    decided: int = 0
    skipped_claimed: int = 0
    skipped_gone: int = 0  # already decided by someone else, or no longer in review
    deliveries: list[uuid.UUID] = field(default_factory=list)


def list_queue(
    session: Session, *, reason: str | None = None, forum_id: int | None = None, limit: int = QUEUE_PAGE
) -> QueuePage:
    """Waiting comments: urgent first, then highest risk, then oldest.

    Ordering and reason filtering happen here rather than in SQL: reasons are a JSON list whose
    querying differs between PostgreSQL and SQLite, and a review queue is hundreds of rows, not millions.
    """
    query = select(Comment).where(Comment.status == Status.PENDING_REVIEW.value)
    if forum_id is not None:
        query = query.where(Comment.forum_id == forum_id)
    rows = list(session.scalars(query))
    forums = list(session.scalars(select(Forum).order_by(Forum.name)))
    names = {f.id: f.name for f in forums}
    items = sorted((_item(c, names.get(c.forum_id, "?")) for c in rows), key=_queue_order)
    counts = count_reasons(items)
    if reason:
        items = [i for i in items if reason in reason_codes(i.comment)]
    return QueuePage(items[:limit], len(items), counts, forums)


def queue_ids(session: Session, *, reason: str | None = None, forum_id: int | None = None) -> list[uuid.UUID]:
    """Every id in a filter, for "select all in this filter" bulk actions."""
    page = list_queue(session, reason=reason, forum_id=forum_id, limit=10_000)
    return [i.comment.id for i in page.items]


def count_reasons(items: Iterable[QueueItem]) -> dict[str, int]:
    counts: dict[str, int] = {"all": 0, "urgent": 0}
    for item in items:
        counts["all"] += 1
        counts["urgent"] += item.is_urgent
        for code in reason_codes(item.comment):
            counts[code] = counts.get(code, 0) + 1
    return counts


def reason_codes(comment: Comment) -> set[str]:
    return {str(r.get("code")) for r in comment.review_reasons or () if isinstance(r, dict) and r.get("code")}


def open_item(session: Session, comment_id: uuid.UUID, moderator: str, now: datetime | None = None) -> ItemView:
    """The item with its context; claims it for `moderator` when it is free, theirs or stale."""
    moment = now or datetime.now(UTC)
    comment = comments.get(session, None, comment_id)
    if comment.status == Status.PENDING_REVIEW.value:
        claim(session, comment_id, moderator, moment)
        session.refresh(comment)
    return _view(session, comment, moderator, moment)


def claim(session: Session, comment_id: uuid.UUID, moderator: str, now: datetime | None = None) -> bool:
    """Take or extend the review claim; False when another moderator holds a live one. Commits."""
    moment = now or datetime.now(UTC)
    result = session.execute(
        update(Comment)
        .where(
            Comment.id == comment_id, Comment.status == Status.PENDING_REVIEW.value, _claim_is_free(moderator, moment)
        )
        .values(
            claimed_by=moderator,
            claim_expires_at=moment + timedelta(seconds=CLAIM_SECONDS),
            first_seen_at=func.coalesce(Comment.first_seen_at, moment),
        )
        .execution_options(synchronize_session=False)
    )
    won = bool(result.rowcount)  # type: ignore[attr-defined]
    if won:
        audit.record(session, moderator, "comment.claimed", comment_id=comment_id)
    else:
        # A live claim held by someone else still counts as a first look at the item.
        session.execute(
            update(Comment)
            .where(Comment.id == comment_id, Comment.first_seen_at.is_(None))
            .values(first_seen_at=moment)
            .execution_options(synchronize_session=False)
        )
    session.commit()
    return won


def release(session: Session, comment_id: uuid.UUID, moderator: str) -> None:
    """Give an item back to the queue before its claim expires (skip). Only the holder can. Commits."""
    session.execute(
        update(Comment)
        .where(Comment.id == comment_id, Comment.claimed_by == moderator)
        .values(claimed_by=None, claim_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def review(
    session: Session,
    comment_id: uuid.UUID,
    moderator: str,
    action: str,
    *,
    reason: str | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Reviewed:
    """Approve or reject one item. Refused (ClaimedByOther) when another moderator holds a live claim."""
    outcome = decide_many(session, [comment_id], moderator, action, reason=reason, note=note, now=now)
    if outcome.skipped_claimed:
        holder = session.scalar(select(Comment.claimed_by).where(Comment.id == comment_id))
        raise ClaimedByOther(f"{holder} is reviewing this comment; it is theirs until their claim expires")
    if outcome.skipped_gone:
        status = session.scalar(select(Comment.status).where(Comment.id == comment_id))
        if status is None:
            raise NotFound(f"no comment {comment_id}")
        raise Conflict(f"this comment is no longer waiting for review (it is {status})")
    return outcome


def decide_many(
    session: Session,
    comment_ids: Sequence[uuid.UUID],
    moderator: str,
    action: str,
    *,
    reason: str | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Reviewed:
    """Approve or reject each item, one decision, audit event and outbox row per comment, in one
    transaction. Items another moderator holds, or that left the queue meanwhile, are skipped and counted."""
    target, reasons = _outcome(session, action, reason, note)
    moment = now or datetime.now(UTC)
    decided, claimed_by_other, gone = 0, 0, 0
    deliveries: list[uuid.UUID] = []
    for comment_id in dict.fromkeys(comment_ids):
        comment = session.get(Comment, comment_id)
        if comment is None:
            gone += 1
            continue
        moved = comments.move(
            session,
            comment_id,
            Status.PENDING_REVIEW,
            target,
            "comment.reviewed",
            actor=moderator,
            extra_where=(_claim_is_free(moderator, moment),),
            values={"claimed_by": None, "claim_expires_at": None},
            details={"action": action, "reasons": reasons, "bulk": len(comment_ids) > 1},
        )
        if not moved:
            session.refresh(comment)
            if comment.status == Status.PENDING_REVIEW.value:
                claimed_by_other += 1
            else:
                gone += 1
            continue
        _, rows = decisions.record(
            session,
            comment,
            target,
            reasons,
            previous=Status.PENDING_REVIEW,
            decided_by=moderator,
            policy_version=None,
            priority=comment.priority,
        )
        deliveries.extend(d.id for d in rows)
        decided += 1
    session.commit()
    return Reviewed(decided, claimed_by_other, gone, deliveries)


def highlight(body: str, sentences: Iterable[str]) -> list[tuple[str, bool]]:
    """Split `body` into (text, is_evidence) runs so a template can mark evidence without raw HTML."""
    spans: list[tuple[int, int]] = []
    for sentence in sentences:
        start = body.find(sentence.strip()) if sentence.strip() else -1
        if start >= 0:
            spans.append((start, start + len(sentence.strip())))
    runs: list[tuple[str, bool]] = []
    position = 0
    for start, end in sorted(spans):
        if start < position:
            start = position  # overlapping evidence: mark the union once
        if start >= end:
            continue
        if start > position:
            runs.append((body[position:start], False))
        runs.append((body[start:end], True))
        position = end
    if position < len(body):
        runs.append((body[position:], False))
    return runs


def _outcome(session: Session, action: str, reason: str | None, note: str) -> tuple[Status, list[dict[str, Any]]]:
    clean_note = note.strip()[:1000]
    if action == APPROVE:
        return Status.PUBLISHED, ([{"code": "moderator_approved", "note": clean_note}] if clean_note else [])
    if action != REJECT:
        raise InvalidInput("action must be 'approve' or 'reject'", field="action")
    allowed = settings_store.reject_reasons(session)
    if reason not in allowed:
        raise InvalidInput(f"choose a reject reason: {', '.join(allowed)}", field="reason")
    if reason == "other" and not clean_note:
        raise InvalidInput("rejecting for 'other' needs a note saying why", field="note")
    return Status.REJECTED, [{"code": reason, **({"note": clean_note} if clean_note else {})}]


def _claim_is_free(moderator: str, now: datetime) -> Any:
    return or_(Comment.claimed_by.is_(None), Comment.claimed_by == moderator, Comment.claim_expires_at < now)


def _item(comment: Comment, forum_name: str) -> QueueItem:
    risk = max((s.value for s in comment.scores), default=0.0)
    reasons = tuple(r for r in comment.review_reasons or () if isinstance(r, dict))
    evidence = tuple(e.sentence for e in sorted(comment.evidence, key=lambda e: -e.score)[:3])
    return QueueItem(comment, forum_name, risk, reasons, evidence)


def _queue_order(item: QueueItem) -> tuple[int, float, datetime]:
    return (0 if item.is_urgent else 1, -item.risk, item.comment.created_at)


def _view(session: Session, comment: Comment, moderator: str, now: datetime) -> ItemView:
    live = comment.claimed_by is not None and comment.claim_expires_at is not None and comment.claim_expires_at > now
    held_by_me = live and comment.claimed_by == moderator
    forum = session.get(Forum, comment.forum_id)
    slugs = {e.claim_slug for e in comment.evidence if e.claim_slug}
    slugs |= {str(r["claim"]) for r in comment.review_reasons or () if isinstance(r, dict) and r.get("claim")}
    return ItemView(
        comment=comment,
        forum_name=forum.name if forum else "?",
        held_by_me=held_by_me,
        holder=comment.claimed_by if live and not held_by_me else None,
        claim_expires_at=comment.claim_expires_at if live else None,
        parent=_parent(session, comment),
        thread=_thread(session, comment),
        author=_author(session, comment),
        history=list(session.scalars(select(Decision).where(Decision.comment_id == comment.id).order_by(Decision.id))),
        claims=claims.by_slugs(session, slugs),
        support_note=settings_store.support_note(session) if comment.priority == "urgent" else "",
        reject_reasons=settings_store.reject_reasons(session),
    )


def _parent(session: Session, comment: Comment) -> Comment | None:
    if not comment.parent_external_id:
        return None
    return comments.find_by_external_id(session, comment.forum_id, comment.parent_external_id)


def _thread(session: Session, comment: Comment) -> list[Comment]:
    """The comments of the same thread just before and after this one, oldest first."""
    same_thread = and_(
        Comment.forum_id == comment.forum_id, Comment.thread_id == comment.thread_id, Comment.id != comment.id
    )
    before = session.scalars(
        select(Comment)
        .where(same_thread, Comment.created_at <= comment.created_at)
        .order_by(Comment.created_at.desc())
        .limit(CONTEXT_COMMENTS)
    ).all()
    after = session.scalars(
        select(Comment)
        .where(same_thread, Comment.created_at > comment.created_at)
        .order_by(Comment.created_at)
        .limit(CONTEXT_COMMENTS // 2)
    ).all()
    return [*reversed(before), *after]


def _author(session: Session, comment: Comment) -> AuthorHistory:
    same_author = and_(Comment.forum_id == comment.forum_id, Comment.author_id == comment.author_id)
    by_status = dict(
        session.execute(select(Comment.status, func.count(Comment.id)).where(same_author).group_by(Comment.status))
        .tuples()
        .all()
    )
    recent = list(
        session.scalars(
            select(Decision)
            .join(Comment, Comment.id == Decision.comment_id)
            .where(same_author, Decision.comment_id != comment.id, Decision.outcome != Status.PENDING_REVIEW.value)
            .order_by(Decision.id.desc())
            .limit(5)
        )
    )
    return AuthorHistory(
        published=int(by_status.get(Status.PUBLISHED.value, 0)),
        rejected=int(by_status.get(Status.REJECTED.value, 0)),
        pending=max(int(by_status.get(Status.PENDING_REVIEW.value, 0)) - 1, 0),
        recent=recent,
    )
