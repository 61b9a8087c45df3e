"""Reader reports: enough of them, or one on a comment the models already found borderline, sends a
published comment back to a human (and tells the forum, so it can hide the comment meanwhile)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from moderation.db.models import Report, Score, WebhookDelivery
from moderation.domain.states import Status
from moderation.domain.text import check_text
from moderation.services import audit, comments, decisions


@dataclass(frozen=True, slots=True)
class ReportResult:
    reports: int
    sent_to_review: bool
    deliveries: tuple[WebhookDelivery, ...] = ()


def report(
    session: Session,
    forum_id: int,
    comment_id: uuid.UUID,
    reporter_id: str,
    reason: str,
    *,
    reports_to_unpublish: int,
    elevated_score: float,
) -> ReportResult:
    comment = comments.get(session, forum_id, comment_id)
    check_text("reporter_id", reporter_id, 255, multiline=False)
    if reason:
        check_text("reason", reason, 500, multiline=True)
    session.add(Report(comment_id=comment.id, reporter_id=reporter_id, reason=reason[:500]))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()  # one report per reporter per comment: a repeat changes nothing
        return ReportResult(_count(session, comment.id), sent_to_review=False)
    audit.record(
        session,
        "reader",
        "comment.reported",
        comment_id=comment.id,
        details={"reporter_id": reporter_id, "reason": reason},
    )
    count = _count(session, comment.id)
    if comment.status != Status.PUBLISHED or not _should_review(
        session, comment.id, count, reports_to_unpublish, elevated_score
    ):
        session.commit()
        return ReportResult(count, sent_to_review=False)
    reasons = [{"code": "reported", "reports": count}]
    moved = comments.move(
        session,
        comment.id,
        Status.PUBLISHED,
        Status.PENDING_REVIEW,
        "comment.decided",
        actor="system",
        values={"review_reasons": reasons},
        details={"reasons": reasons},
    )
    deliveries: list[WebhookDelivery] = []
    if moved:
        _, deliveries = decisions.record(
            session,
            comment,
            Status.PENDING_REVIEW,
            reasons,
            previous=Status.PUBLISHED,
            decided_by="system",
            policy_version=None,
        )
    session.commit()
    return ReportResult(count, sent_to_review=moved, deliveries=tuple(deliveries))


def _count(session: Session, comment_id: uuid.UUID) -> int:
    return int(session.scalar(select(func.count(Report.id)).where(Report.comment_id == comment_id)) or 0)


def _should_review(session: Session, comment_id: uuid.UUID, count: int, threshold: int, elevated: float) -> bool:
    if count >= threshold:
        return True
    highest = session.scalar(select(func.max(Score.value)).where(Score.comment_id == comment_id))
    return highest is not None and highest >= elevated
