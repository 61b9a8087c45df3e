"""RQ entry points: ids in, a short status out. The work itself lives in moderation.services."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from redis import Redis
from rq import get_current_job
from rq.job import Job

from moderation import queue, webhooks
from moderation.db.session import session_scope
from moderation.services import comments, policies
from workers.runtime import pipeline, runtime

log = logging.getLogger(__name__)


def score_comment(comment_id: str) -> str:
    rt = runtime()
    job = get_current_job()
    # A retry scores its own comment alone, so one poisonous text cannot fail a whole batch again.
    retrying = job is not None and job.retries_left is not None and job.retries_left < queue.SCORING_RETRY.max
    batch_size = 1 if retrying else rt.settings.worker_batch_size
    with session_scope(rt.sessions) as session:
        claimed = comments.claim_for_scoring(session, uuid.UUID(comment_id), batch_size)
        if not claimed:
            return "skipped"  # already taken by a batch, a retry or a sweep
        try:
            results = pipeline().score([item.comment.body for item in claimed])
            outcomes = comments.apply_scores(session, claimed, results, policies.current(session))
        except BaseException:
            session.rollback()
            _release(session, claimed)
            raise
    queue.enqueue_deliveries(rt.redis, [d.id for o in outcomes for d in o.deliveries])
    return f"decided {sum(o.status is not None for o in outcomes)} of {len(claimed)}"


def scoring_failed(job: Job, connection: Redis, *exc_info: Any) -> None:
    if job.retries_left:  # RQ calls this after every failed attempt; only the last one sends to review
        return
    rt = runtime()
    with session_scope(rt.sessions) as session:
        outcome = comments.send_to_review(session, uuid.UUID(job.args[0]), reason="scoring_failed")
    queue.enqueue_deliveries(rt.redis, [d.id for d in outcome.deliveries])


def deliver_webhook(delivery_id: str) -> str:
    rt = runtime()
    with session_scope(rt.sessions) as session:
        result = webhooks.attempt(session, uuid.UUID(delivery_id), rt.http)
    if result.retry_in is not None:
        queue.enqueue_delivery_in(rt.redis, uuid.UUID(delivery_id), result.retry_in)
    return result.status


def sweep() -> dict[str, int]:
    rt = runtime()
    with session_scope(rt.sessions) as session:
        return queue.sweep(session, rt.redis, rt.settings)


def _release(session: Any, claimed: list[comments.Claimed]) -> None:
    try:
        comments.release(session, claimed)
    except Exception:
        # The database may be what failed; the sweeper re-queues these after the scoring timeout.
        log.exception("could not release %d claimed comment(s)", len(claimed))
