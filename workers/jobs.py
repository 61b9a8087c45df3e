"""RQ entry points: ids in, a short status out. The work itself lives in moderation.services."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid

from moderation import queue, webhooks
from moderation.db.session import session_scope
from moderation.services import comments, policies
from workers.runtime import Runtime, pipeline, runtime

log = logging.getLogger(__name__)

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"  # recorded with each claim, for operators
# A job hands over to a fresh one after this long, well inside RQ's job timeout.
SCORING_BUDGET_SECONDS = 120.0
# Set when the worker is asked to stop: the job hands its backlog over after the batch in hand
# instead of making a warm shutdown wait out its whole budget.
STOPPING = threading.Event()


def score_pending() -> str:
    """Claim waiting comments in batches, score each batch with one model call, decide, repeat."""
    rt = runtime()
    started, decided = time.monotonic(), 0
    while time.monotonic() - started < SCORING_BUDGET_SECONDS and not STOPPING.is_set():
        claimed = _claim(rt)
        if not claimed:
            queue.clear_wake_flag(rt.redis)
            queue.settle_after_clearing()
            claimed = _claim(rt)  # one more look: a comment may have landed before the flag was cleared
            if not claimed:
                return f"decided {decided}"
        if len(claimed) == rt.settings.worker_batch_size:
            queue.add_scoring_helper(rt.redis)
        decided += _score(rt, claimed)
    queue.enqueue_scoring_job(rt.redis)
    return f"decided {decided}, handed over"


def deliver_webhook(delivery_id: str) -> str:
    rt = runtime()
    with session_scope(rt.sessions) as session:
        result = webhooks.attempt(session, uuid.UUID(delivery_id), rt.http, rt.cipher)
    if result.retry_in is not None:
        queue.enqueue_delivery_in(rt.redis, uuid.UUID(delivery_id), result.retry_in)
    return result.status


def sweep() -> dict[str, int]:
    rt = runtime()
    with session_scope(rt.sessions) as session:
        return queue.sweep(session, rt.redis, rt.settings)


def _claim(rt: Runtime) -> list[comments.Claimed]:
    with session_scope(rt.sessions) as session:
        exhausted = comments.review_exhausted(session)
        claimed = comments.claim_batch(session, rt.settings.worker_batch_size, WORKER_ID)
    queue.enqueue_deliveries(rt.redis, [d.id for o in exhausted for d in o.deliveries])
    return claimed


def _score(rt: Runtime, claimed: list[comments.Claimed]) -> int:
    """Score a batch; if the batch fails, score its comments one by one so one bad text fails alone."""
    try:
        outcomes = _score_and_decide(rt, claimed)
    except Exception:
        log.exception("scoring a batch of %d failed; retrying one by one", len(claimed))
        outcomes, failed = [], []
        for item in claimed:
            try:
                outcomes += _score_and_decide(rt, [item])
            except Exception:
                log.exception("scoring comment %s failed", item.comment.id)
                failed.append(item)
        if failed:
            with session_scope(rt.sessions) as session:
                comments.release(session, failed)
        if len(failed) == len(claimed):
            raise  # nothing can be scored (model or database down): let RQ retry later
    queue.enqueue_deliveries(rt.redis, [d.id for o in outcomes for d in o.deliveries])
    return sum(o.status is not None for o in outcomes)


def _score_and_decide(rt: Runtime, claimed: list[comments.Claimed]) -> list[comments.Outcome]:
    scorer = pipeline()
    with session_scope(rt.sessions) as session:  # short sessions: no connection is held while models run
        scorer.refresh(session)
        policy = policies.current(session)
    results = scorer.score([item.comment.body for item in claimed])
    with session_scope(rt.sessions) as session:
        return comments.apply_scores(session, claimed, results, policy)
