"""Wire shapes of a comment and its decision, shared by the comment and feed controllers."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import msgspec

from moderation.db.models import Claim, Comment, Decision
from moderation.domain.states import Status


class DecisionOut(msgspec.Struct):
    id: int
    outcome: Status
    reasons: list[dict[str, Any]]
    priority: str
    decided_by: str
    decided_at: datetime
    policy_version: int | None


class ClaimOut(msgspec.Struct):
    slug: str
    statement: str
    category: str
    severity: str
    correction: str
    source_url: str


class EvidenceOut(msgspec.Struct):
    label: str
    sentence: str
    score: float
    claim: ClaimOut | None
    detail: str | None


class CommentOut(msgspec.Struct):
    id: uuid.UUID
    external_id: str
    thread_id: str
    author_id: str
    status: Status
    priority: str
    created_at: datetime
    scores: dict[str, float]
    evidence: list[EvidenceOut]
    decision: DecisionOut | None
    author_name: str | None = None
    parent_external_id: str | None = None


class FeedEntry(msgspec.Struct):
    id: int
    comment_id: uuid.UUID
    external_id: str
    outcome: Status
    reasons: list[dict[str, Any]]
    priority: str
    decided_by: str
    decided_at: datetime
    policy_version: int | None


class FeedOut(msgspec.Struct):
    decisions: list[FeedEntry]
    next_cursor: int
    has_more: bool


def decision_out(decision: Decision) -> DecisionOut:
    return DecisionOut(
        id=decision.id,
        outcome=Status(decision.outcome),
        reasons=decision.reasons,
        priority=decision.priority,
        decided_by=decision.decided_by,
        decided_at=decision.created_at,
        policy_version=decision.policy_version,
    )


def claim_out(claim: Claim) -> ClaimOut:
    return ClaimOut(claim.slug, claim.statement, claim.category, claim.severity, claim.correction, claim.source_url)


def comment_out(comment: Comment, decision: Decision | None, claims: Mapping[str, Claim] | None = None) -> CommentOut:
    """The comment as the forum sees it; `claims` (by slug) explains misinformation evidence."""
    known = claims or {}
    return CommentOut(
        id=comment.id,
        external_id=comment.external_id,
        thread_id=comment.thread_id,
        author_id=comment.author_id,
        author_name=comment.author_name,
        parent_external_id=comment.parent_external_id,
        status=Status(comment.status),
        priority=comment.priority,
        created_at=comment.created_at,
        scores={s.label: round(s.value, 6) for s in comment.scores},
        evidence=[
            EvidenceOut(
                e.label,
                e.sentence,
                round(e.score, 4),
                claim_out(known[e.claim_slug]) if e.claim_slug and e.claim_slug in known else None,
                e.detail,
            )
            for e in comment.evidence
        ],
        decision=decision_out(decision) if decision else None,
    )
