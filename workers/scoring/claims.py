"""Medical-misinformation scorer: match each sentence to the claim catalogue, then ask the stance step
whether the sentence asserts the claim or only asks about, refutes or reports it.

score(sentence) = P(assert | sentence, claim) * topic(similarity), where topic() is a soft gate on the
cosine similarity to the nearest catalogue text; a comment scores its worst sentence. The topic gate
and the stance weights are trained together (training/train_stance.py) and shipped in one file.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from workers.scoring.result import Evidence, TextScore
from workers.scoring.sentences import split_sentences
from workers.scoring.stance import StanceClassifier, StanceInput, split_clauses

LABEL = "misinformation"
# Below this similarity a sentence is off-topic for every claim and skips the stance step entirely;
# it sits well under the topic gate so the gate, not this floor, decides borderline sentences.
CANDIDATE_FLOOR = 0.30
MAX_EVIDENCE = 3
EVIDENCE_FLOOR = 0.10

Matrix = npt.NDArray[np.float32]
# split_sentences() reads an upper-case "MS." as the title "Ms." and glues the next sentence on, even
# across a line break ("Bee venom cured my MS. Anyone tried pilates?" becomes one question). On an MS
# forum that hides assertions, so split again after "MS."; a no-op once sentences.py handles it.
_AFTER_MS = re.compile(r"(?<=\bMS\.)\s+(?=[\"'(\[]?[A-Z0-9])")


class Encoder(Protocol):
    version: str

    def encode(self, sentences: Sequence[str]) -> Matrix: ...


@dataclass(frozen=True, slots=True)
class CatalogueClaim:
    slug: str
    statement: str
    variants: tuple[str, ...]
    category: str
    severity: str
    correction: str
    source_url: str

    @classmethod
    def from_mapping(cls, row: Mapping[str, object]) -> CatalogueClaim:
        variants = row.get("variants") or ()
        if not isinstance(variants, list | tuple):
            raise ValueError(f"claim {row.get('slug')!r}: variants must be a list")
        return cls(
            slug=str(row["slug"]),
            statement=str(row["statement"]),
            variants=tuple(str(v) for v in variants),
            category=str(row["category"]),
            severity=str(row["severity"]),
            correction=str(row["correction"]),
            source_url=str(row["source_url"]),
        )


def load_catalogue(path: Path | None = None) -> list[CatalogueClaim]:
    """The claims in a catalogue JSON file; by default the seed catalogue shipped with `moderation`."""
    if path is None:
        from moderation.seeds import CLAIMS_FILE

        path = CLAIMS_FILE
    rows = json.loads(path.read_text(encoding="utf-8"))
    return [CatalogueClaim.from_mapping(row) for row in rows]


def catalogue_hash(claims: Sequence[CatalogueClaim]) -> str:
    """Content hash, independent of order, so any edit to any claim gives the scorer a new version."""
    canonical = json.dumps(sorted((asdict(c) for c in claims), key=lambda c: c["slug"]), sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class CatalogueIndex:
    """Catalogue texts embedded once. Rows of `text_vectors` are grouped by claim: claim i owns
    rows starts[i]:starts[i + 1] (its statement, then its variants)."""

    claims: tuple[CatalogueClaim, ...]
    text_vectors: Matrix
    starts: npt.NDArray[np.int64]
    correction_vectors: Matrix

    @classmethod
    def build(cls, encoder: Encoder, claims: Sequence[CatalogueClaim]) -> CatalogueIndex:
        texts = [text for claim in claims for text in (claim.statement, *claim.variants)]
        sizes = [1 + len(claim.variants) for claim in claims]
        vectors = encoder.encode([*texts, *(claim.correction for claim in claims)])
        return cls(
            claims=tuple(claims),
            text_vectors=vectors[: len(texts)],
            starts=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
            correction_vectors=vectors[len(texts) :],
        )

    def claim_similarities(self, vectors: Matrix) -> Matrix:
        """Per row of `vectors`, the best similarity to each claim (max over its statement and variants)."""
        sims = vectors @ self.text_vectors.T
        best: Matrix = np.maximum.reduceat(sims, self.starts[:-1], axis=1)
        return best

    def nearest_text(self, vector: npt.NDArray[np.float32], claim: int) -> npt.NDArray[np.float32]:
        rows = self.text_vectors[self.starts[claim] : self.starts[claim + 1]]
        nearest: npt.NDArray[np.float32] = rows[int(np.argmax(rows @ vector))]
        return nearest


@dataclass(frozen=True, slots=True)
class Match:
    sentence_index: int
    claim_index: int
    similarity: float  # the best of the sentence's and its clauses' similarity to the claim
    stance_input: StanceInput


def match_sentences(
    index: CatalogueIndex, encoder: Encoder, sentences: Sequence[str], vectors: Matrix, floor: float = CANDIDATE_FLOOR
) -> list[Match]:
    """Match sentences at or above `floor` to their nearest claim, with what the stance step needs.

    A clause can be closer to a claim than its whole sentence ("my neuro calls it a myth, but stop your
    DMT"), so clauses of candidate sentences are embedded too: one extra encoder call per batch, only
    for candidates with more than one clause.
    """
    if not sentences or not index.claims:
        return []
    sentence_sims = index.claim_similarities(vectors)
    candidates = [i for i in range(len(sentences)) if float(sentence_sims[i].max()) >= floor]
    clauses = {i: split_clauses(sentences[i]) for i in candidates}
    multi = [(i, clause) for i in candidates if len(clauses[i]) > 1 for clause in clauses[i]]
    clause_sims = index.claim_similarities(encoder.encode([c for _, c in multi])) if multi else None
    rows_of: dict[int, list[int]] = {}
    for row, (i, _) in enumerate(multi):
        rows_of.setdefault(i, []).append(row)
    matches: list[Match] = []
    for i in candidates:
        own = sentence_sims[i]
        if clause_sims is not None and i in rows_of:
            per_clause = clause_sims[rows_of[i]]
            claim = int(np.argmax(np.maximum(own, per_clause.max(axis=0))))
            sims_for_claim = tuple(float(s) for s in per_clause[:, claim])
        else:
            claim = int(np.argmax(own))
            sims_for_claim = (float(own[claim]),)
        similarity = max(float(own[claim]), *sims_for_claim)
        item = StanceInput(
            sentence=sentences[i],
            clauses=tuple(clauses[i]),
            clause_sims=sims_for_claim,
            sentence_vector=vectors[i],
            claim_vector=index.nearest_text(vectors[i], claim),
            correction_vector=index.correction_vectors[claim],
        )
        matches.append(Match(i, claim, similarity, item))
    return matches


def sentences_of(text: str) -> list[str]:
    return [piece for sentence in split_sentences(text) for piece in _AFTER_MS.split(sentence) if piece.strip()]


def embed_texts(encoder: Encoder, texts: Sequence[str]) -> tuple[list[list[str]], Matrix]:
    """Split every text into sentences and embed all sentences of the batch in one encoder call.

    The result can be shared by every scorer that works on sentences (claims, health harm).
    """
    sentences_per_text = [sentences_of(text) for text in texts]
    flat = [sentence for sentences in sentences_per_text for sentence in sentences]
    return sentences_per_text, encoder.encode(flat)


class ClaimMatcher:
    name = "claims:minilm+stance"

    def __init__(
        self, encoder: Encoder, claims: Sequence[CatalogueClaim], stance: StanceClassifier | None = None
    ) -> None:
        self.encoder = encoder
        self.stance = stance or StanceClassifier()
        self.index = CatalogueIndex.build(encoder, claims)
        self.version = f"{encoder.version}+stance-{self.stance.version}+catalogue-{catalogue_hash(claims)}"

    def score(self, texts: Sequence[str]) -> list[TextScore]:
        sentences_per_text, vectors = embed_texts(self.encoder, texts)
        return self.score_embedded(sentences_per_text, vectors)

    def score_embedded(self, sentences_per_text: Sequence[Sequence[str]], sentence_vectors: Matrix) -> list[TextScore]:
        """Score texts already split and embedded: rows of `sentence_vectors` are the sentences of all
        texts, flattened in order (as `embed_texts` returns them)."""
        flat = [sentence for sentences in sentences_per_text for sentence in sentences]
        if len(flat) != len(sentence_vectors):
            raise ValueError(f"{len(flat)} sentences but {len(sentence_vectors)} vectors")
        owner = np.repeat(np.arange(len(sentences_per_text)), [len(s) for s in sentences_per_text])
        matches = match_sentences(self.index, self.encoder, flat, sentence_vectors)
        probs = self.stance.predict([m.stance_input for m in matches])
        gate = self.stance.topic_gate(np.array([m.similarity for m in matches], dtype=np.float32))
        scores = probs[:, self.stance.assert_index] * gate if matches else np.zeros(0, dtype=np.float32)
        per_text: list[list[Evidence]] = [[] for _ in sentences_per_text]
        for match, p, stance_probs in zip(matches, scores, probs, strict=True):
            claim = self.index.claims[match.claim_index]
            stance = self.stance.classes[int(np.argmax(stance_probs))]
            per_text[int(owner[match.sentence_index])].append(
                Evidence(
                    label=LABEL,
                    sentence=match.stance_input.sentence,
                    score=round(float(p), 4),
                    claim_id=claim.slug,
                    detail=f"similarity={match.similarity:.2f}; stance={stance}",
                )
            )
        return [_text_score(evidence) for evidence in per_text]


def _text_score(evidence: list[Evidence]) -> TextScore:
    ranked = sorted(evidence, key=lambda e: e.score, reverse=True)
    top = ranked[0].score if ranked else 0.0
    shown = tuple(e for e in ranked[:MAX_EVIDENCE] if e.score >= EVIDENCE_FLOOR)
    return TextScore(scores={LABEL: float(top)}, evidence=shown)
