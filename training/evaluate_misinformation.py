"""Evaluate the misinformation scorer as the service loads it: seed catalogue, shipped stance weights.

    /work/venv/bin/python training/evaluate_misinformation.py [--threshold 0.5]

Prints markdown tables: precision / recall / FPR at the threshold and ROC-AUC on the MS dev set
(training/data/misinfo_dev.jsonl, never used for training or tuning), false positives per kind, the
scorer's time for a batch of 64 comments, and a generalisation check on PUBHEALTH claims
(../shared/data/pubhealth_test.csv from the repo root), where an MS-only catalogue is expected to do
poorly: it says how far beyond MS the scorer reaches, not how good it is on MS.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections import Counter
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.metrics import roc_auc_score

from workers.scoring.claims import ClaimMatcher, load_catalogue
from workers.scoring.embeddings import SentenceEncoder

REPO = Path(__file__).resolve().parents[1]
DEV_FILE = REPO / "training" / "data" / "misinfo_dev.jsonl"
PUBHEALTH_FILE = REPO.parent / "shared" / "data" / "pubhealth_test.csv"
DEFAULT_THRESHOLD = 0.5  # the default policy's review_at for `misinformation`
TIMING_BATCH = 64


def rates(scores: npt.NDArray[np.float64], labels: npt.NDArray[np.int64], threshold: float) -> dict[str, float]:
    flagged = scores >= threshold
    tp = int((flagged & (labels == 1)).sum())
    fp = int((flagged & (labels == 0)).sum())
    return {
        "precision": tp / max(int(flagged.sum()), 1),
        "recall": tp / max(int((labels == 1).sum()), 1),
        "fpr": fp / max(int((labels == 0).sum()), 1),
        "roc_auc": float(roc_auc_score(labels, scores)),
    }


def recall_at_fpr(scores: npt.NDArray[np.float64], labels: npt.NDArray[np.int64], fpr: float) -> float:
    threshold = np.quantile(scores[labels == 0], 1 - fpr)
    return float((scores[labels == 1] > threshold).mean())


def timing_comments(dev_texts: list[str]) -> list[str]:
    """Typical forum comments: two to four dev sentences joined, a mix of on- and off-topic."""
    rng = np.random.default_rng(0)
    return [" ".join(rng.choice(dev_texts, size=int(rng.integers(2, 5)), replace=False)) for _ in range(TIMING_BATCH)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the machine is shared)")
    parser.add_argument("--show-errors", action="store_true", help="print misclassified dev sentences")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    torch.set_num_threads(args.threads)

    start = time.perf_counter()
    matcher = ClaimMatcher(SentenceEncoder(), load_catalogue())
    print(f"matcher {matcher.name} {matcher.version} built in {time.perf_counter() - start:.1f} s\n")

    rows = [json.loads(line) for line in DEV_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    results = matcher.score([row["text"] for row in rows])
    scores = np.array([r.scores["misinformation"] for r in results])
    labels = np.array([row["label"] for row in rows])
    m = rates(scores, labels, args.threshold)
    top_claim = [r.evidence[0].claim_id if r.evidence else None for r in results]
    hits = [i for i, row in enumerate(rows) if row["label"] == 1 and scores[i] >= args.threshold]
    right_claim = sum(top_claim[i] == rows[i]["claim"] for i in hits)
    positives, negatives = int(labels.sum()), int((labels == 0).sum())
    print(f"## MS dev set ({len(rows)} sentences: {positives} misinformation, {negatives} not)\n")
    print("| threshold | precision | recall | FPR | ROC-AUC | recall at 5% FPR | right claim among hits |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {args.threshold} | {m['precision']:.3f} | {m['recall']:.3f} | {m['fpr']:.3f} | {m['roc_auc']:.3f} "
        f"| {recall_at_fpr(scores, labels, 0.05):.3f} | {right_claim}/{len(hits)} |\n"
    )
    print("| threshold | precision | recall | FPR |\n|---|---|---|---|")
    for t in (0.3, 0.4, 0.5, 0.6, 0.7):
        r = rates(scores, labels, t)
        print(f"| {t} | {r['precision']:.3f} | {r['recall']:.3f} | {r['fpr']:.3f} |")
    kinds = Counter(row["kind"] for row in rows)
    flagged = Counter(row["kind"] for row, s in zip(rows, scores, strict=True) if s >= args.threshold)
    print("\n| kind | sentences | flagged at threshold |\n|---|---|---|")
    for kind, count in kinds.most_common():
        print(f"| {kind} | {count} | {flagged[kind]} |")
    if args.show_errors:
        for row, s, claim in zip(rows, scores, top_claim, strict=True):
            if (s >= args.threshold) != bool(row["label"]):
                print(f"  {row['label']} {s:.2f} {row['kind']:10s} {claim} | {row['text']}")

    comments = timing_comments([row["text"] for row in rows])
    matcher.score(comments[:4])  # warm-up
    start = time.perf_counter()
    matcher.score(comments)
    elapsed = time.perf_counter() - start
    print(
        f"\n## Time\n\n{TIMING_BATCH} comments ({sum(len(c) for c in comments) // TIMING_BATCH} characters on "
        f"average), {args.threads} torch thread(s): {elapsed:.2f} s per batch, "
        f"{1000 * elapsed / TIMING_BATCH:.1f} ms per comment\n"
    )

    if not PUBHEALTH_FILE.exists():
        print(f"{PUBHEALTH_FILE} not found: PUBHEALTH check skipped")
        return
    import pandas as pd

    frame = pd.read_csv(PUBHEALTH_FILE, keep_default_na=False)
    frame = frame[frame["label"].isin(["true", "false"])]
    ph = np.array([r.scores["misinformation"] for r in matcher.score(frame["claim"].tolist())])
    is_false = (frame["label"] == "false").to_numpy().astype(np.int64)
    print(f"## PUBHEALTH test claims (true {int((is_false == 0).sum())}, false {int(is_false.sum())})\n")
    print("| ROC-AUC false vs true | flagged among false | flagged among true |\n|---|---|---|")
    print(
        f"| {roc_auc_score(is_false, ph):.3f} | {(ph[is_false == 1] >= args.threshold).mean():.3f} "
        f"| {(ph[is_false == 0] >= args.threshold).mean():.3f} |"
    )


if __name__ == "__main__":
    main()
