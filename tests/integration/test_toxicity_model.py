"""The bundled toxicity model, assembled from scratch and loaded offline through Detoxify's own class,
exactly as workers load it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.fixtures.comments import BENIGN, TOXIC
from workers.scoring import toxicity
from workers.scoring.toxicity import ToxicityScorer, load_toxicity_scorer

LABELS = {"toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack"}


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("toxicity-cache")


@pytest.fixture(scope="module")
def scorer(cache_dir: Path) -> ToxicityScorer:
    return load_toxicity_scorer("bundled", cache_dir)


def test_it_is_detoxify_giving_every_label_in_range(scorer: ToxicityScorer) -> None:
    from detoxify import Detoxify

    assert isinstance(scorer.detoxify, Detoxify)
    assert scorer.name == "detoxify:bundled-minilm"
    results = scorer.score([BENIGN, TOXIC])
    assert len(results) == 2
    for result in results:
        assert set(result.scores) == LABELS
        assert all(isinstance(v, float) and 0.0 <= v <= 1.0 for v in result.scores.values())


def test_a_cruel_reply_scores_far_above_a_benign_one(scorer: ToxicityScorer) -> None:
    toxic, benign = scorer.score([TOXIC, BENIGN])
    assert toxic.scores["toxicity"] > 0.8
    assert benign.scores["toxicity"] < 0.2
    assert toxic.scores["toxicity"] > benign.scores["toxicity"]
    assert toxic.scores["insult"] > benign.scores["insult"]


def test_batches_give_the_same_scores_as_one_at_a_time_in_the_callers_order(scorer: ToxicityScorer) -> None:
    texts = [BENIGN, TOXIC, "Fatigue again.", "Baclofen helps my spasms at night, but I feel drowsy in the morning."]
    scorer_of_two = ToxicityScorer(scorer.detoxify, scorer.name, scorer.version, 2, scorer.precision)
    together = scorer_of_two.score(texts)
    alone = [scorer.score([t])[0] for t in texts]
    for a, b in zip(together, alone, strict=True):
        assert a.scores == pytest.approx(b.scores, abs=1e-3)


def test_a_long_post_is_read_to_its_end_in_windows_of_the_training_length(scorer: ToxicityScorer) -> None:
    manifest = json.loads((toxicity.SHIPPED / "manifest.json").read_text())
    assert scorer.detoxify.tokenizer.model_max_length == manifest["max_length"]
    story = "I walked to the shop and back again today with my new stick. " * 60
    (tokens,) = scorer.count_tokens([story + TOXIC])
    assert tokens > manifest["max_length"]
    windows = scorer.windows(story + TOXIC, tokens)
    assert len(windows) > 1
    assert all(tokens <= manifest["max_length"] - 2 for _, tokens in windows)
    assert TOXIC in windows[-1][0]
    calm, abuse_at_the_end, abuse_first = scorer.score([story, story + TOXIC, TOXIC + " " + story])
    assert calm.scores["toxicity"] < 0.2
    # Detoxify alone would read only the first 256 tokens and miss the abuse at the end.
    assert abuse_at_the_end.scores["toxicity"] > 0.8
    assert abuse_first.scores["toxicity"] > 0.8


def test_a_second_load_reuses_the_assembled_checkpoint(cache_dir: Path, scorer: ToxicityScorer) -> None:
    folder = cache_dir / f"toxicity-{scorer.version.split('+')[0]}"  # the version without its precision
    written = (folder / "model.ckpt").stat().st_mtime_ns
    again = load_toxicity_scorer("bundled", cache_dir)
    assert (again.name, again.version) == (scorer.name, scorer.version)
    assert (folder / "model.ckpt").stat().st_mtime_ns == written
    assert [p.name for p in cache_dir.iterdir()] == [folder.name]  # no half-built folders left behind


def test_a_damaged_assembled_checkpoint_is_rebuilt(tmp_path: Path, scorer: ToxicityScorer) -> None:
    folder, _ = toxicity.assemble_bundled(tmp_path)
    ckpt = folder / "model.ckpt"
    ckpt.write_bytes(ckpt.read_bytes()[:1000])
    rebuilt, _ = toxicity.assemble_bundled(tmp_path)
    assert rebuilt == folder
    (result,) = load_toxicity_scorer(str(folder), tmp_path / "unused").score([TOXIC])
    assert result.scores == pytest.approx(scorer.score([TOXIC])[0].scores, abs=1e-4)


def test_tampered_weights_are_refused_with_a_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = tmp_path / "shipped"
    shutil.copytree(toxicity.SHIPPED, shipped)
    weights = shipped / "weights.safetensors"
    weights.write_bytes(weights.read_bytes()[:-1] + b"\x00")
    monkeypatch.setattr(toxicity, "SHIPPED", shipped)
    with pytest.raises(ValueError, match=r"weights\.safetensors does not match its pinned SHA-256"):
        load_toxicity_scorer("bundled", tmp_path / "cache")
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


@pytest.mark.parametrize("model", ["no-such-model", "originall", "/nonexistent/toxicity-model"])
def test_unknown_models_and_bad_paths_are_refused_with_a_clear_message(tmp_path: Path, model: str) -> None:
    with pytest.raises(ValueError, match="neither 'bundled', a Detoxify model name") as raised:
        load_toxicity_scorer(model, tmp_path)
    assert "\n" not in str(raised.value)
    assert repr(model) in str(raised.value)
