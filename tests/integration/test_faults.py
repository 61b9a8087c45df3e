"""Break things on purpose: every comment answered 202 still reaches exactly one decision."""

from __future__ import annotations

import signal
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from redis import Redis
from rq import Queue
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from moderation import queue
from moderation.config import Settings
from moderation.db.models import Comment, Decision
from moderation.domain.states import Status
from moderation.services import ingest
from tests.fixtures.comments import payload
from tests.fixtures.processes import kill_group, start_worker

Client = TestClient[Any]
FINAL_OR_REVIEW = {Status.PUBLISHED.value, Status.REJECTED.value, Status.PENDING_REVIEW.value}


def submit_many(client: Client, auth: dict[str, str], count: int) -> list[str]:
    ids = []
    for n in range(count):
        response = client.post(
            "/v1/comments", json=payload(f"Comment {n}: my walking is better this week."), headers=auth
        )
        assert response.status_code == 202
        ids.append(response.json()["id"])
    return ids


def status_counts(db: Session) -> dict[str, int]:
    db.expire_all()
    return dict(db.execute(select(Comment.status, func.count()).group_by(Comment.status)).all())  # type: ignore[arg-type]


def decisions_per_comment(db: Session) -> set[int]:
    rows = db.execute(select(Decision.comment_id, func.count()).group_by(Decision.comment_id)).all()
    return {count for _, count in rows}


def test_redis_flushed_after_accepting_200_comments_all_are_decided_after_the_sweep(
    client: Client, auth: dict[str, str], run_jobs: Any, db: Session, redis: Redis, settings: Settings
) -> None:
    ids = submit_many(client, auth, 200)
    redis.flushdb()  # every queued job is gone
    run_jobs()
    assert status_counts(db) == {"received": 200}
    swept = queue.sweep(db, redis, replace(settings, scoring_timeout_seconds=0))
    assert swept["comments"] == 200
    run_jobs()
    counts = status_counts(db)
    assert sum(counts.values()) == 200
    assert set(counts) <= FINAL_OR_REVIEW
    assert decisions_per_comment(db) == {1}
    assert len(ids) == 200


def test_a_worker_killed_mid_batch_loses_nothing_and_decides_nothing_twice(
    client: Client,
    auth: dict[str, str],
    run_jobs: Any,
    db: Session,
    redis: Redis,
    settings: Settings,
    tmp_path: Path,
) -> None:
    submit_many(client, auth, 150)
    worker = start_worker(settings, redis, tmp_path / "worker.log")
    try:
        deadline = time.monotonic() + 120
        while status_counts(db).get("scoring", 0) == 0:
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "the worker never started scoring"
            time.sleep(0.01)
        kill_group(worker)  # SIGKILL, mid-batch
    finally:
        kill_group(worker)
    in_flight = status_counts(db).get("scoring", 0)
    assert in_flight > 0  # the kill really happened mid-batch
    queue.sweep(db, redis, replace(settings, scoring_timeout_seconds=0))
    run_jobs()
    counts = status_counts(db)
    assert sum(counts.values()) == 150
    assert set(counts) <= FINAL_OR_REVIEW
    assert decisions_per_comment(db) == {1}


def test_a_database_connection_dropped_mid_request_is_a_503_and_the_retry_succeeds_once(
    client: Client, engine: Engine, db: Session, forum_key: str, backend: str
) -> None:
    if backend != "server":
        pytest.skip("an embedded SQLite database has no connection to drop")
    headers = {"Authorization": f"Bearer {forum_key}"}
    assert client.post("/v1/comments", json=payload(), headers=headers).status_code == 202  # warm the pool
    data = payload()
    with engine.connect() as blocker, ThreadPoolExecutor(1) as pool:
        blocker.execute(text("LOCK TABLE comment IN EXCLUSIVE MODE"))  # the INSERT will wait on this lock
        pending = pool.submit(client.post, "/v1/comments", json=data, headers=headers)
        victim = wait_for_blocked_insert(engine)
        with engine.connect() as admin:  # as a database restart or a network cut would
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": victim})
        blocker.rollback()
        first = pending.result(timeout=30)
    assert first.status_code == 503
    assert first.json()["type"].endswith("/unavailable")
    assert "Retry-After" in first.headers
    retry = client.post("/v1/comments", json=data, headers=headers)
    assert retry.status_code == 202
    assert client.post("/v1/comments", json=data, headers=headers).status_code == 200
    assert status_counts(db) == {"received": 2}


def wait_for_blocked_insert(engine: Engine) -> int:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            pid = conn.scalar(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = :name AND wait_event_type = 'Lock'"
                    " AND query LIKE 'INSERT INTO comment%'"
                ),
                {"name": ingest.APPLICATION_NAME},
            )
        if pid:
            return int(pid)
        time.sleep(0.02)
    raise AssertionError("the INSERT never blocked")


def test_a_worker_asked_to_stop_during_a_backlog_hands_it_over_and_exits(
    client: Client, auth: dict[str, str], run_jobs: Any, db: Session, redis: Redis, settings: Settings, tmp_path: Path
) -> None:
    # A deploy restarts workers under load: the warm shutdown must not wait out a scoring job's whole
    # budget, and what it leaves must be finished by the next worker, once.
    submit_many(client, auth, 400)
    log = tmp_path / "worker.log"
    worker = start_worker(settings, redis, log)
    try:
        deadline = time.monotonic() + 120
        while status_counts(db).get("received", 0) == 400:
            assert worker.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, "the worker never started scoring"
            time.sleep(0.05)
        worker.send_signal(signal.SIGTERM)
        worker.wait(60)  # a scoring job's budget is 120 s; the batch in hand takes a few
        assert worker.returncode == 0, log.read_text()[-2000:]
    finally:
        kill_group(worker)
    left = status_counts(db).get("received", 0)
    assert 0 < left < 400, "the worker should stop before finishing the backlog"
    assert Queue(queue.SCORING, connection=redis).count >= 1  # the stopping worker queued a job for the next
    run_jobs()
    counts = status_counts(db)
    assert sum(counts.values()) == 400
    assert set(counts) <= FINAL_OR_REVIEW
    assert decisions_per_comment(db) == {1}
