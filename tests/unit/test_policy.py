from __future__ import annotations

import pytest

from moderation.domain.errors import InvalidInput
from moderation.domain.policy import Band, Mode, Policy, Priority, decide
from moderation.domain.states import Status

POLICY = Policy(
    version=7,
    mode=Mode.POST,
    bands={
        "toxicity": Band(review_at=0.5, reject_at=0.9),
        "threat": Band(review_at=0.3, reject_at=0.8),
        "misinformation": Band(review_at=0.5),
        "crisis": Band(review_at=0.3, urgent=True),
    },
)


@pytest.mark.parametrize(
    ("scores", "outcome", "codes"),
    [
        ({"toxicity": 0.1, "threat": 0.0}, Status.PUBLISHED, []),
        ({}, Status.PUBLISHED, []),
        ({"toxicity": 0.5}, Status.PENDING_REVIEW, ["toxicity"]),  # thresholds are inclusive
        ({"toxicity": 0.49999}, Status.PUBLISHED, []),
        ({"toxicity": 0.95}, Status.REJECTED, ["toxicity"]),
        ({"toxicity": 0.95, "threat": 0.4}, Status.REJECTED, ["toxicity"]),
        ({"toxicity": 0.6, "threat": 0.85}, Status.REJECTED, ["threat"]),
        ({"misinformation": 0.99}, Status.PENDING_REVIEW, ["misinformation"]),  # no reject band: review only
        ({"toxicity": 0.7, "threat": 0.4}, Status.PENDING_REVIEW, ["toxicity", "threat"]),
        ({"sexual_explicit": 0.99}, Status.PUBLISHED, []),  # a label without a band never decides
    ],
)
def test_decide_in_post_moderation(scores: dict[str, float], outcome: Status, codes: list[str]) -> None:
    decision = decide(scores, POLICY)
    assert decision.outcome is outcome
    assert [r.code for r in decision.reasons] == codes


def test_reject_threshold_beats_review() -> None:
    decision = decide({"toxicity": 0.93}, POLICY)
    assert decision.outcome is Status.REJECTED
    (reason,) = decision.reasons
    assert (reason.band, reason.score, reason.threshold) == ("reject", 0.93, 0.9)


def test_reasons_put_the_highest_score_first() -> None:
    decision = decide({"toxicity": 0.6, "threat": 0.7}, POLICY)
    assert [r.code for r in decision.reasons] == ["threat", "toxicity"]


def test_urgent_label_goes_to_review_even_when_another_label_would_reject() -> None:
    decision = decide({"crisis": 0.8, "toxicity": 0.99}, POLICY)
    assert decision.outcome is Status.PENDING_REVIEW
    assert decision.priority is Priority.URGENT
    assert {r.code for r in decision.reasons} == {"crisis", "toxicity"}


def test_pre_moderation_holds_everything_for_a_human() -> None:
    pre = Policy(version=2, mode=Mode.PRE, bands=POLICY.bands)
    clean = decide({"toxicity": 0.01}, pre)
    assert clean.outcome is Status.PENDING_REVIEW
    assert [r.code for r in clean.reasons] == ["pre_moderation"]
    assert [r.code for r in decide({"toxicity": 0.97}, pre).reasons] == ["pre_moderation", "toxicity"]


@pytest.mark.parametrize(
    ("band", "message"),
    [
        ({"review_at": 1.5}, "between 0 and 1"),
        ({"reject_at": -0.1}, "between 0 and 1"),
        ({"review_at": 0.9, "reject_at": 0.5}, "must not be above"),
        ({"review_at": 0.3, "reject_at": 0.9, "urgent": True}, "urgent"),
    ],
)
def test_invalid_bands_are_refused(band: dict[str, float], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        Band(**band)  # type: ignore[arg-type]


def test_unknown_label_is_refused() -> None:
    with pytest.raises(InvalidInput, match="unknown label"):
        Policy(version=1, mode=Mode.POST, bands={"rudeness": Band(review_at=0.5)})
