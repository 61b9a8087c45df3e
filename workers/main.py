"""Start an RQ worker: Redis, queues and a SimpleWorker built from Settings, models loaded first.

SimpleWorker runs jobs in the worker process itself, so the models are loaded once per process and
not once per job (a forking Worker would lose them with every child, or share torch's thread pools
across fork, which deadlocks). A crashed process is restarted by its supervisor (compose, systemd).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from multiprocessing.process import BaseProcess

from redis.exceptions import RedisError
from rq import Queue, SimpleWorker
from rq.cron import CronScheduler

from moderation import broker, queue
from moderation.config import Settings
from workers import runtime
from workers.jobs import sweep

log = logging.getLogger(__name__)


def run_worker(settings: Settings, *, burst: bool = False, with_sweeper: bool = True, torch_threads: int = 0) -> None:
    rt = runtime.configure(settings)
    sweeper = _start_sweeper(settings) if with_sweeper and not burst else None
    try:
        _set_torch_threads(torch_threads)
        runtime.pipeline()  # load the models before taking the first job
        worker = SimpleWorker([Queue(name, connection=rt.redis) for name in queue.QUEUES], connection=rt.redis)
        worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
    finally:
        if sweeper is not None:
            sweeper.terminate()
            sweeper.join(5)
        runtime.close()


def _set_torch_threads(threads: int) -> None:
    import torch

    # One worker process per core is the sizing we document; more threads than cores only adds contention.
    torch.set_num_threads(threads or max(os.cpu_count() or 1, 1))


def _start_sweeper(settings: Settings) -> BaseProcess:
    # Started before torch is imported, so the fork copies no thread pools.
    process = multiprocessing.get_context("fork").Process(
        target=_sweep_forever, args=(settings,), name="moderation-sweeper", daemon=True
    )
    process.start()
    return process


def _sweep_forever(settings: Settings) -> None:
    """RQ's CronScheduler enqueues the sweep job; it is restarted when Redis goes away and comes back."""
    while True:
        try:
            scheduler = CronScheduler(connection=broker.connect(settings), name=f"sweeper-{os.getpid()}")
            scheduler.register(sweep, queue_name=queue.MAINTENANCE, interval=settings.sweep_interval_seconds)
            scheduler.start()  # type: ignore[no-untyped-call]
            return
        except RedisError as exc:
            log.warning("sweeper lost Redis (%s); retrying in 5 s", exc)
            time.sleep(5)
