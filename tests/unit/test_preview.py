"""The impact preview's pure replay: counts per outcome, band crossings per label, changed comments."""

from __future__ import annotations

import uuid

import pytest

from moderation.domain.policy import Band, Mode, Policy
from moderation.services.preview import Sample, replay

CURRENT = Policy(1, Mode.POST, {"toxicity": Band(0.5, 0.95), "crisis": Band(0.3, None, urgent=True)})


def sample(status: str = "published", **scores: float) -> Sample:
    return Sample(uuid.uuid4(), status, scores, "text")


def test_an_unchanged_policy_changes_nothing() -> None:
    samples = [sample(toxicity=0.1), sample("pending_review", toxicity=0.6), sample("rejected", toxicity=0.97)]
    impact = replay(samples, CURRENT, CURRENT)
    assert impact.sampled == 3
    assert impact.now == impact.draft == {"published": 1, "pending_review": 1, "rejected": 1}
    assert impact.changed == []
    assert impact.changed_total == 0


@pytest.mark.parametrize(
    ("draft_band", "expected_draft"),
    [
        (Band(0.5, 0.8), {"published": 1, "pending_review": 0, "rejected": 2}),
        (Band(0.2, None), {"published": 0, "pending_review": 3, "rejected": 0}),
        (Band(None, None), {"published": 3, "pending_review": 0, "rejected": 0}),
    ],
)
def test_a_draft_band_moves_comments_between_outcomes(draft_band: Band, expected_draft: dict[str, int]) -> None:
    samples = [sample(toxicity=0.3), sample("pending_review", toxicity=0.85), sample("rejected", toxicity=0.97)]
    draft = Policy(0, Mode.POST, {**CURRENT.bands, "toxicity": draft_band})
    impact = replay(samples, CURRENT, draft)
    assert impact.draft == expected_draft
    assert sum(impact.now.values()) == sum(impact.draft.values()) == 3


def test_per_label_counts_show_review_and_reject_crossings_now_and_in_the_draft() -> None:
    draft = Policy(0, Mode.POST, {**CURRENT.bands, "toxicity": Band(0.5, 0.8)})
    impact = replay([sample(toxicity=0.85), sample(toxicity=0.6)], CURRENT, draft)
    (toxicity,) = impact.labels
    assert (toxicity.label, toxicity.review_now, toxicity.review_draft) == ("toxicity", 2, 1)
    assert (toxicity.reject_now, toxicity.reject_draft) == (0, 1)


def test_changed_comments_name_their_outcome_before_and_after_and_keep_the_actual_status() -> None:
    moderated = sample("published", toxicity=0.85)  # a moderator approved it after review
    draft = Policy(0, Mode.POST, {**CURRENT.bands, "toxicity": Band(0.5, 0.8)})
    impact = replay([moderated, sample(toxicity=0.1)], CURRENT, draft)
    assert impact.changed_total == 1
    change = impact.changed[0]
    assert (change.comment_id, change.status, change.now, change.draft) == (
        moderated.comment_id,
        "published",
        "pending_review",
        "rejected",
    )


def test_pre_moderation_sends_everything_to_review() -> None:
    draft = Policy(0, Mode.PRE, CURRENT.bands)
    impact = replay([sample(toxicity=0.1), sample(crisis=0.9)], CURRENT, draft)
    assert impact.draft == {"published": 0, "pending_review": 2, "rejected": 0}
    assert impact.changed_total == 1  # the crisis comment was in review already


def test_the_list_of_changes_is_capped_but_the_total_is_not() -> None:
    samples = [sample(toxicity=0.6) for _ in range(80)]
    impact = replay(samples, CURRENT, Policy(0, Mode.POST, {"toxicity": Band(None, 0.5)}))
    assert impact.changed_total == 80
    assert len(impact.changed) == 50
