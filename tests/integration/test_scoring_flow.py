"""A comment's whole path: API -> RQ job run by a real worker -> real model scores -> policy decision."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar.testing import TestClient
from redis import Redis
from rq import Queue, Retry
from rq.job import Job
from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation import queue
from moderation.db.models import AuditEvent, Score
from moderation.services import policies
from tests.fixtures.comments import BENIGN, TOXIC, payload

Client = TestClient[Any]


def submit(client: Client, auth: dict[str, str], body: str, **extra: Any) -> dict[str, Any]:
    response = client.post("/v1/comments", json=payload(body, **extra), headers=auth)
    assert response.status_code == 202, response.text
    return dict(response.json())


def fetch(client: Client, auth: dict[str, str], comment_id: str) -> dict[str, Any]:
    return dict(client.get(f"/v1/comments/{comment_id}", headers=auth).json())


def test_a_clearly_toxic_comment_is_held_or_rejected_by_its_toxicity_score(
    client: Client, auth: dict[str, str], run_jobs: Any
) -> None:
    created = submit(client, auth, TOXIC)
    run_jobs()
    comment = fetch(client, auth, created["id"])
    assert comment["status"] in ("rejected", "pending_review")
    decision = comment["decision"]
    assert decision["outcome"] == comment["status"]
    assert decision["decided_by"] == "worker"
    assert decision["policy_version"] == 1
    toxicity = next(r for r in decision["reasons"] if r["code"] == "toxicity")
    assert comment["scores"]["toxicity"] == pytest.approx(toxicity["score"], abs=1e-3)
    assert comment["scores"]["toxicity"] >= toxicity["threshold"]
    if comment["status"] == "rejected":
        assert toxicity["band"] == "reject"
    elif comment["priority"] != "urgent":  # an urgent label (crisis) holds even a reject-band comment for a human
        assert toxicity["band"] == "review"


def test_a_benign_ms_forum_comment_is_published(client: Client, auth: dict[str, str], run_jobs: Any) -> None:
    created = submit(client, auth, BENIGN)
    run_jobs()
    comment = fetch(client, auth, created["id"])
    assert comment["status"] == "published"
    assert comment["decision"]["reasons"] == []
    assert comment["scores"]["toxicity"] < 0.5


def test_every_model_label_is_stored_with_its_model_and_version(
    client: Client, auth: dict[str, str], run_jobs: Any, db: Session
) -> None:
    created = submit(client, auth, BENIGN)
    run_jobs()
    rows = db.scalars(select(Score).where(Score.comment_id == uuid.UUID(created["id"]))).all()
    labels = {row.label for row in rows}
    assert {"toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack"} <= labels
    assert all(row.model and row.model_version for row in rows)
    assert all(0.0 <= row.value <= 1.0 for row in rows)


def test_each_state_change_is_audited(client: Client, auth: dict[str, str], run_jobs: Any, db: Session) -> None:
    created = submit(client, auth, BENIGN)
    run_jobs()
    events = db.scalars(
        select(AuditEvent).where(AuditEvent.comment_id == uuid.UUID(created["id"])).order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("comment.scoring", "received", "scoring"),
        ("comment.decided", "scoring", "published"),
    ]
    assert events[-1].details["policy_version"] == 1
    assert "toxicity" in events[-1].details["scores"]


def test_comments_waiting_together_are_scored_in_one_batch(
    client: Client, auth: dict[str, str], run_jobs: Any, redis: Redis
) -> None:
    ids = [submit(client, auth, f"Day {n}: fatigue is better after my nap.")["id"] for n in range(5)]
    run_jobs()
    statuses = {fetch(client, auth, cid)["status"] for cid in ids}
    assert statuses == {"published"}
    registry = Queue(queue.SCORING, connection=redis).finished_job_registry
    results = [Job.fetch(job_id, connection=redis).return_value() for job_id in registry.get_job_ids()]
    assert results == ["decided 5"]  # one job, one model call for the five


def test_the_feed_pages_decisions_in_order_with_a_cursor(client: Client, auth: dict[str, str], run_jobs: Any) -> None:
    ids = [submit(client, auth, text)["id"] for text in (BENIGN, TOXIC, "Baclofen helps my spasms at night.")]
    run_jobs()
    first = client.get("/v1/decisions", params={"limit": 2}, headers=auth).json()
    assert len(first["decisions"]) == 2
    assert first["has_more"] is True
    rest = client.get("/v1/decisions", params={"after": first["next_cursor"], "limit": 2}, headers=auth).json()
    assert len(rest["decisions"]) == 1
    assert rest["has_more"] is False
    entries = first["decisions"] + rest["decisions"]
    assert sorted(e["comment_id"] for e in entries) == sorted(ids)
    assert [e["id"] for e in entries] == sorted(e["id"] for e in entries)
    again = client.get("/v1/decisions", params={"after": rest["next_cursor"]}, headers=auth).json()
    assert again["decisions"] == []
    assert again["next_cursor"] == rest["next_cursor"]


def test_a_new_policy_version_decides_comments_scored_after_it(
    client: Client, auth: dict[str, str], run_jobs: Any, db: Session
) -> None:
    bands = policies.to_json(policies.current(db)) | {"toxicity": {"review_at": 0.0001, "reject_at": None}}
    policies.save(db, "post", bands, actor="test", note="hold everything")
    created = submit(client, auth, BENIGN)
    run_jobs()
    decision = fetch(client, auth, created["id"])["decision"]
    assert decision["policy_version"] == 2
    assert decision["outcome"] == "pending_review"
    policies.rollback(db, 1, actor="test")
    later = submit(client, auth, BENIGN + " Again.")
    run_jobs()
    assert fetch(client, auth, later["id"])["decision"]["policy_version"] == 1


class BrokenPipeline:
    def score(self, texts: list[str]) -> list[Any]:
        raise RuntimeError("model crashed")


def test_scoring_that_keeps_failing_sends_the_comment_to_review_never_publishes_it(
    client: Client, auth: dict[str, str], run_jobs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue, "SCORING_RETRY", Retry(max=3, interval=0))
    monkeypatch.setattr("workers.jobs.pipeline", lambda: BrokenPipeline())
    created = submit(client, auth, BENIGN)
    run_jobs()
    comment = fetch(client, auth, created["id"])
    assert comment["status"] == "pending_review"
    assert comment["decision"]["reasons"] == [{"code": "scoring_failed"}]
    assert comment["scores"] == {}
