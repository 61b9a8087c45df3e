"""The misinformation scorer with the real MiniLM encoder, the seed catalogue and the shipped stance
weights: what the service runs. No database or Redis needed."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from moderation.services.claims import ClaimData, validate
from workers.scoring.claims import ClaimMatcher, embed_texts, load_catalogue
from workers.scoring.embeddings import SentenceEncoder

REVIEW_AT = 0.5


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder()


@pytest.fixture(scope="module")
def matcher(encoder: SentenceEncoder) -> ClaimMatcher:
    return ClaimMatcher(encoder, load_catalogue())


def test_the_seed_catalogue_is_valid() -> None:
    claims = load_catalogue()
    assert len(claims) >= 40
    assert len({c.slug for c in claims}) == len(claims)
    for claim in claims:
        fields = {f.name: getattr(claim, f.name) for f in dataclasses.fields(claim)}
        assert validate(ClaimData(**fields)) == [], claim.slug
        assert 3 <= len(claim.variants) <= 6, claim.slug
        assert claim.source_url.startswith("https://"), claim.slug


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Honestly, ditch your disease modifying drug, I binned mine and my body healed itself.", "stop-your-dmt"),
        (
            "That clinic in Mexico put stem cells in my spine and now I have no MS at all, go there.",
            "stem-cell-clinic-cures-ms",
        ),
        ("Everyone who takes Ocrevus ends up with tumours, it's a cancer drug.", "ocrevus-gives-cancer"),
        ("Great weather today. Stop your DMT, it's poison. Has anyone tried pilates?", "stop-your-dmt"),
        # a sentence ending in "MS." must not be glued to the question after it
        ("Bee venom cured my MS. Has anyone tried pilates?", "bee-venom-cures-ms"),
    ],
)
def test_an_assertion_in_new_words_is_flagged_with_its_claim(matcher: ClaimMatcher, text: str, slug: str) -> None:
    [result] = matcher.score([text])
    assert result.scores["misinformation"] > REVIEW_AT
    assert result.evidence[0].claim_id == slug
    assert result.evidence[0].label == "misinformation"
    assert "similarity=" in (result.evidence[0].detail or "")


@pytest.mark.parametrize(
    "text",
    [
        "Has anyone tried bee venom? Is there evidence?",
        "My neurologist says the stem-cell clinics abroad are dangerous and don't cure MS",
        "I started swimming twice a week and my legs feel stronger",
        "People say the carnivore diet cures MS, which is nonsense.",
        "I used to think vaccines caused MS, but the evidence changed my mind.",
    ],
)
def test_questions_refutations_and_everyday_posts_are_not_flagged(matcher: ClaimMatcher, text: str) -> None:
    [result] = matcher.score([text])
    assert result.scores["misinformation"] < REVIEW_AT


def test_empty_and_whitespace_texts_score_zero(matcher: ClaimMatcher) -> None:
    results = matcher.score(["", "   \n  "])
    assert [r.scores["misinformation"] for r in results] == [0.0, 0.0]
    assert all(r.evidence == () for r in results)
    assert matcher.score([]) == []


def test_shared_embeddings_give_the_same_scores(matcher: ClaimMatcher, encoder: SentenceEncoder) -> None:
    texts = ["Stop your DMT. It's poison.", "", "Has anyone tried LDN?"]
    sentences, vectors = embed_texts(encoder, texts)
    shared = matcher.score_embedded(sentences, vectors)
    direct = matcher.score(texts)
    np.testing.assert_allclose(
        [r.scores["misinformation"] for r in shared], [r.scores["misinformation"] for r in direct], atol=1e-5
    )
    with pytest.raises(ValueError, match="vectors"):
        matcher.score_embedded(sentences, vectors[:1])


def test_a_catalogue_change_changes_the_version(matcher: ClaimMatcher, encoder: SentenceEncoder) -> None:
    claims = load_catalogue()
    edited = [dataclasses.replace(claims[0], correction=claims[0].correction + " Edited."), *claims[1:]]
    other = ClaimMatcher(encoder, edited, stance=matcher.stance)
    assert other.version != matcher.version
    assert other.version.split("+catalogue-")[0] == matcher.version.split("+catalogue-")[0]
    assert matcher.name == "claims:minilm+stance"


def test_a_batch_embeds_each_sentence_as_it_would_alone_repeats_included(encoder: SentenceEncoder) -> None:
    quoted = "Bee venom cured my MS."
    sentences = [quoted, "Thanks for sharing.", quoted, "My physio helps a lot with balance.", quoted]
    together = encoder.encode(sentences)
    assert together.shape == (5, 384)
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(together[0], together[2])
    assert np.array_equal(together[0], together[4])
    for sentence, row in zip(sentences, together, strict=True):
        assert float(encoder.encode([sentence])[0] @ row) > 0.999
    assert float(together[0] @ together[3]) < 0.9
