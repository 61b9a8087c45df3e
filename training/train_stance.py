"""Re-create workers/scoring/models/stance.npz from training/data/stance_train.jsonl.

    /work/venv/bin/python training/train_stance.py [--c 0.03] [--written-weight 3]

Sentences are matched to the seed catalogue exactly as the scorer does at run time (same clauses,
same nearest claim), so the classifier trains on the features it will see. Most training rows wrap
catalogue wording in stance templates; those are easy, so cross-validation is reported separately on
the hand-written rows (no catalogue wording inside), grouped by claim so a fold never sees its claims.
Hand-written rows also get a larger sample weight: they are what forum posts look like.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold
from sklearn.preprocessing import StandardScaler

from workers.scoring.claims import CatalogueClaim, CatalogueIndex, load_catalogue, match_sentences
from workers.scoring.embeddings import SentenceEncoder
from workers.scoring.stance import DEFAULT_WEIGHTS, FEATURE_VERSION, STANCES, features

REPO = Path(__file__).resolve().parents[1]
TRAIN_FILE = REPO / "training" / "data" / "stance_train.jsonl"
GATE_WIDTH = 0.04
# The gate should only cut what is plainly off-topic: centre it a little below the similarity of the
# least similar hand-written assertions, so stance, not topic distance, decides near-topic sentences.
GATE_QUANTILE = 0.02


def written_by_hand(text: str, claims: list[CatalogueClaim]) -> bool:
    lowered = text.lower()
    return not any(t.lower().strip().rstrip(".!")[1:] in lowered for c in claims for t in (c.statement, *c.variants))


def recall_at_fpr(p: npt.NDArray[np.float64], y: npt.NDArray[np.int64], fpr: float) -> float:
    threshold = np.quantile(p[y == 0], 1 - fpr)
    return float((p[y == 1] > threshold).mean())


def fit(
    x: npt.NDArray[np.float32], y: npt.NDArray[np.str_], w: npt.NDArray[np.float64], c: float
) -> tuple[StandardScaler, LogisticRegression]:
    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=c, max_iter=3000).fit(scaler.transform(x), y, sample_weight=w)
    return scaler, model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, default=TRAIN_FILE)
    parser.add_argument("--out", type=Path, default=DEFAULT_WEIGHTS)
    parser.add_argument("--c", type=float, default=0.03, help="inverse L2 strength of the logistic regression")
    parser.add_argument("--written-weight", type=float, default=3.0, help="sample weight of hand-written rows")
    args = parser.parse_args()

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    torch.set_num_threads(1)  # the machine is shared; encoding ~2.5k sentences takes well under a minute

    claims = load_catalogue()
    rows = [json.loads(line) for line in args.train.read_text(encoding="utf-8").splitlines() if line.strip()]
    encoder = SentenceEncoder()
    index = CatalogueIndex.build(encoder, claims)
    texts = [row["text"] for row in rows]
    matches = match_sentences(index, encoder, texts, encoder.encode(texts), floor=-1.0)
    x = np.stack([features(m.stance_input) for m in matches])
    sims = np.array([m.similarity for m in matches])
    y = np.array([row["label"] for row in rows])
    is_assert = (y == "assert").astype(np.int64)
    written = np.array([written_by_hand(t, claims) for t in texts])
    weights = np.where(written, args.written_weight, 1.0)
    groups = np.array([row["claim"] or f"none-{i % 5}" for i, row in enumerate(rows)])

    p = np.zeros(len(rows))
    for train, test in GroupKFold(n_splits=5).split(x, y, groups):
        scaler, model = fit(x[train], y[train], weights[train], args.c)
        p[test] = model.predict_proba(scaler.transform(x[test]))[:, list(model.classes_).index("assert")]
    counts = {str(label): int(n) for label, n in zip(*np.unique(y, return_counts=True), strict=True)}
    print(f"rows {len(rows)} ({int(written.sum())} hand-written); labels {counts}")
    for name, mask in (("all rows", np.ones(len(rows), bool)), ("hand-written rows", written)):
        print(
            f"grouped 5-fold CV, {name}: ROC-AUC {roc_auc_score(is_assert[mask], p[mask]):.3f}, "
            f"recall at 5% FPR {recall_at_fpr(p[mask], is_assert[mask], 0.05):.3f}, "
            f"P(assert)>0.5: recall {(p[mask & (is_assert == 1)] > 0.5).mean():.3f} "
            f"FPR {(p[mask & (is_assert == 0)] > 0.5).mean():.3f}"
        )

    written_asserts = sims[written & (is_assert == 1)]
    gate_center = float(np.quantile(written_asserts, GATE_QUANTILE)) - GATE_WIDTH
    print(f"similarity of hand-written assertions: 2%/50% quantiles {np.quantile(written_asserts, [0.02, 0.5])}")
    print(f"similarity of 'other' rows: 50%/90% quantiles {np.quantile(sims[y == 'other'], [0.5, 0.9])}")
    print(f"topic gate centre {gate_center:.3f}, width {GATE_WIDTH}")

    scaler, model = fit(x, y, weights, args.c)
    classes = [str(c) for c in model.classes_]
    assert set(classes) <= set(STANCES), classes
    digest = hashlib.sha256(args.train.read_bytes() + f"{args.c}/{args.written_weight}".encode()).hexdigest()[:10]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out,
        weights=model.coef_.astype(np.float32),
        bias=model.intercept_.astype(np.float32),
        mean=scaler.mean_.astype(np.float32),
        scale=scaler.scale_.astype(np.float32),
        classes=np.array(classes),
        version=np.array(f"v{FEATURE_VERSION}-{digest}"),
        feature_version=np.array(FEATURE_VERSION),
        gate_center=np.array(gate_center, dtype=np.float32),
        gate_width=np.array(GATE_WIDTH, dtype=np.float32),
    )
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB), version v{FEATURE_VERSION}-{digest}")


if __name__ == "__main__":
    main()
