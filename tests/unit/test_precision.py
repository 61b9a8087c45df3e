"""The encoders' number format: a setting an operator can force, `auto` choosing by the CPU."""

from __future__ import annotations

import pytest

from moderation.config import SettingsError, load_settings
from workers.scoring import precision


def test_auto_chooses_bfloat16_only_where_the_cpu_computes_it_natively(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(precision, "native_bfloat16", lambda: True)
    assert precision.resolve("auto") == "bfloat16"
    monkeypatch.setattr(precision, "native_bfloat16", lambda: False)
    assert precision.resolve("auto") == "float32"
    assert precision.resolve("bfloat16") == "bfloat16"  # forced by the operator, whatever the CPU


def test_the_precision_is_part_of_the_stored_model_version() -> None:
    assert precision.version_suffix("bfloat16") == "+bf16"
    assert precision.version_suffix("float32") == ""


def test_bfloat16_computes_close_to_float32() -> None:
    import torch

    layer = torch.nn.Linear(384, 384)
    x = torch.randn(8, 384)
    with precision.computing_in("bfloat16"):
        low = layer(x)
    with precision.computing_in("float32"):
        full = layer(x)
    assert low.dtype == torch.bfloat16
    assert full.dtype == torch.float32
    assert torch.nn.functional.cosine_similarity(low.float(), full).min() > 0.999


@pytest.mark.parametrize("value", ["fp16", "BF16", "half"])
def test_an_unknown_precision_stops_the_start_with_a_message_naming_the_setting(value: str) -> None:
    with pytest.raises(SettingsError, match="MODERATION_INFERENCE_PRECISION"):
        load_settings({"MODERATION_INFERENCE_PRECISION": value})
    with pytest.raises(ValueError, match="precision must be one of"):
        precision.resolve(value)
