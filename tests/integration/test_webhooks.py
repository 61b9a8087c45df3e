"""Decisions reach the forum as signed webhooks, at least once, de-duplicable, agreeing with the feed."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from redis import Redis
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from moderation import queue, webhooks
from moderation.config import Settings
from moderation.crypto import MultiFernet
from moderation.db.models import DeliveryAttempt, WebhookDelivery
from moderation.services import api_keys
from tests.fixtures.comments import BENIGN, TOXIC, payload
from tests.fixtures.receiver import Receiver

Client = TestClient[Any]
SECRET = "forum-webhook-secret"


@pytest.fixture
def hooked_auth(db: Session, receiver: Receiver, cipher: MultiFernet) -> dict[str, str]:
    key = api_keys.create_key(
        db, "hooked-forum", actor="test", webhook_url=receiver.url, webhook_secret=SECRET, cipher=cipher
    )
    return {"Authorization": f"Bearer {key.plaintext}"}


def drain_webhooks(db: Session, redis: Redis, settings: Settings, run_jobs: Any, rounds: int = 10) -> None:
    """Let time pass for retries: make waiting deliveries due, sweep, and run the jobs, until none wait."""
    for _ in range(rounds):
        run_jobs()
        db.expire_all()
        pending = db.scalars(select(WebhookDelivery.id).where(WebhookDelivery.status == "pending")).all()
        if not pending:
            return
        db.execute(update(WebhookDelivery).values(next_attempt_at=datetime.now(UTC) - timedelta(hours=1)))
        db.commit()
        queue.sweep(db, redis, settings)
    raise AssertionError("webhook deliveries still pending")


def verify(raw: bytes, header: str) -> bool:
    expected = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


def test_each_final_decision_is_posted_signed_with_a_delivery_id(
    client: Client,
    hooked_auth: dict[str, str],
    run_jobs: Any,
    receiver: Receiver,
    db: Session,
    redis: Redis,
    settings: Settings,
) -> None:
    ids = [client.post("/v1/comments", json=payload(b), headers=hooked_auth).json()["id"] for b in (BENIGN, TOXIC)]
    drain_webhooks(db, redis, settings, run_jobs)
    delivered = {k: r for k, r in receiver.unique_deliveries().items() if r["json"]["event"] == "decision"}
    toxic_status = client.get(f"/v1/comments/{ids[1]}", headers=hooked_auth).json()["status"]
    expected = 2 if toxic_status == "rejected" else 1  # a comment held for review is not final yet
    assert len(delivered) == expected
    for request in receiver.accepted():
        assert verify(request["raw"], request["headers"]["X-Moderation-Signature"])
        assert request["json"]["delivery_id"] == request["headers"]["X-Moderation-Delivery"]
    published = next(r["json"] for r in delivered.values() if r["json"]["comment"]["id"] == ids[0])
    assert published["outcome"] == "published"
    assert published["comment"]["external_id"].startswith("c-")


def test_a_failing_receiver_gets_every_decision_exactly_once_after_retries_and_the_feed_agrees(
    client: Client,
    hooked_auth: dict[str, str],
    run_jobs: Any,
    receiver: Receiver,
    db: Session,
    redis: Redis,
    settings: Settings,
) -> None:
    receiver.failures_left = 7
    submitted = 12
    for n in range(submitted):
        client.post("/v1/comments", json=payload(f"{BENIGN} Week {n}."), headers=hooked_auth)
    drain_webhooks(db, redis, settings, run_jobs)
    delivered = receiver.unique_deliveries()
    assert len(delivered) == submitted
    assert len(receiver.requests) == submitted + 7  # the 500s were retried, nothing else was sent twice
    assert len({r["json"]["decision_id"] for r in delivered.values()}) == submitted
    feed = client.get("/v1/decisions", params={"limit": 100}, headers=hooked_auth).json()["decisions"]
    assert {d["id"] for d in feed} == {r["json"]["decision_id"] for r in delivered.values()}
    attempts = db.scalars(select(DeliveryAttempt)).all()
    assert sum(1 for a in attempts if a.status_code == 500) == 7
    assert all(a.latency_ms is not None for a in attempts)


def test_a_failed_delivery_can_be_replayed_with_the_same_id(
    client: Client,
    hooked_auth: dict[str, str],
    run_jobs: Any,
    receiver: Receiver,
    db: Session,
    redis: Redis,
    settings: Settings,
) -> None:
    client.post("/v1/comments", json=payload(BENIGN), headers=hooked_auth)
    drain_webhooks(db, redis, settings, run_jobs)
    (delivery,) = db.scalars(select(WebhookDelivery)).all()
    webhooks.replay(db, delivery.id)
    drain_webhooks(db, redis, settings, run_jobs)
    ids = [r["headers"]["X-Moderation-Delivery"] for r in receiver.accepted()]
    assert ids == [str(delivery.id), str(delivery.id)]


@pytest.mark.parametrize(("attempts", "low", "high"), [(1, 5, 15), (2, 10, 30), (5, 80, 240), (30, 3600, 10800)])
def test_backoff_grows_exponentially_with_jitter_up_to_two_hours(attempts: int, low: float, high: float) -> None:
    delays = [webhooks.backoff(attempts) for _ in range(50)]
    assert all(low <= d <= high for d in delays)
    assert len(set(delays)) > 1
