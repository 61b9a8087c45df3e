"""The forum's side of POST/GET /v1/comments, through the real app on a real database and Redis."""

from __future__ import annotations

import threading
from typing import Any

from litestar.testing import TestClient
from redis import Redis
from rq import Queue
from sqlalchemy.orm import Session

from moderation.services import api_keys
from tests.fixtures.comments import payload

Client = TestClient[Any]


def test_submit_answers_202_with_the_comment_received_and_wakes_the_scorers_once(
    client: Client, auth: dict[str, str], redis: Redis
) -> None:
    data = payload()
    response = client.post("/v1/comments", json=data, headers=auth)
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "received"
    assert body["external_id"] == data["external_id"]
    assert body["decision"] is None
    assert Queue("scoring", connection=redis).count == 1
    client.post("/v1/comments", json=payload(), headers=auth)
    assert Queue("scoring", connection=redis).count == 1  # the waiting job will claim both comments


def test_same_external_id_and_body_again_returns_200_and_the_same_comment(
    client: Client, auth: dict[str, str], redis: Redis
) -> None:
    data = payload()
    first = client.post("/v1/comments", json=data, headers=auth).json()
    again = client.post("/v1/comments", json=data, headers=auth)
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    assert Queue("scoring", connection=redis).count == 1  # no second job for a repeat


def test_same_external_id_with_another_body_is_a_409_problem(client: Client, auth: dict[str, str]) -> None:
    data = payload()
    client.post("/v1/comments", json=data, headers=auth)
    response = client.post("/v1/comments", json={**data, "body": "edited text"}, headers=auth)
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/duplicate-comment")


def test_no_key_or_a_bad_key_is_401(client: Client, forum_key: str) -> None:
    assert client.post("/v1/comments", json=payload()).status_code == 401
    bad = client.post("/v1/comments", json=payload(), headers={"Authorization": "Bearer mod_nope_nope"})
    assert bad.status_code == 401
    assert bad.json()["title"] == "Missing or invalid credentials"
    tampered = client.post("/v1/comments", json=payload(), headers={"Authorization": f"Bearer {forum_key}x"})
    assert tampered.status_code == 401


def test_a_revoked_key_is_401(client: Client, db: Session, auth: dict[str, str], forum_key: str) -> None:
    api_keys.revoke_key(db, forum_key.split("_")[1], actor="test")
    assert client.post("/v1/comments", json=payload(), headers=auth).status_code == 401


def test_a_body_over_the_limit_is_413(client: Client, auth: dict[str, str]) -> None:
    response = client.post("/v1/comments", json=payload(body="a" * 20_001), headers=auth)
    assert response.status_code == 413
    assert "20000" in response.json()["detail"]


def test_a_request_over_the_byte_limit_is_413(client: Client, auth: dict[str, str]) -> None:
    response = client.post("/v1/comments", json=payload(metadata={"x": "y" * 300_000}), headers=auth)
    assert response.status_code == 413


def test_missing_wrong_and_unknown_fields_are_422_with_field_errors(client: Client, auth: dict[str, str]) -> None:
    missing = {k: v for k, v in payload().items() if k != "thread_id"}
    cases = [missing, payload(body=42), {**payload(), "colour": "red"}, payload(body=""), payload(body="   ")]
    for case in cases:
        response = client.post("/v1/comments", json=case, headers=auth)
        assert response.status_code == 422, case
        problem = response.json()
        assert problem["status"] == 422
        assert problem["errors"], problem
    assert client.post("/v1/comments", content=b"{not json", headers=auth).status_code in (400, 422)


def test_control_characters_are_refused(client: Client, auth: dict[str, str]) -> None:
    response = client.post("/v1/comments", json=payload(body="hello\x00world"), headers=auth)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"


def test_a_long_body_ending_in_control_characters_is_answered_at_once(client: Client, auth: dict[str, str]) -> None:
    # A backtracking pattern once took minutes of CPU on this request: one poster could stall the API.
    answers: list[int] = []
    body = "a" * 200_000 + "\x01\x01"
    request = threading.Thread(
        target=lambda: answers.append(client.post("/v1/comments", json=payload(body=body), headers=auth).status_code)
    )
    request.start()
    request.join(timeout=30)
    assert answers in ([413], [422])


def test_read_back_by_id_and_by_external_id(client: Client, auth: dict[str, str]) -> None:
    data = payload()
    created = client.post("/v1/comments", json=data, headers=auth).json()
    by_id = client.get(f"/v1/comments/{created['id']}", headers=auth)
    by_external = client.get("/v1/comments", params={"external_id": data["external_id"]}, headers=auth)
    assert by_id.status_code == by_external.status_code == 200
    assert by_id.json() == by_external.json()
    assert by_id.json()["status"] == "received"
    assert client.get("/v1/comments", params={"external_id": "nope"}, headers=auth).status_code == 404
    assert client.get("/v1/comments/00000000-0000-0000-0000-000000000000", headers=auth).status_code == 404


def test_a_forum_cannot_read_another_forums_comment(client: Client, auth: dict[str, str], db: Session) -> None:
    created = client.post("/v1/comments", json=payload(), headers=auth).json()
    other = api_keys.create_key(db, "another-forum", actor="test").plaintext
    response = client.get(f"/v1/comments/{created['id']}", headers={"Authorization": f"Bearer {other}"})
    assert response.status_code == 404


def test_health_ready_schema_and_metrics(client: Client, auth: dict[str, str]) -> None:
    client.post("/v1/comments", json=payload(), headers=auth)
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json() == {"status": "ready", "database": "ok", "redis": "ok"}
    schema = client.get("/schema/openapi.json").json()
    assert "/v1/comments" in schema["paths"]
    assert "/v1/decisions" in schema["paths"]
    metrics = client.get("/metrics").text
    assert 'moderation_comments{status="received"} 1.0' in metrics
    assert 'moderation_queue_jobs{queue="scoring"} 1.0' in metrics
