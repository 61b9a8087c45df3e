"""All scorers behind one call: texts in, one ScoreSet per text out, in the same order.

Toxicity reads whole comments (Detoxify); misinformation and health harm read sentences, so those two
share one sentence split and one embedding pass of the MiniLM encoder per batch. The claim catalogue
and the harm prototypes are edited by admins in the database; `refresh` rebuilds the affected
scorer when their version changes (checked once per batch, one cheap query each).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from moderation.config import Settings
from moderation.db.models import Claim, Setting
from moderation.domain.scores import LabelScore, ScoreSet
from moderation.services import claims as catalogue
from moderation.services import settings_store
from workers.scoring.claims import CatalogueClaim, ClaimMatcher, embed_texts
from workers.scoring.embeddings import SentenceEncoder
from workers.scoring.harm import HarmScorer
from workers.scoring.result import Scorer, TextScore
from workers.scoring.stance import StanceClassifier


class Pipeline:
    def __init__(self, toxicity: Scorer, encoder: SentenceEncoder) -> None:
        self.toxicity = toxicity
        self.encoder = encoder
        self.stance = StanceClassifier()  # read once; every rebuilt matcher shares it
        self.matcher: ClaimMatcher | None = None
        self.harm: HarmScorer | None = None
        self._catalogue_version: str | None = None
        self._prototypes_version: str | None = None

    def refresh(self, session: Session) -> None:
        """Follow the admins' edits to the claim catalogue and the harm prototypes."""
        version = catalogue.catalogue_version(session)
        if version != self._catalogue_version:
            self.use_catalogue([_to_claim(c) for c in catalogue.list_claims(session, include_disabled=False)])
            self._catalogue_version = version
        row = session.get(Setting, settings_store.HARM_PROTOTYPES)
        prototypes_version = row.updated_at.isoformat() if row else None
        if prototypes_version != self._prototypes_version:
            self.use_prototypes(row.value if row else {})
            self._prototypes_version = prototypes_version

    def use_catalogue(self, claims: Sequence[CatalogueClaim]) -> None:
        self.matcher = ClaimMatcher(self.encoder, claims, self.stance) if claims else None

    def use_prototypes(self, prototypes: Mapping[str, Sequence[str]]) -> None:
        self.harm = HarmScorer(self.encoder, prototypes)

    def score(self, texts: Sequence[str]) -> list[ScoreSet]:
        merged = [_merge(ScoreSet(labels={}), result, self.toxicity) for result in self.toxicity.score(texts)]
        if self.matcher is None and self.harm is None:
            return merged
        sentences, vectors = embed_texts(self.encoder, texts)
        if self.matcher is not None:
            found = self.matcher.score_embedded(sentences, vectors)
            merged = [_merge(m, r, self.matcher) for m, r in zip(merged, found, strict=True)]
        if self.harm is not None:
            harmful = self.harm.score_embedded(texts, sentences, vectors)
            merged = [_merge(m, r, self.harm) for m, r in zip(merged, harmful, strict=True)]
        return merged


def _merge(current: ScoreSet, result: TextScore, scorer: Scorer) -> ScoreSet:
    labels = dict(current.labels)
    for label, value in result.scores.items():
        labels[label] = LabelScore(float(value), scorer.name, scorer.version)
    return ScoreSet(labels, current.evidence + result.evidence)


def _to_claim(row: Claim) -> CatalogueClaim:
    return CatalogueClaim.from_mapping(catalogue.export_row(row))


def build_pipeline(settings: Settings) -> Pipeline:
    from workers.scoring.toxicity import load_toxicity_scorer

    toxicity = load_toxicity_scorer(
        settings.toxicity_model, settings.model_cache_dir, settings.worker_batch_size, settings.inference_precision
    )
    return Pipeline(toxicity, SentenceEncoder(precision=settings.inference_precision))
