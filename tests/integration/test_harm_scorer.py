"""The health-harm scorer with the real MiniLM encoder, the seed prototypes and the shipped head."""

from __future__ import annotations

import json

import pytest

from moderation.seeds import HARM_PROTOTYPES_FILE
from workers.scoring.embeddings import SentenceEncoder
from workers.scoring.harm import HarmScorer


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder()


@pytest.fixture(scope="module")
def prototypes() -> dict[str, list[str]]:
    return dict(json.loads(HARM_PROTOTYPES_FILE.read_text()))


@pytest.fixture(scope="module")
def scorer(encoder: SentenceEncoder, prototypes: dict[str, list[str]]) -> HarmScorer:
    return HarmScorer(encoder, prototypes)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("I can't do this anymore, I've been saving up my pills", "crisis"),
        ("My family would be better off without me. I've written the letters.", "crisis"),
        ("If the next scan is worse I'm done.", "crisis"),
        ("just take double the baclofen, it's fine", "dangerous_advice"),
        ("Stop your steroids now, no need to taper.", "dangerous_advice"),
        ("Forget the DMT, turmeric does the same job.", "dangerous_advice"),
    ],
)
def test_urgent_posts_reach_review(scorer: HarmScorer, text: str, label: str) -> None:
    assert scorer.score([text])[0].scores[label] >= scorer.review_at[label]


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ("my legs are killing me today", ("crisis", "dangerous_advice")),
        ("I'm dying to try the new pool", ("crisis",)),
        ("my neurologist raised my baclofen dose slowly over a month", ("dangerous_advice",)),
        ("My MS nurse gave me a plan to taper off gabapentin.", ("dangerous_advice",)),
        (
            "Two years ago I felt suicidal, I called the helpline and my GP, I'm in a much better place now.",
            ("crisis",),
        ),
    ],
)
def test_hard_negatives_stay_below_review(scorer: HarmScorer, text: str, labels: tuple[str, ...]) -> None:
    scores = scorer.score([text])[0].scores
    for label in labels:
        assert scores[label] < scorer.review_at[label], label


def test_evidence_names_the_triggering_sentence(scorer: HarmScorer) -> None:
    text = "Had my infusion on Tuesday. I've been keeping back my tramadol every week. The nurses were lovely."
    result = scorer.score([text])[0]
    crisis = [e for e in result.evidence if e.label == "crisis"]
    assert crisis[0].sentence == "I've been keeping back my tramadol every week."
    assert crisis[0].score == result.scores["crisis"]
    assert crisis[0].detail is not None
    assert "prototype:" in crisis[0].detail
    assert [e.label for e in result.evidence] == ["crisis"]  # no evidence row for a label far below review


def test_score_embedded_matches_score(scorer: HarmScorer, encoder: SentenceEncoder) -> None:
    texts = ["Just double your baclofen, it's fine. Worked for me.", "Lovely weather today."]
    sentences = [["Just double your baclofen, it's fine.", "Worked for me."], ["Lovely weather today."]]
    vectors = encoder.encode([s for group in sentences for s in group])
    assert scorer.score_embedded(texts, sentences, vectors) == scorer.score(texts)


def test_editing_the_prototypes_changes_the_version(
    scorer: HarmScorer, encoder: SentenceEncoder, prototypes: dict[str, list[str]]
) -> None:
    edited = {**prototypes, "safe": [*prototypes["safe"], "I'm dying to see the new season of my show."]}
    other = HarmScorer(encoder, edited)
    assert other.version != scorer.version
    assert other.version.split("+head.")[1] == scorer.version.split("+head.")[1]
    assert HarmScorer(encoder, prototypes).version == scorer.version
