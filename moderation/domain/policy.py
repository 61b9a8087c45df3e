"""Moderation policy and the pure decision `decide(scores, policy)`.

Thresholds are inclusive: a score equal to `reject_at` rejects. A policy version is immutable;
changing thresholds means saving a new version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from moderation.domain.errors import InvalidInput
from moderation.domain.states import Status

TOXICITY_LABELS = (
    "toxicity",
    "severe_toxicity",
    "obscene",
    "threat",
    "insult",
    "identity_attack",
    "sexual_explicit",
)
HEALTH_LABELS = ("misinformation", "crisis", "dangerous_advice")
LABELS = TOXICITY_LABELS + HEALTH_LABELS


class Mode(StrEnum):
    POST = "post"  # publish what passes the thresholds
    PRE = "pre"  # every comment waits for a human


class Priority(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


@dataclass(frozen=True, slots=True)
class Band:
    review_at: float | None = None
    reject_at: float | None = None
    # An urgent label is never auto-rejected: a person in crisis must reach a human, not vanish.
    urgent: bool = False

    def __post_init__(self) -> None:
        for name in ("review_at", "reject_at"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 1.0:
                raise InvalidInput(f"{name} must be between 0 and 1, got {value}", field=name)
        if self.review_at is not None and self.reject_at is not None and self.review_at > self.reject_at:
            raise InvalidInput("review_at must not be above reject_at", field="review_at")
        if self.urgent and self.reject_at is not None:
            raise InvalidInput("an urgent label cannot have reject_at", field="reject_at")


@dataclass(frozen=True, slots=True)
class Policy:
    version: int
    mode: Mode
    bands: Mapping[str, Band] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.bands) - set(LABELS))
        if unknown:
            raise InvalidInput(f"unknown label(s): {', '.join(unknown)}", field="bands")


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a comment got its outcome: a label that crossed a band, or a code such as `pre_moderation`."""

    code: str
    band: str | None = None  # "reject" or "review"
    score: float | None = None
    threshold: float | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Status
    reasons: tuple[Reason, ...] = ()
    priority: Priority = Priority.NORMAL


def decide(scores: Mapping[str, float], policy: Policy) -> Decision:
    to_reject = _crossed(scores, policy, "reject")
    to_review = tuple(r for r in _crossed(scores, policy, "review") if r.code not in {x.code for x in to_reject})
    urgent = any(policy.bands[r.code].urgent for r in to_review)
    priority = Priority.URGENT if urgent else Priority.NORMAL
    if policy.mode is Mode.PRE:
        return Decision(Status.PENDING_REVIEW, (Reason("pre_moderation"), *to_reject, *to_review), priority)
    if urgent:
        return Decision(Status.PENDING_REVIEW, (*to_review, *to_reject), priority)
    if to_reject:
        return Decision(Status.REJECTED, to_reject)
    if to_review:
        return Decision(Status.PENDING_REVIEW, to_review)
    return Decision(Status.PUBLISHED)


def _crossed(scores: Mapping[str, float], policy: Policy, band: str) -> tuple[Reason, ...]:
    crossed = []
    for label, limits in policy.bands.items():
        threshold = limits.reject_at if band == "reject" else limits.review_at
        score = scores.get(label)
        if threshold is not None and score is not None and score >= threshold:
            crossed.append(Reason(label, band, round(score, 4), threshold))
    # Highest score first: the first reason is the one a moderator should read first.
    return tuple(sorted(crossed, key=lambda r: (-(r.score or 0.0), r.code)))
