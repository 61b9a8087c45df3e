"""End-to-end latency: a steady stream of comments, time from the 202 to the decision, 1 and 2 workers.

    .venv/bin/python -m bench.end_to_end [--rate 50] [--seconds 60]

For each worker count: a fresh database, `moderation serve` and `moderation worker --processes N`
(models loaded before the clock starts), comments POSTed at a fixed rate from real texts, then the
server-side times (comment.created_at to decision.created_at) read from PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import time
import uuid

import httpx
import psycopg

from bench.common import CLI, DB_URL, RESULTS, fresh_service, percentile, real_comments, service_env
from bench.ingest import free_port, serving


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50.0, help="comments per second")
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    texts = real_comments(int(args.rate * args.seconds))
    rows = []
    for workers in (1, 2):
        key = fresh_service()
        port = free_port()
        log = (RESULTS / f"e2e-worker-{workers}.log").open("wb")
        worker = subprocess.Popen(
            [*CLI, "worker", "--processes", str(workers)], env=service_env(), stdout=log, stderr=subprocess.STDOUT
        )
        try:
            wait_for_workers(workers)
            with serving([*CLI, "serve", "--port", str(port)], port, service_env()):
                sent = asyncio.run(send(f"http://127.0.0.1:{port}", key, texts, args.rate))
            latencies = wait_for_decisions(sent, timeout=120)
        finally:
            worker.terminate()
            worker.wait(30)
        rows.append(
            (
                workers,
                sent,
                len(latencies),
                percentile(latencies, 0.5),
                percentile(latencies, 0.99),
                max(latencies, default=float("nan")),
            )
        )
    print(f"\nend to end at {args.rate:g} comments/s for {args.seconds} s (real Jigsaw texts)")
    print("| worker processes | sent | decided | p50 s | p99 s | max s |")
    print("| --- | --- | --- | --- | --- | --- |")
    for workers, sent, decided, p50, p99, worst in rows:
        print(f"| {workers} | {sent} | {decided} | {p50:.2f} | {p99:.2f} | {worst:.2f} |")


def wait_for_workers(count: int, timeout: float = 180) -> None:
    """Workers register in Redis once their models are loaded and they start listening."""
    import redis
    from rq import Worker

    from bench.common import REDIS_URL

    connection = redis.Redis.from_url(REDIS_URL)
    deadline = time.monotonic() + timeout
    while len(Worker.all(connection=connection)) < count:
        if time.monotonic() > deadline:
            raise RuntimeError("workers did not start")
        time.sleep(0.5)


async def send(url: str, key: str, texts: list[str], rate: float) -> int:
    headers = {"Authorization": f"Bearer {key}"}
    run = uuid.uuid4().hex[:8]
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        started = time.monotonic()
        tasks = []
        for n, text in enumerate(texts):
            delay = started + n / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            body = {
                "external_id": f"{run}-{n}",
                "thread_id": f"t-{n % 40}",
                "author_id": f"u-{n % 300}",
                "body": text[:20_000],
            }
            tasks.append(asyncio.create_task(client.post("/v1/comments", json=body)))
        responses = await asyncio.gather(*tasks)
    return sum(r.status_code == 202 for r in responses)


def wait_for_decisions(expected: int, timeout: float) -> list[float]:
    deadline = time.monotonic() + timeout
    with psycopg.connect(DB_URL) as conn:
        while True:
            rows = conn.execute(
                "SELECT EXTRACT(EPOCH FROM (min(d.created_at) - c.created_at)) FROM comment c"
                " JOIN decision d ON d.comment_id = c.id GROUP BY c.id, c.created_at"
            ).fetchall()
            if len(rows) >= expected or time.monotonic() > deadline:
                return [float(r[0]) for r in rows]
            time.sleep(1)


if __name__ == "__main__":
    main()
