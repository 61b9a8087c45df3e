"""Signing and delivery bookkeeping for the webhooks that tell a forum about decisions.

At-least-once: a delivery is retried until the forum answers 2xx, so the forum de-duplicates on
`X-Moderation-Delivery`. Attempts back off exponentially with jitter and give up after `GIVE_UP_AFTER`
(the delivery stays visible to admins and can be replayed; the change feed holds every decision anyway).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from moderation import crypto
from moderation.db.models import DeliveryAttempt, Forum, WebhookDelivery

SIGNATURE_HEADER = "X-Moderation-Signature"
DELIVERY_HEADER = "X-Moderation-Delivery"
EVENT_HEADER = "X-Moderation-Event"
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
FIRST_RETRY_SECONDS = 10.0
MAX_RETRY_SECONDS = 2 * 3600.0
GIVE_UP_AFTER = timedelta(days=2)
LEASE = timedelta(seconds=60)  # an attempt in flight is not started again by a second job
UNDECRYPTABLE = "the webhook secret cannot be decrypted: is its key missing from MODERATION_SECRET_KEYS?"


@dataclass(frozen=True, slots=True)
class AttemptResult:
    status: str  # "delivered", "retry", "failed", "skipped"
    retry_in: float | None = None


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def body_of(delivery: WebhookDelivery) -> bytes:
    payload = {**delivery.payload, "delivery_id": str(delivery.id)}
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


def due_deliveries(session: Session, before: datetime) -> list[uuid.UUID]:
    return list(
        session.scalars(
            select(WebhookDelivery.id).where(
                WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= before
            )
        )
    )


def attempt(
    session: Session, delivery_id: uuid.UUID, client: httpx.Client, cipher: crypto.MultiFernet
) -> AttemptResult:
    """Make one delivery attempt, log it, and schedule the next one if it failed.

    `cipher` opens the forum's stored signing secret; a secret no configured key opens counts as a failed
    attempt (retried: the operator may put the missing key back), and nothing is sent unsigned.
    """
    now = datetime.now(UTC)
    leased = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + LEASE)
    ).rowcount  # type: ignore[attr-defined]
    session.commit()
    delivery = session.get(WebhookDelivery, delivery_id)
    if not leased or delivery is None:
        return AttemptResult("skipped")
    forum = session.get(Forum, delivery.forum_id)
    if forum is None or not forum.webhook_url:
        delivery.status, delivery.last_error = "failed", "the forum has no webhook URL"
        session.commit()
        return AttemptResult("failed")
    status_code: int | None
    error: str | None
    try:
        secret = crypto.decrypt(cipher, forum.webhook_secret) if forum.webhook_secret else ""
    except crypto.InvalidToken:
        status_code, error, latency_ms = None, UNDECRYPTABLE, 0.0
    else:
        status_code, error, latency_ms = _post(client, forum.webhook_url, secret, delivery)
    session.add(DeliveryAttempt(delivery_id=delivery.id, status_code=status_code, latency_ms=latency_ms, error=error))
    delivery.attempts += 1
    if status_code is not None and 200 <= status_code < 300:
        delivery.status, delivery.delivered_at, delivery.last_error = "delivered", datetime.now(UTC), None
        session.commit()
        return AttemptResult("delivered")
    delivery.last_error = error or f"HTTP {status_code}"
    if datetime.now(UTC) - delivery.created_at > GIVE_UP_AFTER:
        delivery.status = "failed"
        session.commit()
        return AttemptResult("failed")
    delay = backoff(delivery.attempts)
    delivery.next_attempt_at = datetime.now(UTC) + timedelta(seconds=delay)
    session.commit()
    return AttemptResult("retry", delay)


def backoff(attempts: int, rng: random.Random | None = None) -> float:
    """Seconds before attempt `attempts + 1`: 10 s doubling to 2 h, times a jitter of 0.5 to 1.5."""
    base = min(FIRST_RETRY_SECONDS * 2.0 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)
    return base * (rng or random.Random()).uniform(0.5, 1.5)  # noqa: S311 (jitter, not a secret)


def replay(session: Session, delivery_id: uuid.UUID) -> None:
    """Make a failed (or delivered) delivery due again, keeping its id so the forum can de-duplicate."""
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .values(status="pending", next_attempt_at=datetime.now(UTC))
    )
    session.commit()


def _post(
    client: httpx.Client, url: str, secret: str, delivery: WebhookDelivery
) -> tuple[int | None, str | None, float]:
    body = body_of(delivery)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(body, secret),
        DELIVERY_HEADER: str(delivery.id),
        EVENT_HEADER: delivery.event,
    }
    started = time.perf_counter()
    try:
        response = client.post(url, content=body, headers=headers, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500], (time.perf_counter() - started) * 1000
    return response.status_code, None, (time.perf_counter() - started) * 1000
