from __future__ import annotations

import itertools

import pytest

from moderation.domain.errors import IllegalTransition
from moderation.domain.states import Status, can_transition, transition

ALLOWED = {
    (Status.RECEIVED, Status.SCORING),
    (Status.RECEIVED, Status.PENDING_REVIEW),
    (Status.SCORING, Status.RECEIVED),
    (Status.SCORING, Status.PUBLISHED),
    (Status.SCORING, Status.REJECTED),
    (Status.SCORING, Status.PENDING_REVIEW),
    (Status.PENDING_REVIEW, Status.PUBLISHED),
    (Status.PENDING_REVIEW, Status.REJECTED),
    (Status.PUBLISHED, Status.PENDING_REVIEW),
}


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_allowed_transitions(current: Status, target: Status) -> None:
    assert transition(current, target) is target


@pytest.mark.parametrize(("current", "target"), sorted(set(itertools.product(Status, Status)) - ALLOWED))
def test_illegal_transitions_are_refused(current: Status, target: Status) -> None:
    assert not can_transition(current, target)
    with pytest.raises(IllegalTransition, match=f"from {current} to {target}"):
        transition(current, target)


def test_nothing_is_published_without_passing_through_scoring_or_review() -> None:
    assert not can_transition(Status.RECEIVED, Status.PUBLISHED)
    assert not can_transition(Status.REJECTED, Status.PUBLISHED)
