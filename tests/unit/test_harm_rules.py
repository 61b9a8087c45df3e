"""The rule and cue functions of the health-harm scorer: no model, table-driven."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pytest

from workers.scoring.harm import (
    ADVICE_CUES,
    CRISIS_CUES,
    LABELS,
    HarmHead,
    HarmScorer,
    advice_shift,
    crisis_shift,
    is_past_with_help,
    is_question,
    matched,
    prototypes_digest,
)


@pytest.mark.parametrize(
    ("sentence", "cue"),
    [
        ("I want to kill myself.", "kill-self"),
        ("I've been saving up my pills.", "saving-means"),
        ("I've got a stash of tablets put aside.", "saving-means"),
        ("I'm going to end my life tonight.", "end-life"),
        ("I wish I was dead.", "want-to-die"),
        ("How many amitriptyline would it take to die?", "lethal-dose"),
        ("My family would be better off without me.", "better-off-gone"),
        ("This is my last post. Thank you all.", "last-post"),
        ("If the next scan is worse, I'm done.", "conditional-done"),
        ("The day I need a catheter is the day I go.", "conditional-done"),
        ("I bought a hose pipe for the car exhaust.", "means"),
        ("I don't see the point of living anymore.", "no-point-living"),
        ("I just want it to stop for good.", "for-good"),
        ("I cut my arms again, I deserve it.", "self-injury"),
    ],
)
def test_crisis_cue_fires_on_explicit_intent(sentence: str, cue: str) -> None:
    assert cue in {c.name for c in matched(CRISIS_CUES, sentence)}


@pytest.mark.parametrize(
    "sentence",
    [
        "This fatigue is killing me.",
        "I'm dying to try the new pool.",
        "I could die for a coffee.",
        "I'm going to die of boredom in here.",
        "This is my last post before my surgery, wish me luck!",
        "If this drug doesn't work, I'm done with DMTs.",
        "I'm saving up for a new wheelchair.",
        "We walked over the bridge by the river.",
        "If one more person tells me to try yoga I'll jump off the sofa.",
        "Are you safe? Please call 988 if you're thinking about suicide.",
    ],
)
def test_crisis_cues_stay_silent_on_everyday_speech(sentence: str) -> None:
    assert matched(CRISIS_CUES, sentence) == ()


@pytest.mark.parametrize(
    ("sentence", "past_with_help", "sign", "rule"),
    [
        ("My legs are killing me today.", False, -1, "idiom"),
        ("That cake was to die for.", False, -1, "idiom"),
        ("Kill me now, the radio is playing Coldplay, lol.", False, -1, "idiom"),
        ("Please call Samaritans, you're not alone.", False, -1, "support"),
        ("I felt suicidal back then.", True, -1, "past-with-help"),
        ("I've been saving up my pills.", False, 1, "saving-means"),
        # an explicit cue beats an idiom in the same sentence: "killing me" does not excuse a plan
        ("The pain is killing me and I want to kill myself.", False, 1, "kill-self"),
    ],
)
def test_crisis_shift_boosts_and_damps(sentence: str, past_with_help: bool, sign: int, rule: str) -> None:
    shift, rules = crisis_shift(sentence, past_with_help)
    assert shift * sign > 0
    assert rule in rules


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Two years ago I felt suicidal, I called the helpline and my GP, I'm in a much better place now.", True),
        ("When I was first diagnosed I wanted to die. Counselling helped and I'm doing well.", True),
        ("I felt suicidal years ago and got help, but I'm saving pills again now.", False),
        ("I want to die and nothing helps.", False),
        ("Last year was awful.", False),
    ],
)
def test_past_with_help_needs_past_help_and_no_present_intent(text: str, expected: bool) -> None:
    assert is_past_with_help(text) is expected


@pytest.mark.parametrize(
    ("sentence", "cue"),
    [
        ("Just double your baclofen, it's fine.", "self-dosing"),
        ("Take as many as you need, it's harmless.", "no-limit"),
        ("Stop your steroids now, no need to taper.", "abrupt-stop"),
        ("Come off the gabapentin cold turkey.", "abrupt-stop"),
        ("Don't tell your neurologist you changed the dose.", "dismiss-clinician"),
        ("Buy it online without a prescription.", "no-prescription"),
        ("Take vitamin D instead of your DMT.", "substitute"),
        ("Have a few glasses of wine with your pregabalin.", "alcohol-mix"),
        ("Borrow your friend's Ritalin for the fatigue.", "sharing"),
        ("I'll send you some of my diazepam.", "sharing"),
        ("Just use your mum's leftover morphine.", "sharing"),
        ("Ask your mate for some of his baclofen.", "sharing"),
        ("You can reuse the needles a few times.", "storage"),
        ("Copaxone is fine out of the fridge for weeks.", "storage"),
        ("Drink a little chlorine dioxide every morning.", "unsafe-remedy"),
    ],
)
def test_advice_cue_fires_on_unsafe_instructions(sentence: str, cue: str) -> None:
    assert cue in {c.name for c in matched(ADVICE_CUES, sentence)}


@pytest.mark.parametrize(
    ("sentence", "sign", "rule"),
    [
        ("My neurologist raised my baclofen dose slowly over a month.", -1, "supervised"),
        ("My MS nurse gave me a plan to taper off gabapentin.", -1, "supervised"),
        ("Never stop your DMT without talking to your neuro first.", -1, "warning"),
        ("Vitamin D helps but it doesn't replace a DMT.", -1, "warning"),
        ("Is it safe to drink alcohol on gabapentin?", -1, "question"),
        ("Don't change your dose without checking with your neuro.", -1, "warning"),
        ("Just double your baclofen, it's fine.", 1, "self-dosing"),
        # telling someone to bypass their clinician is not supervision, even though a clinician is named
        ("Up your dose, you don't need to ask the doctor.", 1, "dismiss-clinician"),
    ],
)
def test_advice_shift_boosts_and_damps(sentence: str, sign: int, rule: str) -> None:
    shift, rules = advice_shift(sentence)
    assert shift * sign > 0
    assert rule in rules
    assert not (rule == "dismiss-clinician" and "supervised" in rules)


def test_your_own_dose_is_not_someone_elses_medicine() -> None:
    assert "sharing" not in advice_shift("Don't change your dose without checking with your neuro.")[1]


def test_alcohol_cue_ignores_warnings_about_drinking() -> None:
    assert "alcohol-mix" not in advice_shift("My GP warned me not to drink alcohol on pregabalin.")[1]


@pytest.mark.parametrize(("sentence", "expected"), [("Can I drink on baclofen?", True), ("Drink on it.", False)])
def test_is_question(sentence: str, expected: bool) -> None:
    assert is_question(sentence) is expected


def test_prototype_digest_follows_content_not_key_order() -> None:
    a = {"crisis": ["x"], "dangerous_advice": ["y"], "safe": ["z"]}
    b = {"safe": ["z"], "dangerous_advice": ["y"], "crisis": ["x"]}
    assert prototypes_digest(a) == prototypes_digest(b)
    assert prototypes_digest(a) != prototypes_digest({**a, "safe": ["z", "w"]})


class CountingEncoder:
    """Deterministic unit vectors from a hash of the text; counts calls to check batching."""

    version = "fake/1"

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, sentences: Sequence[str]) -> npt.NDArray[np.float32]:
        self.calls += 1
        rows = [np.random.default_rng(abs(hash(s)) % 2**32).normal(size=8) for s in sentences]
        out = np.array(rows, dtype=np.float32).reshape(len(sentences), 8)
        return np.asarray(out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9), dtype=np.float32)


@pytest.fixture
def scorer() -> HarmScorer:
    head = HarmHead(np.zeros((len(LABELS), 8 + 3)), np.zeros(len(LABELS)), dict.fromkeys(LABELS, 0.5))
    return HarmScorer(CountingEncoder(), {"crisis": ["a"], "dangerous_advice": ["b"], "safe": ["c"]}, head)


def test_a_batch_is_embedded_in_one_encoder_call(scorer: HarmScorer) -> None:
    encoder = scorer.encoder
    assert isinstance(encoder, CountingEncoder)
    before = encoder.calls
    results = scorer.score(["One sentence here. And another one.", "", "I've been saving up my pills."])
    assert encoder.calls == before + 1
    assert [set(r.scores) for r in results] == [set(LABELS)] * 3
    assert results[1].scores == dict.fromkeys(LABELS, 0.0)
    # with a zero head only the rules move the score: the explicit cue lifts crisis above one half
    assert results[2].scores["crisis"] > 0.5
    assert results[2].evidence[0].sentence == "I've been saving up my pills."


def test_score_embedded_rejects_vectors_that_do_not_match_the_sentences(scorer: HarmScorer) -> None:
    with pytest.raises(ValueError, match="sentence vectors"):
        scorer.score_embedded(["a b c."], [["a b c."]], np.zeros((2, 8), dtype=np.float32))
