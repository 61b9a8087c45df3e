"""Shared set-up for the benchmarks: a fresh PostgreSQL database, Redis, real comments, service processes."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import psycopg

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
RESULTS = ROOT / "bench" / "results"
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = "moderation_bench"
DB_URL = f"postgresql://postgres@127.0.0.1:5432/{DB_NAME}"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
CLI = [sys.executable, "-m", "moderation.cli"]


def real_comments(count: int) -> list[str]:
    """Real forum-like comments: the Jigsaw training texts (Wikipedia talk pages), in file order."""
    with gzip.open(SHARED / "data" / "jigsaw_train.csv.gz", "rt") as f:
        frame = pd.read_csv(f, dtype={"id": str}, keep_default_na=False)
    texts = [t.strip() for t in frame["comment_text"].tolist() if t.strip()]
    return texts[:count]


def service_env(**extra: str) -> dict[str, str]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    return (
        os.environ
        | {
            "MODERATION_DATABASE_URL": DB_URL,
            "MODERATION_REDIS_URL": REDIS_URL,
            "MODERATION_API_RATE_PER_MINUTE": "100000000",
            "MODERATION_SESSION_SECRET": "bench-secret-bench-secret-bench-secret",
            "MODERATION_DATA_DIR": str(RESULTS / "var"),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
        }
        | extra
    )


def fresh_service() -> str:
    """A new database, migrated, an empty Redis database, and a forum key (returned)."""
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    env = service_env()
    subprocess.run([*CLI, "migrate"], env=env, check=True, capture_output=True)
    subprocess.run(["redis-cli", "-u", REDIS_URL, "flushdb"], check=True, capture_output=True)
    out = subprocess.run(
        [*CLI, "create-api-key", "--forum", "bench"], env=env, check=True, capture_output=True, text=True
    ).stdout
    return out.strip().splitlines()[-1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")
