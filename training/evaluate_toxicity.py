"""Evaluate the toxicity model exactly as the service loads it, beside alt-profanity-check.

    /work/venv/bin/python training/evaluate_toxicity.py [--data ../shared/data] [--model bundled]

Prints per-label and mean column-wise ROC-AUC on jigsaw_dev, the same for alt-profanity-check
(its one probability used for every label), scoring speed and the process's peak memory, as a
markdown table for the README.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from workers.scoring.toxicity import load_toxicity_scorer

ROOT = Path(__file__).resolve().parents[1]
# Jigsaw column -> the name Detoxify gives the label.
COLUMNS = {
    "toxic": "toxicity",
    "severe_toxic": "severe_toxicity",
    "obscene": "obscene",
    "threat": "threat",
    "insult": "insult",
    "identity_hate": "identity_attack",
}
T = TypeVar("T")
TARGETS = "targets: toxicity >= 0.98, mean >= 0.95, no label below 0.90"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--model", default="bundled", help="as MODERATION_TOXICITY_MODEL")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "evaluate-models")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--precision", default="auto", help="as MODERATION_INFERENCE_PRECISION")
    args = parser.parse_args()
    dev = pd.read_csv(args.data / "jigsaw_dev.csv.gz", dtype={"id": str}, keep_default_na=False)
    texts = dev.comment_text.tolist()

    started = time.perf_counter()
    scorer = load_toxicity_scorer(args.model, args.cache, args.batch_size, args.precision)
    load_seconds = time.perf_counter() - started
    ours, rate = timed(lambda: scorer.score(texts), len(texts))
    our_aucs = {col: roc_auc_score(dev[col], [s.scores[label] for s in ours]) for col, label in COLUMNS.items()}
    model_peak = peak_rss_mib()

    from profanity_check import predict_prob

    baseline, baseline_rate = timed(lambda: list(predict_prob(texts)), len(texts))
    baseline_aucs = {col: roc_auc_score(dev[col], baseline) for col in COLUMNS}

    print(f"\njigsaw_dev: {len(dev)} comments, column-wise ROC-AUC; {scorer.name} version {scorer.version}")
    print("| model | " + " | ".join(COLUMNS.values()) + " | mean | comments/s |")
    print("| --- " * (len(COLUMNS) + 3) + "|")
    print(row(f"ours ({args.model})", our_aucs, rate))
    print(row("alt-profanity-check (one score for all labels)", baseline_aucs, baseline_rate))
    print(f"\n{TARGETS}: {'met' if meets_targets(our_aucs) else 'NOT met'}")
    print(f"load {load_seconds:.1f} s; batches of {args.batch_size} through Detoxify.predict, sorted by length")
    print(
        f"peak RSS: {model_peak:.0f} MiB after loading and scoring with our model, {peak_rss_mib():.0f} MiB at the end"
    )


def timed(score: Callable[[], Sequence[T]], count: int) -> tuple[Sequence[T], float]:
    started = time.perf_counter()
    result = score()
    return result, count / (time.perf_counter() - started)


def row(name: str, aucs: dict[str, float], rate: float) -> str:
    cells = " | ".join(f"{aucs[c]:.3f}" for c in COLUMNS)
    return f"| {name} | {cells} | {np.mean(list(aucs.values())):.3f} | {rate:,.0f} |"


def meets_targets(aucs: dict[str, float]) -> bool:
    return aucs["toxic"] >= 0.98 and float(np.mean(list(aucs.values()))) >= 0.95 and min(aucs.values()) >= 0.90


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


if __name__ == "__main__":
    main()
