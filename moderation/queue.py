"""The only code that names jobs. Jobs are referred to by dotted path, so this side never imports workers/.

Redis is a work queue, not the source of truth: comments wait in the database (status `received`)
and a scoring job claims them in batches. The API does not queue a job per comment; it sets a wake
flag and queues one `score_pending` job only when the flag was not already set. The job clears the
flag when it runs out of work and then looks once more, so a comment committed while the job was
finishing is either seen by that last look or finds the flag clear and queues a new job (the
ScorerWaker below explains how busy API processes skip even the SET).
`sweep` re-creates jobs that Redis lost (flushed, restarted) and frees comments of dead workers.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import anyio.to_thread
from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from redis.exceptions import RedisError
from rq import Queue, Retry
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

WAKE_KEY = "moderation:scoring:wake"
WAKE_GRACE_SECONDS = 0.05
WAKE_TTL_MS = 30_000  # a worker that died holding the flag only delays new work this long (the sweeper covers it)
SCORING_RETRY = Retry(max=3, interval=[10, 60, 300])
SCORING_JOB_TIMEOUT = 600
JOB_RESULT_TTL = 3600


class ScorerWaker:
    """Makes sure a scoring job will look at a comment just committed. Never raises: the sweeper is the net.

    Under load every request would find the flag already set, so a process skips the SET while the
    last flag it saw set is younger than WAKE_GRACE_SECONDS, counted from before it asked. A job that
    clears the flag waits that long before its last look (`settle_after_clearing`), so a comment
    committed by a process that skipped is still inside that look.
    """

    def __init__(self, aredis: AsyncRedis, redis: Redis) -> None:
        self.aredis, self.redis = aredis, redis
        self._seen_set_at = -WAKE_GRACE_SECONDS

    async def wake(self) -> None:
        asked_at = time.monotonic()
        if asked_at - self._seen_set_at < WAKE_GRACE_SECONDS:
            return
        try:
            if await self.aredis.set(WAKE_KEY, b"1", nx=True, px=WAKE_TTL_MS):
                await anyio.to_thread.run_sync(enqueue_scoring_job, self.redis)
            self._seen_set_at = asked_at
        except RedisError as exc:
            log.warning("could not wake the scorers, the sweeper will: %s", exc)


def settle_after_clearing() -> None:
    """Wait out API processes that saw the wake flag set just before it was cleared (see ScorerWaker)."""
    time.sleep(WAKE_GRACE_SECONDS)


def enqueue_scoring_job(redis: Redis) -> bool:
    return _enqueue_many(redis, SCORING, [_scoring_job()]) == 1


def add_scoring_helper(redis: Redis) -> None:
    """While a backlog lasts, keep one more scoring job waiting so an idle worker joins in."""
    try:
        if Queue(SCORING, connection=redis).count == 0:
            enqueue_scoring_job(redis)
    except RedisError as exc:
        log.warning("could not add a scoring job: %s", exc)


def clear_wake_flag(redis: Redis) -> None:
    redis.delete(WAKE_KEY)


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
    """Free comments of dead workers, queue a scoring job if comments wait, queue due webhooks. Idempotent."""
    now = datetime.now(UTC)
    # One cut-off for both states: under a long backlog a comment may wait in `received` for a while,
    # and an extra scoring job then only finds the work already taken.
    cutoff = now - timedelta(seconds=settings.scoring_timeout_seconds)
    waiting = comments.requeue_stale(session, received_before=cutoff, scoring_before=cutoff)
    scoring_jobs = 0
    if waiting and Queue(SCORING, connection=redis).count == 0:
        scoring_jobs = _enqueue_many(redis, SCORING, [_scoring_job()])
    due = webhooks.due_deliveries(session, now - timedelta(seconds=30))
    return {"comments": waiting, "scoring_jobs": scoring_jobs, "deliveries": enqueue_deliveries(redis, due)}


def _scoring_job() -> EnqueueData:
    return Queue.prepare_data(
        "workers.jobs.score_pending",
        retry=SCORING_RETRY,
        timeout=SCORING_JOB_TIMEOUT,
        result_ttl=JOB_RESULT_TTL,
        failure_ttl=7 * 24 * 3600,
    )


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
