"""Several worker processes share one queue and one database without deciding a comment twice."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from redis import Redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from moderation.config import Settings
from moderation.db.models import AuditEvent, Comment, Decision
from tests.fixtures.comments import payload
from tests.fixtures.processes import kill_group, start_worker


def test_two_concurrent_workers_never_decide_the_same_comment_twice(
    client: TestClient[Any],
    auth: dict[str, str],
    db: Session,
    redis: Redis,
    settings: Settings,
    tmp_path: Path,
    backend: str,
) -> None:
    if backend != "server":
        pytest.skip("scale-out is a PostgreSQL deployment; SQLite serialises writers anyway")
    total = 400
    for n in range(total):
        assert (
            client.post("/v1/comments", json=payload(f"Update {n}: the new chair helps."), headers=auth).status_code
            == 202
        )
    workers = [start_worker(settings, redis, tmp_path / f"worker-{i}.log", "--torch-threads", "1") for i in range(2)]
    try:
        deadline = time.monotonic() + 300
        while db.scalar(select(func.count(Decision.id))) < total:
            assert time.monotonic() < deadline, "not all comments were decided"
            assert all(w.poll() is None for w in workers), [
                (tmp_path / f"worker-{i}.log").read_text()[-2000:] for i in range(2)
            ]
            time.sleep(0.5)
            db.expire_all()
    finally:
        for worker in workers:
            kill_group(worker, signal.SIGTERM)
    per_comment = db.execute(select(Decision.comment_id, func.count()).group_by(Decision.comment_id)).all()
    assert len(per_comment) == total
    assert {count for _, count in per_comment} == {1}
    assert db.scalar(select(func.count(Comment.id)).where(Comment.status == "scoring")) == 0
    claims = db.scalars(select(AuditEvent.details).where(AuditEvent.action == "comment.scoring")).all()
    assert len(claims) == total  # every comment was claimed exactly once
    assert len({claim["worker"] for claim in claims}) == 2  # and both workers took a share
