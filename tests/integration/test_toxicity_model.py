"""The bundled toxicity model, loaded offline through Detoxify's own class exactly as workers load it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.fixtures.comments import BENIGN, TOXIC
from workers.scoring import toxicity
from workers.scoring.toxicity import ToxicityScorer, load_toxicity_scorer

LABELS = {"toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack"}


@pytest.fixture(scope="module")
def scorer(model_dir: Path) -> ToxicityScorer:
    return load_toxicity_scorer("bundled", model_dir)


def test_it_is_detoxify_giving_every_label_in_range(scorer: ToxicityScorer) -> None:
    from detoxify import Detoxify

    assert isinstance(scorer.detoxify, Detoxify)
    (result,) = scorer.score([BENIGN])
    assert set(result.scores) == LABELS
    assert all(0.0 <= v <= 1.0 for v in result.scores.values())


def test_a_cruel_reply_scores_far_above_a_benign_one(scorer: ToxicityScorer) -> None:
    toxic, benign = scorer.score([TOXIC, BENIGN])
    assert toxic.scores["toxicity"] > 0.8
    assert benign.scores["toxicity"] < 0.2
    assert toxic.scores["insult"] > benign.scores["insult"]


def test_batches_give_the_same_scores_as_one_at_a_time_in_the_callers_order(scorer: ToxicityScorer) -> None:
    texts = [BENIGN, TOXIC, "Fatigue again.", "Baclofen helps my spasms at night, but I feel drowsy in the morning."]
    together = scorer.score(texts)
    alone = [scorer.score([t])[0] for t in texts]
    for a, b in zip(together, alone, strict=True):
        assert a.scores == pytest.approx(b.scores, abs=1e-3)


def test_a_second_load_reuses_the_assembled_checkpoint(model_dir: Path, scorer: ToxicityScorer) -> None:
    folder, version = toxicity.assemble_bundled(model_dir)
    before = (folder / "model.ckpt").stat().st_mtime_ns
    again, same_version = toxicity.assemble_bundled(model_dir)
    assert (again, same_version) == (folder, version) == (folder, scorer.version)
    assert (folder / "model.ckpt").stat().st_mtime_ns == before


def test_tampered_weights_and_unknown_models_are_refused_with_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = tmp_path / "shipped"
    shutil.copytree(toxicity.SHIPPED, shipped)
    weights = shipped / "weights.safetensors"
    weights.write_bytes(weights.read_bytes()[:-1] + b"\x00")
    monkeypatch.setattr(toxicity, "SHIPPED", shipped)
    with pytest.raises(ValueError, match="pinned SHA-256"):
        load_toxicity_scorer("bundled", tmp_path / "cache")
    with pytest.raises(ValueError, match="neither 'bundled', a Detoxify model name"):
        load_toxicity_scorer("no-such-model", tmp_path / "cache")
