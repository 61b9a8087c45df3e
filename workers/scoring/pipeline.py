"""All scorers behind one call: texts in, one ScoreSet per text out, in the same order."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session, sessionmaker

from moderation.config import Settings
from moderation.domain.scores import LabelScore, ScoreSet
from workers.scoring.result import Scorer, TextScore


class Pipeline:
    def __init__(self, scorers: Sequence[Scorer]) -> None:
        self.scorers = list(scorers)

    def score(self, texts: Sequence[str]) -> list[ScoreSet]:
        merged: list[ScoreSet] = [ScoreSet(labels={}) for _ in texts]
        for scorer in self.scorers:
            results = scorer.score(texts)
            merged = [_merge(current, result, scorer) for current, result in zip(merged, results, strict=True)]
        return merged


def _merge(current: ScoreSet, result: TextScore, scorer: Scorer) -> ScoreSet:
    labels = dict(current.labels)
    for label, value in result.scores.items():
        labels[label] = LabelScore(float(value), scorer.name, scorer.version)
    return ScoreSet(labels, current.evidence + result.evidence)


def build_pipeline(settings: Settings, sessions: sessionmaker[Session]) -> Pipeline:
    from workers.scoring.toxicity import load_toxicity_scorer

    toxicity = load_toxicity_scorer(settings.toxicity_model, settings.model_cache_dir, settings.worker_batch_size)
    return Pipeline([toxicity])
