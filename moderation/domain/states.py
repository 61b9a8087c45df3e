"""Comment states and the only place where a state change is checked."""

from __future__ import annotations

from enum import StrEnum

from moderation.domain.errors import IllegalTransition


class Status(StrEnum):
    RECEIVED = "received"
    SCORING = "scoring"
    PENDING_REVIEW = "pending_review"
    PUBLISHED = "published"
    REJECTED = "rejected"


FINAL = frozenset({Status.PUBLISHED, Status.REJECTED})

_ALLOWED: dict[Status, frozenset[Status]] = {
    # scoring -> received: a crashed or timed-out scoring attempt gives the comment back to the queue.
    Status.RECEIVED: frozenset({Status.SCORING, Status.PENDING_REVIEW}),
    Status.SCORING: frozenset({Status.RECEIVED, Status.PUBLISHED, Status.REJECTED, Status.PENDING_REVIEW}),
    Status.PENDING_REVIEW: frozenset({Status.PUBLISHED, Status.REJECTED}),
    # A reader report can send a published comment back to a human.
    Status.PUBLISHED: frozenset({Status.PENDING_REVIEW}),
    Status.REJECTED: frozenset(),
}


def can_transition(current: Status, target: Status) -> bool:
    return target in _ALLOWED[current]


def transition(current: Status, target: Status) -> Status:
    """Return `target` if the move is allowed, else raise IllegalTransition."""
    if not can_transition(current, target):
        raise IllegalTransition(f"a comment cannot go from {current} to {target}")
    return target
