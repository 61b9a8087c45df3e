"""Peak memory of one worker process with every model loaded, while it scores real comments.

    .venv/bin/python -m bench.memory [--comments 500]

Reads VmHWM (peak resident set) of the worker process from /proc after it has scored the comments.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import time
from pathlib import Path

from bench.common import CLI, DB_URL, RESULTS, fresh_service, real_comments, service_env
from bench.end_to_end import send, wait_for_decisions, wait_for_workers
from bench.ingest import free_port, serving


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=500)
    args = parser.parse_args()
    rows = [(precision, *measure(precision, args.comments)) for precision in ("float32", "auto")]
    print(f"\nworker memory ({DB_URL.rsplit('/', 1)[-1]}), {args.comments} real comments scored")
    print("| MODERATION_INFERENCE_PRECISION | after loading models | peak while scoring | target |")
    print("| --- | --- | --- | --- |")
    for precision, loaded, peak in rows:
        print(f"| {precision} | {loaded / 1024:.0f} MiB | {peak / 1024:.0f} MiB | < 1536 MiB |")


def measure(precision: str, comments: int) -> tuple[int, int]:
    """Resident kibibytes of one worker after loading its models, and at its peak while scoring."""
    key = fresh_service()
    env = service_env(MODERATION_INFERENCE_PRECISION=precision)
    log = (RESULTS / f"memory-worker-{precision}.log").open("wb")
    worker = subprocess.Popen([*CLI, "worker", "--no-sweeper"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_workers(1)
        loaded = rss(worker.pid)
        port = free_port()
        with serving([*CLI, "serve", "--port", str(port)], port, service_env()):
            sent = asyncio.run(send(f"http://127.0.0.1:{port}", key, real_comments(comments), rate=200))
        wait_for_decisions(sent, timeout=300)
        time.sleep(1)
        return loaded, rss(worker.pid, "VmHWM")
    finally:
        worker.terminate()
        worker.wait(30)


def rss(pid: int, field: str = "VmRSS") -> int:
    """Kibibytes of `field` in /proc/<pid>/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


if __name__ == "__main__":
    main()
