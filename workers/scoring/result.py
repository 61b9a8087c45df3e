"""What a scorer returns for one text: per-label scores in [0, 1] and the evidence behind them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from moderation.domain.scores import Evidence

__all__ = ["Evidence", "Scorer", "TextScore"]


@dataclass(frozen=True, slots=True)
class TextScore:
    scores: dict[str, float]
    evidence: tuple[Evidence, ...] = field(default=())


class Scorer(Protocol):
    """Scores a batch of texts in one call; `name` and `version` are stored beside every score."""

    name: str
    version: str

    def score(self, texts: Sequence[str]) -> list[TextScore]: ...
