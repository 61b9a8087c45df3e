"""Stance of a sentence towards the catalogue claim it matched: does it assert the claim, or ask about,
refute or merely report it?

Sentence embeddings find the topic well but barely see stance: "stem cells cured me" and "the stem-cell
clinics don't cure anyone" sit close together. So the classifier gets, beside the embedding, what the
embedding blurs: the clause structure ("people say X, which is nonsense" vs "doctors call it a myth,
but X"), question form, reported speech and refutation cues, measured separately in the clause that
carries the claim and in the clauses around it. Cue words cut both ways ("never", "scam" also appear in
advice to stop treatment), so they are features for a trained model, never rules that decide alone.

Run time needs numpy only; the weights come from `models/stance.npz`, made by training/train_stance.py.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

STANCES = ("assert", "ask", "refute", "report", "other")
DEFAULT_WEIGHTS = Path(__file__).parent / "models" / "stance.npz"
# Bump when the feature layout changes: weights trained on another layout must not load silently.
FEATURE_VERSION = 1

Vector = npt.NDArray[np.float32]

# Clauses start at contrastive, concessive and relative connectives. The connective stays with the
# clause it opens because it is itself a cue ("which is nonsense", "but it cured me").
_CLAUSE_BREAK = re.compile(
    r"(?:[,;:]\s*|\s+[-\u2013\u2014]+\s+|\s+)(?=(?:but|however|although|though|whereas|yet|which|except|"
    r"while|even though|despite)\b)|;\s*|\s+[-\u2013\u2014]+\s+",
    re.IGNORECASE,
)
MIN_CLAUSE_WORDS = 2


def split_clauses(sentence: str) -> list[str]:
    """Split at connectives; fragments too short to carry a claim stay with the clause before them."""
    clauses: list[str] = []
    for raw in _CLAUSE_BREAK.split(sentence.strip()):
        piece = raw.strip(" ,;:")
        if not piece:
            continue
        if clauses and len(piece.split()) < MIN_CLAUSE_WORDS:
            clauses[-1] = f"{clauses[-1]} {piece}"
        else:
            clauses.append(piece)
    return clauses or [sentence.strip()]


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# Each cue is a pattern counted in a span of text; the names are the feature names in the weights file.
CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("question_mark", _rx(r"\?")),
    (
        "interrogative_open",
        _rx(
            r"^\W*(?:so\s+|and\s+|but\s+)?(?:has|have|does|do|did|is|are|was|were|can|could|should|would|will|"
            r"what|why|how|where|when|whatever|anyone|any)\b"
        ),
    ),
    (
        "ask_phrase",
        _rx(
            r"\b(?:anyone (?:tried|know|heard|else|here)|has anyone|is (?:it|this|that|there) (?:true|safe|right|"
            r"okay|ok|any|really)|any (?:evidence|research|studies|proof|point)|wondering|curious|thoughts|"
            r"what do you (?:all )?think|should i|can i|genuine question|is that (?:right|true)|or is (?:it|that))\b"
        ),
    ),
    (
        "report_verb",
        _rx(
            r"\b(?:says?|said|saying|claims?|claimed|claiming|insists?|insisted|told|tells|telling|keeps? "
            r"(?:saying|telling|posting|sending)|posts?|posted|posting|according to|swears?|swore|convinced|"
            r"thinks?|believes?|blames?|recommends?|pushing|selling|advert\w*|videos?|articles?|websites?|"
            r"leaflets?|book|heard|assumed|asked|calls?|quoted)\b"
        ),
    ),
    (
        "third_party",
        _rx(
            r"\b(?:people|someone|somebody|some|they|he|she|his|her|their|everyone on this|my (?:aunt|mum|mom|"
            r"dad|mother|father|mother-in-law|sister|brother|friend|cousin|neighbour|neighbor|colleague|"
            r"grandmother|grandma|gran)|a (?:guy|man|woman|lady)|influencers?|youtubers?|groups?|naturopath|"
            r"quacks?|sellers?|whoever|anyone telling)\b"
        ),
    ),
    (
        "authority",
        _rx(
            r"\b(?:neuros?|neurologists?|nurses?|gp|doctors?|consultants?|physios?|ms team|ms society|nhs|nice|"
            r"fda|trials?|studies|study|research|evidence|scans?)\b"
        ),
    ),
    (
        "refute_word",
        _rx(
            r"\b(?:myths?|nonsense|rubbish|debunked|disproved|disproven|bogus|misinformation|false hope|snake oil|"
            r"scaremongering|conspiracy|quacks?|not true|isn't true|untrue|false|lies?|wrong|exaggerat\w*|"
            r"anecdot\w*|sceptical|skeptical|wild claim|out of date|chain email)\b"
        ),
    ),
    (
        "no_evidence",
        _rx(
            r"\b(?:no (?:good |real |scientific |clinical )?(?:evidence|proof|link|benefit)|not (?:been )?"
            r"(?:shown|proven|supported)|unproven|did(?:n't| not) help|does(?:n't| not) help|made no difference|"
            r"found no(?:ne)?|nothing to it|no point)\b"
        ),
    ),
    (
        "not_a_cure",
        _rx(
            r"\b(?:not|isn't|is not|no|won't|will not|doesn't|does not|don't|didn't|can't|cannot|never)\s+"
            r"(?:a\s+|the\s+|really\s+|actually\s+|definitely\s+)?(?:cure|cures|work|works|fix|treat|help|"
            r"repair|touch|slow|cause|causes|burn|regrow|stop|damage|mean)\b"
        ),
    ),
    (
        "danger_word",
        _rx(r"\b(?:dangerous|harm|harmful|risky|unsafe|bleach|kidneys?|a&e|hospital|infected|paralysed|careful)\b"),
    ),
    ("past_belief", _rx(r"\b(?:used to (?:think|believe|trust)|once (?:believed|thought)|fell for|i thought)\b")),
    ("contrast", _rx(r"\b(?:but|however|although|though|yet|whereas|except|despite)\b")),
    (
        "imperative_open",
        _rx(
            r"^\W*(?:just |please |so |now |honestly,? )?(?:stop|quit|ditch|drop|bin|chuck|throw|get|go|take|try|"
            r"avoid|refuse|skip|never|don't|do not|forget|cut|eat|drink|cancel|stay|keep|put|ask|find|save|sit|"
            r"sweat|massage|rub|turn|come off|whatever you do)\b"
        ),
    ),
    ("second_person", _rx(r"\b(?:you|your|yourself|you're|you'll|you've)\b")),
    (
        "testimony",
        _rx(
            r"\b(?:cured|healed|reversed|gone|vanished|disappeared|remission|cleared|sorted|history|fixed|"
            r"life back|new (?:wo)?man|proof|stopped (?:my|it|the))\b"
        ),
    ),
    (
        "endorsement",
        _rx(
            r"\b(?:trust me|i promise|honestly|wake up|do your (?:own )?research|they don't want|won't tell|"
            r"nobody talks|hides?|hidden|bur(?:y|ies)|guaranteed|no doubt|proven fact|a fact|mark my words|"
            r"full stop|every single|no exceptions|the only (?:real |thing)|the real)\b"
        ),
    ),
    ("negation", _rx(r"\b(?:not|no|never|none|nothing|nobody|nor)\b|n't\b")),
    ("pharma", _rx(r"\b(?:pharma|drug companies|money|profit|racket|scams?|shareholders)\b")),
    ("first_person", _rx(r"\b(?:i|i'm|i've|me|my|mine)\b")),
)
CUE_NAMES = tuple(name for name, _ in CUES)
SPANS = ("sentence", "claim_clause", "before", "after")
SCALAR_NAMES = ("sim_claim", "sim_correction", "sim_gap", "clause_count", "claim_clause_last")
EMBEDDING_BLOCKS = ("sentence", "residual")


def cue_counts(text: str) -> npt.NDArray[np.float32]:
    """How often each cue occurs in `text`, capped at 2 so long rants do not dominate."""
    return np.array([min(len(p.findall(text)), 2) for _, p in CUES], dtype=np.float32)


def cue_names_in(text: str) -> list[str]:
    return [name for name, pattern in CUES if pattern.search(text)]


def claim_clause_index(clause_sims: Sequence[float]) -> int:
    """The clause that carries the claim is the one closest to it; ties go to the earlier clause."""
    return int(np.argmax(np.asarray(clause_sims))) if len(clause_sims) else 0


def span_cues(clauses: Sequence[str], claim_index: int) -> npt.NDArray[np.float32]:
    """Cue counts in the whole sentence, the claim clause, the clauses before it and those after it."""
    before = " ".join(clauses[:claim_index])
    after = " ".join(clauses[claim_index + 1 :])
    spans = (" ".join(clauses), clauses[claim_index], before, after)
    return np.concatenate([cue_counts(span) if span else np.zeros(len(CUES), np.float32) for span in spans])


@dataclass(frozen=True, slots=True)
class StanceInput:
    """One sentence and the claim it matched, as the classifier sees it.

    Vectors are unit-length MiniLM rows. `claim_vector` is the catalogue text (statement or variant)
    nearest to the sentence; `correction_vector` the claim's correction, which refutations resemble.
    `clause_sims` are the clause-to-claim similarities (one per clause; a single clause may reuse the
    sentence similarity).
    """

    sentence: str
    clauses: tuple[str, ...]
    clause_sims: tuple[float, ...]
    sentence_vector: Vector
    claim_vector: Vector
    correction_vector: Vector


def features(item: StanceInput) -> npt.NDArray[np.float32]:
    e, c = item.sentence_vector, item.claim_vector
    sim_claim = float(e @ c)
    sim_correction = float(e @ item.correction_vector)
    # What is left of the sentence once the claim's own direction is removed: mostly framing and stance.
    residual = e - sim_claim * c
    index = claim_clause_index(item.clause_sims)
    scalars = np.array(
        [
            sim_claim,
            sim_correction,
            sim_correction - sim_claim,
            min(len(item.clauses), 4) / 4,
            float(index == len(item.clauses) - 1),
        ],
        dtype=np.float32,
    )
    return np.concatenate([e, residual, scalars, span_cues(item.clauses, index)]).astype(np.float32)


def feature_names() -> list[str]:
    dims = [f"{block}_{i}" for block in EMBEDDING_BLOCKS for i in range(384)]
    return [*dims, *SCALAR_NAMES, *(f"{span}:{cue}" for span in SPANS for cue in CUE_NAMES)]


class StanceClassifier:
    """Multinomial logistic regression over `features()`; `predict` returns P(stance) per input."""

    def __init__(self, path: Path = DEFAULT_WEIGHTS) -> None:
        with np.load(path, allow_pickle=False) as data:
            if int(data["feature_version"]) != FEATURE_VERSION:
                raise ValueError(f"{path} has feature version {int(data['feature_version'])}, need {FEATURE_VERSION}")
            self.weights = data["weights"].astype(np.float32)
            self.bias = data["bias"].astype(np.float32)
            self.mean = data["mean"].astype(np.float32)
            self.scale = data["scale"].astype(np.float32)
            self.classes = tuple(str(c) for c in data["classes"])
            self.version = str(data["version"])
            self.gate_center = float(data["gate_center"])
            self.gate_width = float(data["gate_width"])
        self.assert_index = self.classes.index("assert")

    def predict(self, items: Sequence[StanceInput]) -> npt.NDArray[np.float32]:
        if not items:
            return np.zeros((0, len(self.classes)), dtype=np.float32)
        x = (np.stack([features(item) for item in items]) - self.mean) / self.scale
        logits = x @ self.weights.T + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        probs: Vector = np.exp(logits).astype(np.float32)
        normalised: Vector = probs / probs.sum(axis=1, keepdims=True)
        return normalised

    def topic_gate(self, similarities: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Soft step from "off topic" to "about the claim"; its centre is set by the training script from
        the similarity of hand-written assertions, and shipped with the weights."""
        z = (similarities.astype(np.float32) - self.gate_center) / self.gate_width
        gate: Vector = (1.0 / (1.0 + np.exp(-z))).astype(np.float32)
        return gate

    def p_assert(self, items: Sequence[StanceInput]) -> npt.NDArray[np.float32]:
        return self.predict(items)[:, self.assert_index] if items else np.zeros(0, dtype=np.float32)
