"""Evaluate the toxicity model exactly as the service loads it, beside alt-profanity-check.

    .venv/bin/python training/evaluate_toxicity.py [--data ../shared/data] [--model bundled]

Prints per-label and mean column-wise ROC-AUC on jigsaw_dev, the same for alt-profanity-check
(one probability used for every label), scoring speed and the process's peak memory.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from workers.scoring.toxicity import load_toxicity_scorer

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = {
    "toxic": "toxicity",
    "severe_toxic": "severe_toxicity",
    "obscene": "obscene",
    "threat": "threat",
    "insult": "insult",
    "identity_hate": "identity_attack",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--model", default="bundled")
    args = parser.parse_args()
    dev = pd.read_csv(args.data / "jigsaw_dev.csv.gz", dtype={"id": str}, keep_default_na=False)
    texts = dev.comment_text.tolist()
    scorer = load_toxicity_scorer(args.model, Path(tempfile.gettempdir()) / "evaluate-models", batch_size=32)
    started = time.perf_counter()
    scores = scorer.score(texts)
    rate = len(texts) / (time.perf_counter() - started)
    ours = {col: roc_auc_score(dev[col], [s.scores[label] for s in scores]) for col, label in COLUMNS.items()}

    from profanity_check import predict_prob

    started = time.perf_counter()
    baseline_probs = predict_prob(texts)
    baseline_rate = len(texts) / (time.perf_counter() - started)
    baseline = {col: roc_auc_score(dev[col], baseline_probs) for col in COLUMNS}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"\njigsaw_dev ({len(dev)} comments), column-wise ROC-AUC; model {scorer.name} {scorer.version}")
    print("| model | " + " | ".join(COLUMNS.values()) + " | mean | comments/s |")
    print("| --- " * (len(COLUMNS) + 3) + "|")
    for name, aucs, speed in (
        ("ours (" + args.model + ")", ours, rate),
        ("alt-profanity-check", baseline, baseline_rate),
    ):
        cells = " | ".join(f"{aucs[c]:.3f}" for c in COLUMNS)
        print(f"| {name} | {cells} | {np.mean(list(aucs.values())):.3f} | {speed:,.0f} |")
    print(f"\npeak RSS of this process (model + data + baseline): {peak:.0f} MiB")


if __name__ == "__main__":
    main()
