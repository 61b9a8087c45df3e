"""Reader reports and per-key rate limits, through the API."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from litestar.testing import TestClient
from sqlalchemy.orm import Session

from moderation.api.app import create_app
from moderation.config import Settings
from moderation.services import api_keys
from tests.fixtures.comments import BENIGN, payload

Client = TestClient[Any]


def publish(client: Client, auth: dict[str, str], run_jobs: Any, body: str = BENIGN) -> str:
    created = client.post("/v1/comments", json=payload(body), headers=auth).json()
    run_jobs()
    assert client.get(f"/v1/comments/{created['id']}", headers=auth).json()["status"] == "published"
    return str(created["id"])


def report(client: Client, auth: dict[str, str], comment_id: str, reporter: str) -> dict[str, Any]:
    response = client.post(
        f"/v1/comments/{comment_id}/reports", json={"reporter_id": reporter, "reason": "rude"}, headers=auth
    )
    assert response.status_code == 202, response.text
    return dict(response.json())


def test_enough_reports_send_a_published_comment_back_to_review(
    client: Client, auth: dict[str, str], run_jobs: Any
) -> None:
    comment_id = publish(client, auth, run_jobs)
    assert report(client, auth, comment_id, "reader-1")["status"] == "published"
    assert report(client, auth, comment_id, "reader-1")["reports"] == 1  # one report per reader
    assert report(client, auth, comment_id, "reader-2")["status"] == "published"
    third = report(client, auth, comment_id, "reader-3")
    assert third == {"comment_id": comment_id, "reports": 3, "status": "pending_review", "sent_to_review": True}
    comment = client.get(f"/v1/comments/{comment_id}", headers=auth).json()
    assert comment["decision"]["reasons"] == [{"code": "reported", "reports": 3}]
    feed = client.get("/v1/decisions", headers=auth).json()["decisions"]
    assert [d["outcome"] for d in feed] == ["published", "pending_review"]


def test_a_forum_cannot_report_another_forums_comment(
    client: Client, auth: dict[str, str], run_jobs: Any, db: Session
) -> None:
    comment_id = publish(client, auth, run_jobs)
    other = {"Authorization": f"Bearer {api_keys.create_key(db, 'other', actor='test').plaintext}"}
    response = client.post(f"/v1/comments/{comment_id}/reports", json={"reporter_id": "x"}, headers=other)
    assert response.status_code == 404


def test_a_key_over_its_rate_gets_429_with_retry_after(settings: Settings, db: Session, redis: Any) -> None:
    limited = replace(settings, api_rate_per_minute=3)
    key = api_keys.create_key(db, "busy-forum", actor="test").plaintext
    with TestClient(create_app(limited, redis=redis)) as client:
        headers = {"Authorization": f"Bearer {key}"}
        answers = [client.get("/v1/decisions", headers=headers) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
    assert answers[-1].json()["type"].endswith("/rate-limited")


def test_two_api_processes_together_admit_no_more_than_the_limit(settings: Settings, db: Session, redis: Any) -> None:
    # Each process takes requests from the shared counter in blocks; a busy key must still stop at its limit.
    limited = replace(settings, api_rate_per_minute=400)
    key = api_keys.create_key(db, "bursty-forum", actor="test").plaintext
    headers = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(limited, redis=redis)) as first, TestClient(create_app(limited, redis=redis)) as second:
        for client in (first, second):  # one window for the whole burst, wherever the minute boundary falls
            client.app.state.rate_limiter.clock = lambda: 6_000_030.0 + random.random()
        answers = [
            client.get("/v1/decisions?limit=1", headers=headers) for _ in range(300) for client in (first, second)
        ]
    admitted = sum(a.status_code == 200 for a in answers)
    refused = [a for a in answers if a.status_code == 429]
    assert admitted + len(refused) == 600
    # At most 1 % of the limit per process may be left unspent in a block when the key runs dry.
    assert 400 - 2 * 4 <= admitted <= 400
    assert all(a.headers["Retry-After"] for a in refused)
