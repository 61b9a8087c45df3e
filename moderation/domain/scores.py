"""What scoring produced for one comment, as the services store it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Evidence:
    """The part of a comment that earned a label its score, shown to moderators."""

    label: str
    sentence: str
    score: float
    claim_id: str | None = None  # the matched catalogue claim's slug, for `misinformation`
    detail: str | None = None  # e.g. the prototype or rule that fired


@dataclass(frozen=True, slots=True)
class LabelScore:
    value: float
    model: str
    model_version: str


@dataclass(frozen=True, slots=True)
class ScoreSet:
    labels: dict[str, LabelScore]
    evidence: tuple[Evidence, ...] = field(default=())

    @property
    def values(self) -> dict[str, float]:
        return {label: score.value for label, score in self.labels.items()}
