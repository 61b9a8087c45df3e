"""Shared fixtures. Integration tests run twice: on the machine's PostgreSQL + Redis ("server") and on
the embedded default a newcomer gets (SQLite + embedded Redis), with the same migrations and code."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
# One model cache for the whole run: the toxicity checkpoint is assembled once, not per test.
MODEL_DIR = Path(os.environ.get("MODERATION_TEST_MODEL_DIR", REPO / "var" / "test-models"))


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def model_dir() -> Path:
    MODEL_DIR.mkdir(parents=True, exist_ok=True)
    return MODEL_DIR
