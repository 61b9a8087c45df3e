"""The only code that names jobs. Jobs are referred to by dotted path, so this side never imports workers/.

Redis is a work queue, not the source of truth: every job's subject is already committed in the
database, and `sweep` re-creates jobs that Redis lost.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from redis import Redis
from redis.exceptions import RedisError
from rq import Callback, Queue, Retry
from rq.queue import EnqueueData
from sqlalchemy.orm import Session

from moderation import webhooks
from moderation.config import Settings
from moderation.services import comments

log = logging.getLogger(__name__)

SCORING = "scoring"
WEBHOOKS = "webhooks"
MAINTENANCE = "maintenance"
QUEUES = (WEBHOOKS, SCORING, MAINTENANCE)  # a worker drains cheap webhook jobs first

SCORING_RETRY = Retry(max=3, interval=[10, 60, 300])
# Webhook retries are spaced by the delivery bookkeeping (exponential backoff with jitter, about a day);
# the sweeper enqueues due deliveries, so RQ is asked for no retries of its own here.
JOB_RESULT_TTL = 3600


def enqueue_scoring(redis: Redis, comment_ids: Iterable[uuid.UUID]) -> int:
    """Queue one scoring job per comment; returns how many were queued (0 if Redis is unreachable)."""
    jobs = [
        Queue.prepare_data(
            "workers.jobs.score_comment",
            args=(str(cid),),
            retry=SCORING_RETRY,
            on_failure=Callback("workers.jobs.scoring_failed"),
            result_ttl=JOB_RESULT_TTL,
            failure_ttl=7 * 24 * 3600,
        )
        for cid in comment_ids
    ]
    return _enqueue_many(redis, SCORING, jobs)


def enqueue_deliveries(redis: Redis, delivery_ids: Iterable[uuid.UUID]) -> int:
    jobs = [
        Queue.prepare_data("workers.jobs.deliver_webhook", args=(str(did),), result_ttl=JOB_RESULT_TTL)
        for did in delivery_ids
    ]
    return _enqueue_many(redis, WEBHOOKS, jobs)


def enqueue_delivery_in(redis: Redis, delivery_id: uuid.UUID, seconds: float) -> None:
    """Schedule the next attempt; if Redis loses it, the sweeper finds the delivery due anyway."""
    try:
        Queue(WEBHOOKS, connection=redis).enqueue_in(
            timedelta(seconds=seconds), "workers.jobs.deliver_webhook", str(delivery_id), result_ttl=JOB_RESULT_TTL
        )
    except RedisError as exc:
        log.warning("could not schedule webhook delivery %s, the sweeper will retry: %s", delivery_id, exc)


def sweep(session: Session, redis: Redis, settings: Settings) -> dict[str, int]:
    """Re-queue comments and webhook deliveries whose jobs may have been lost. Idempotent."""
    now = datetime.now(UTC)
    # One cut-off for both states: under a long backlog a comment may wait in `received` for a while,
    # and re-queueing it early only costs a job that finds it already taken.
    cutoff = now - timedelta(seconds=settings.scoring_timeout_seconds)
    stale = comments.requeue_stale(session, received_before=cutoff, scoring_before=cutoff)
    due = webhooks.due_deliveries(session, now - timedelta(seconds=30))
    return {"comments": enqueue_scoring(redis, stale), "deliveries": enqueue_deliveries(redis, due)}


def _enqueue_many(redis: Redis, queue_name: str, jobs: list[EnqueueData]) -> int:
    if not jobs:
        return 0
    try:
        Queue(queue_name, connection=redis).enqueue_many(jobs)
    except RedisError as exc:
        # The rows are committed; the sweeper will queue them once Redis is back.
        log.warning("could not enqueue %d %s job(s), the sweeper will retry: %s", len(jobs), queue_name, exc)
        return 0
    return len(jobs)
