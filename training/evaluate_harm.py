"""Evaluate the shipped health-harm scorer on training/data/harm_dev.jsonl, loaded as the service loads it.

    /work/venv/bin/python training/evaluate_harm.py [--data FILE] [--threshold crisis=0.2 ...]

Prints markdown: per label precision, recall and false-positive rate at the review threshold, ROC-AUC,
recall per kind of positive, false alarms per kind of negative, then every miss and false alarm.
The dev set is for reporting, not tuning: thresholds come from train_harm.py's out-of-fold scores.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

from workers.scoring.embeddings import SentenceEncoder
from workers.scoring.harm import LABELS, HarmScorer

REPO = Path(__file__).resolve().parents[1]
DEV_FILE = REPO / "training" / "data" / "harm_dev.jsonl"
PROTOTYPES_FILE = REPO / "moderation" / "seeds" / "harm_prototypes.json"
SWEEP = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def parse_thresholds(pairs: list[str]) -> dict[str, float]:
    return {label: float(value) for label, value in (pair.split("=", 1) for pair in pairs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEV_FILE)
    parser.add_argument("--threshold", nargs="*", default=[], help="label=value, overriding the shipped review_at")
    parser.add_argument("--quiet", action="store_true", help="tables only, no lists of misses and false alarms")
    args = parser.parse_args()
    torch.set_num_threads(1)

    rows = [json.loads(line) for line in args.data.read_text().splitlines() if line.strip()]
    scorer = HarmScorer(SentenceEncoder(), json.loads(PROTOTYPES_FILE.read_text()))
    thresholds = scorer.review_at | parse_thresholds(args.threshold)
    results = scorer.score([row["text"] for row in rows])
    scores = np.array([[r.scores[label] for label in LABELS] for r in results])
    truth = np.array([[row[label] for label in LABELS] for row in rows])

    print(f"scorer `{scorer.name}` version `{scorer.version}`, {len(rows)} texts from {args.data.name}\n")
    # "clean" negatives carry neither label: a crisis flag on dangerous advice still sends it to review rightly
    clean = truth.sum(axis=1) == 0
    print("| label | review_at | positives | negatives | precision | recall | FPR | FPR (clean negatives) | ROC-AUC |")
    print("|---|---|---|---|---|---|---|---|---|")
    for li, label in enumerate(LABELS):
        y, flagged = truth[:, li] == 1, scores[:, li] >= thresholds[label]
        tp, fp = int((flagged & y).sum()), int((flagged & ~y).sum())
        precision = tp / max(tp + fp, 1)
        print(
            f"| {label} | {thresholds[label]:.2f} | {int(y.sum())} | {int((~y).sum())} | {precision:.3f} "
            f"| {tp / y.sum():.3f} | {fp / (~y).sum():.3f} | {(flagged & clean).sum() / clean.sum():.3f} "
            f"| {roc_auc_score(y, scores[:, li]):.3f} |"
        )

    print("\nOther operating points (read off this set: choosing by them tunes on it)\n")
    print("| label | threshold | recall | FPR |")
    print("|---|---|---|---|")
    for li, label in enumerate(LABELS):
        y = truth[:, li] == 1
        for threshold in SWEEP:
            flagged = scores[:, li] >= threshold
            print(f"| {label} | {threshold:.2f} | {flagged[y].mean():.3f} | {flagged[~y].mean():.3f} |")

    for li, label in enumerate(LABELS):
        flagged = scores[:, li] >= thresholds[label]
        hits: Counter[str] = Counter()
        totals: Counter[str] = Counter()
        for row, flag in zip(rows, flagged, strict=True):
            totals[row["kind"]] += 1
            hits[row["kind"]] += int(flag)
        print(f"\n`{label}` flagged per kind (positives of this label first)\n")
        print("| kind | flagged / texts |")
        print("|---|---|")
        for kind in sorted(totals, key=lambda k: (not any(r[label] for r in rows if r["kind"] == k), k)):
            print(f"| {kind} | {hits[kind]} / {totals[kind]} |")

    if args.quiet:
        return
    for li, label in enumerate(LABELS):
        misses = [(s, r) for s, r in zip(scores[:, li], rows, strict=True) if r[label] and s < thresholds[label]]
        alarms = [(s, r) for s, r in zip(scores[:, li], rows, strict=True) if not r[label] and s >= thresholds[label]]
        print(f"\n`{label}` misses ({len(misses)})\n")
        for s, r in sorted(misses, key=lambda x: x[0]):
            print(f"- {s:.2f} [{r['kind']}] {r['text']}")
        print(f"\n`{label}` false alarms ({len(alarms)})\n")
        for s, r in sorted(alarms, key=lambda x: -x[0]):
            print(f"- {s:.2f} [{r['kind']}] {r['text']}")


if __name__ == "__main__":
    main()
