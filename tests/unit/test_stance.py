"""Stance rules that need no model: clause splitting, cue detection, the feature layout, the numpy
classifier's arithmetic, and the catalogue hash behind the scorer's version."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from workers.scoring.claims import CatalogueClaim, catalogue_hash, sentences_of
from workers.scoring.stance import (
    CUE_NAMES,
    FEATURE_VERSION,
    STANCES,
    StanceClassifier,
    StanceInput,
    claim_clause_index,
    cue_names_in,
    feature_names,
    features,
    span_cues,
    split_clauses,
)


@pytest.mark.parametrize(
    ("sentence", "clauses"),
    [
        ("Bee venom cures MS.", ["Bee venom cures MS."]),
        ("People say diet cures MS, which is nonsense.", ["People say diet cures MS", "which is nonsense."]),
        ("Doctors call it a myth, but my diet cured my MS.", ["Doctors call it a myth", "but my diet cured my MS."]),
        ("I used to think X caused it but I was wrong", ["I used to think X caused it", "but I was wrong"]),
        ("It helped, although the insomnia was rough.", ["It helped", "although the insomnia was rough."]),
        ("Stem cells work - trust me", ["Stem cells work", "trust me"]),
        ("Quit the meds; your body heals itself", ["Quit the meds", "your body heals itself"]),
        # one-word fragments stay with their clause, so "yet" alone never becomes a clause
        ("I haven't started it yet.", ["I haven't started it yet."]),
        ("  ", [""]),
    ],
)
def test_split_clauses(sentence: str, clauses: list[str]) -> None:
    assert split_clauses(sentence) == clauses


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        ("Has anyone tried bee venom?", {"question_mark", "interrogative_open", "ask_phrase"}, {"refute_word"}),
        ("Is there any evidence for LDN", {"interrogative_open", "ask_phrase"}, {"question_mark"}),
        ("My aunt keeps telling me diet cures MS.", {"report_verb", "third_party"}, {"question_mark"}),
        ("That's a myth.", {"refute_word"}, {"report_verb"}),
        ("There is no good evidence for it.", {"no_evidence", "negation"}, set()),
        ("Bee venom doesn't cure MS.", {"not_a_cure", "negation"}, {"refute_word"}),
        ("I used to believe it, but not now.", {"past_belief", "contrast"}, set()),
        ("Stop your DMT, it's a pharma scam.", {"imperative_open", "second_person", "pharma"}, {"refute_word"}),
        ("Never take your DMT again.", {"imperative_open", "negation"}, set()),
        ("Trust me, it cured my MS.", {"endorsement", "testimony", "first_person"}, set()),
        ("I started swimming twice a week.", {"first_person"}, {"testimony", "refute_word", "question_mark"}),
    ],
)
def test_cues(text: str, present: set[str], absent: set[str]) -> None:
    found = set(cue_names_in(text))
    assert present <= found
    assert not absent & found


@pytest.mark.parametrize(("sims", "index"), [([0.2, 0.8], 1), ([0.9, 0.1, 0.3], 0), ([0.5, 0.5], 0), ([0.4], 0)])
def test_claim_clause_is_the_most_similar(sims: list[float], index: int) -> None:
    assert claim_clause_index(sims) == index


def test_span_cues_separate_the_claim_clause_from_the_clauses_around_it() -> None:
    clauses = ["People say diet cures MS", "which is nonsense."]
    cues = span_cues(clauses, 0).reshape(4, len(CUE_NAMES))
    refute = CUE_NAMES.index("refute_word")
    sentence, claim_clause, before, after = cues[:, refute]
    assert (sentence, claim_clause, before, after) == (1, 0, 0, 1)
    assert cues[:, CUE_NAMES.index("report_verb")].tolist() == [1, 1, 0, 0]


def _unit(rng: np.random.Generator) -> np.ndarray:
    v = rng.normal(size=384).astype(np.float32)
    return v / np.linalg.norm(v)


def _item(sentence: str, rng: np.random.Generator) -> StanceInput:
    clauses = tuple(split_clauses(sentence))
    return StanceInput(sentence, clauses, tuple(0.5 for _ in clauses), _unit(rng), _unit(rng), _unit(rng))


def test_feature_vector_matches_its_names() -> None:
    rng = np.random.default_rng(0)
    x = features(_item("People say X, which is nonsense.", rng))
    assert x.shape == (len(feature_names()),)
    assert x.dtype == np.float32
    # the residual is orthogonal to the claim direction
    item = _item("Diet cures MS.", rng)
    residual = features(item)[384:768]
    assert abs(float(residual @ item.claim_vector)) < 1e-5


def _weights_file(tmp_path: Path, feature_version: int = FEATURE_VERSION) -> Path:
    n = len(feature_names())
    path = tmp_path / "stance.npz"
    weights = np.zeros((len(STANCES), n), dtype=np.float32)
    weights[0, n - len(CUE_NAMES) * 4 + CUE_NAMES.index("testimony")] = 5.0  # sentence-span "testimony" -> assert
    np.savez(
        path,
        weights=weights,
        bias=np.zeros(len(STANCES), dtype=np.float32),
        mean=np.zeros(n, dtype=np.float32),
        scale=np.ones(n, dtype=np.float32),
        classes=np.array(STANCES),
        version=np.array("test"),
        feature_version=np.array(feature_version),
        gate_center=np.array(0.5),
        gate_width=np.array(0.05),
    )
    return path


def test_classifier_is_a_softmax_over_the_features(tmp_path: Path) -> None:
    classifier = StanceClassifier(_weights_file(tmp_path))
    rng = np.random.default_rng(1)
    probs = classifier.predict([_item("It cured me.", rng), _item("Nice weather.", rng)])
    assert probs.shape == (2, len(STANCES))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    assert probs[0, 0] > 0.9
    assert probs[1, 0] == pytest.approx(1 / len(STANCES))
    assert classifier.predict([]).shape == (0, len(STANCES))
    gate = classifier.topic_gate(np.array([0.2, 0.5, 0.8], dtype=np.float32))
    assert gate[0] < 0.01
    assert gate[1] == pytest.approx(0.5)
    assert gate[2] > 0.99


def test_weights_of_another_feature_layout_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="feature version"):
        StanceClassifier(_weights_file(tmp_path, feature_version=FEATURE_VERSION + 1))


def _claim(slug: str, statement: str = "Bee venom cures MS.") -> CatalogueClaim:
    return CatalogueClaim(slug, statement, ("Bee stings heal MS.",), "unproven_cure", "medium", "No.", "https://x.org")


def test_catalogue_hash_follows_content_not_order() -> None:
    a, b = _claim("a"), _claim("b", "Chelation cures MS.")
    assert catalogue_hash([a, b]) == catalogue_hash([b, a])
    assert catalogue_hash([a, b]) != catalogue_hash([a, _claim("b", "Chelation heals MS.")])
    assert catalogue_hash([a]) != catalogue_hash([a, b])


def test_catalogue_claim_from_a_json_row() -> None:
    row = {
        "slug": "x",
        "statement": "S",
        "variants": ["v1", "v2"],
        "category": "false_cause",
        "severity": "low",
        "correction": "C",
        "source_url": "https://example.org",
    }
    assert CatalogueClaim.from_mapping(row).variants == ("v1", "v2")
    with pytest.raises(ValueError, match="variants"):
        CatalogueClaim.from_mapping({**row, "variants": "v1"})


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Bee venom cured my MS. Has anyone tried it?", ["Bee venom cured my MS.", "Has anyone tried it?"]),
        ("I have MS.\nStop your DMT.", ["I have MS.", "Stop your DMT."]),
        ("Ms. Smith is my nurse.", ["Ms. Smith is my nurse."]),
        ("   ", []),
    ],
)
def test_sentences_are_not_glued_after_ms(text: str, sentences: list[str]) -> None:
    assert sentences_of(text) == sentences
