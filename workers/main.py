"""Start an RQ worker: Redis, queues and a SimpleWorker built from Settings, models loaded first.

SimpleWorker runs jobs in the worker process itself, so the models are loaded once per process and
not once per job (a forking Worker would lose them with every child, or share torch's thread pools
across fork, which deadlocks). A crashed process is restarted by its supervisor (compose, systemd).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time
from multiprocessing.process import BaseProcess
from types import FrameType

from redis.exceptions import RedisError
from rq import Queue, SimpleWorker
from rq.cron import CronScheduler
from rq.exceptions import SchedulerNotFound

from moderation import broker, queue
from moderation.config import Settings
from workers import jobs, runtime

log = logging.getLogger(__name__)


def run_worker(settings: Settings, *, burst: bool = False, with_sweeper: bool = True, torch_threads: int = 0) -> None:
    # The sweeper is forked before this process opens any connection, so the child inherits none.
    sweeper = _start_sweeper(settings) if with_sweeper and not burst else None
    rt = runtime.configure(settings)
    try:
        _set_torch_threads(torch_threads)
        with rt.sessions() as session:  # load the models and embed the catalogue before the first job
            runtime.pipeline().refresh(session)
        worker = ModerationWorker([Queue(name, connection=rt.redis) for name in queue.QUEUES], connection=rt.redis)
        worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
    finally:
        if sweeper is not None:
            sweeper.terminate()
            sweeper.join(5)
        runtime.close()


class ModerationWorker(SimpleWorker):
    """RQ's SimpleWorker, whose warm shutdown also tells a running scoring job to hand over."""

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        jobs.STOPPING.set()
        super().request_stop(signum, frame)  # type: ignore[no-untyped-call]


def run_workers(settings: Settings, processes: int, *, burst: bool = False, torch_threads: int = 0) -> None:
    """Run `processes` workers, each its own process with its own models; restart any that crash.

    The cores are shared out: each process gets cores/processes torch threads unless told otherwise.
    """
    threads = torch_threads or max((os.cpu_count() or 1) // processes, 1)
    context = multiprocessing.get_context("spawn")  # a clean interpreter each: no torch state crosses a fork

    def start(index: int) -> BaseProcess:
        process = context.Process(
            target=run_worker,
            args=(settings,),
            kwargs={"burst": burst, "with_sweeper": index == 0, "torch_threads": threads},
            name=f"moderation-worker-{index}",
        )
        process.start()
        return process

    children = [start(i) for i in range(processes)]
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            if child.pid is not None and child.is_alive():
                os.kill(child.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while children:
        time.sleep(1)
        for index, child in enumerate(list(children)):
            if child.is_alive():
                continue
            if stopping or burst or child.exitcode == 0:
                children.remove(child)
            else:
                log.warning("worker %s exited with %s; restarting it", child.name, child.exitcode)
                children[index] = start(index)


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
            scheduler.register(jobs.sweep, queue_name=queue.MAINTENANCE, interval=settings.sweep_interval_seconds)
            scheduler.start()  # type: ignore[no-untyped-call]
            return
        except SchedulerNotFound:
            return  # stopping, and its registry entry had already lapsed: nothing left to unregister
        except RedisError as exc:
            log.warning("sweeper lost Redis (%s); retrying in 5 s", exc)
            time.sleep(5)
