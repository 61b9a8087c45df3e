"""Recording outcomes: the decision row, its audit event, and the outbox row for the forum's webhook.

All three are added to the caller's transaction, so a decision and its notification commit together
or not at all (the outbox pattern): a delivery job can never announce a decision that was rolled back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.db.models import Comment, Decision, Forum, WebhookDelivery
from moderation.domain.policy import Reason
from moderation.domain.states import FINAL, Status


@dataclass(frozen=True, slots=True)
class FeedPage:
    decisions: list[Decision]
    next_cursor: int


def reason_json(reason: Reason, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"code": reason.code}
    for name in ("band", "score", "threshold"):
        value = getattr(reason, name)
        if value is not None:
            data[name] = value
    return {**data, **extra}


def record(
    session: Session,
    comment: Comment,
    outcome: Status,
    reasons: list[dict[str, Any]],
    *,
    previous: Status,
    decided_by: str,
    policy_version: int | None,
    priority: str = "normal",
) -> tuple[Decision, list[WebhookDelivery]]:
    """Add a decision and, for the outcomes the forum must act on, its webhook deliveries."""
    decision = Decision(
        comment_id=comment.id,
        forum_id=comment.forum_id,
        outcome=outcome.value,
        reasons=reasons,
        priority=priority,
        decided_by=decided_by,
        policy_version=policy_version,
    )
    session.add(decision)
    session.flush()
    deliveries = []
    event = _event_for(previous, outcome, priority)
    if event is not None:
        delivery = _outbox(session, comment, decision, event)
        if delivery is not None:
            deliveries.append(delivery)
    return decision, deliveries


def _event_for(previous: Status, outcome: Status, priority: str) -> str | None:
    if outcome in FINAL:
        return "decision"
    if outcome is Status.PENDING_REVIEW and priority == "urgent":
        return "crisis"  # the forum may reach out to the member at once, before any moderator looks
    if outcome is Status.PENDING_REVIEW and previous is Status.PUBLISHED:
        return "unpublished"
    return None


def _outbox(session: Session, comment: Comment, decision: Decision, event: str) -> WebhookDelivery | None:
    forum = session.get(Forum, comment.forum_id)
    if forum is None or not forum.webhook_url:
        return None  # this forum polls the change feed instead
    delivery = WebhookDelivery(
        id=uuid.uuid4(),
        forum_id=comment.forum_id,
        decision_id=decision.id,
        event=event,
        payload=payload(comment, decision, event),
    )
    session.add(delivery)
    return delivery


def payload(comment: Comment, decision: Decision, event: str) -> dict[str, Any]:
    return {
        "event": event,
        "decision_id": decision.id,
        "comment": {
            "id": str(comment.id),
            "external_id": comment.external_id,
            "thread_id": comment.thread_id,
            "author_id": comment.author_id,
        },
        "outcome": decision.outcome,
        "reasons": decision.reasons,
        "priority": decision.priority,
        "decided_by": decision.decided_by,
        "decided_at": _iso(decision.created_at),
        "policy_version": decision.policy_version,
    }


def feed(session: Session, forum_id: int, after: int, limit: int) -> FeedPage:
    rows = list(
        session.scalars(
            select(Decision)
            .where(Decision.forum_id == forum_id, Decision.id > after)
            .order_by(Decision.id)
            .limit(limit)
        )
    )
    return FeedPage(rows, rows[-1].id if rows else after)


def latest_for(session: Session, comment_id: uuid.UUID) -> Decision | None:
    return session.scalar(select(Decision).where(Decision.comment_id == comment_id).order_by(Decision.id.desc()))


def _iso(moment: datetime) -> str:
    return moment.isoformat()
