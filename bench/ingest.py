"""Ingest benchmark: POST /v1/comments under wrk, our API beside a bare asyncpg endpoint, one run.

    .venv/bin/python -m bench.ingest [--seconds 30] [--connections 32]

Needs PostgreSQL and Redis (the test URLs by default) and `wrk` (Debian package). Prints requests/s,
p50/p99 latency and the ratio ours/bare; raw wrk output goes to bench/results/ (git-ignored).
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import time

import httpx
import psycopg

from bench.common import CLI, DB_URL, RESULTS, ROOT, fresh_service, service_env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--processes", type=int, default=1, help="API processes for our service")
    args = parser.parse_args()
    key = fresh_service()
    env = service_env()
    cli = CLI

    rows = []
    ours_port, bare_port = free_port(), free_port()
    ours = [*cli, "serve", "--port", str(ours_port), "--processes", str(args.processes)]
    bare = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.bare_app:app",
        "--port",
        str(bare_port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--workers",
        str(args.processes),
    ]
    for name, command, port, extra_env in (
        ("bare Litestar + asyncpg INSERT", bare, bare_port, {"BENCH_DSN": DB_URL}),
        ("moderation POST /v1/comments", ours, ours_port, {}),
    ):
        with serving(command, port, env | extra_env):
            rows.append((name, *load(port, key, args.seconds, args.connections, name)))
    count = count_comments()
    print(
        f"\ningest, {args.seconds} s each, {args.connections} connections, {args.processes} API process(es), "
        f"{os.cpu_count()} cores; wrk on the same machine"
    )
    print("| endpoint | requests/s | p50 ms | p99 ms | non-2xx |")
    print("| --- | --- | --- | --- | --- |")
    for name, rps, p50, p99, errors in rows:
        print(f"| {name} | {rps:,.0f} | {p50:.1f} | {p99:.1f} | {errors} |")
    print(f"\nratio ours/bare: {rows[1][1] / rows[0][1]:.2f}; comments stored by ours: {count:,}")


def count_comments() -> int:
    with psycopg.connect(DB_URL) as conn:
        row = conn.execute("SELECT count(*) FROM comment").fetchone()
        return int(row[0]) if row else 0


class serving:  # noqa: N801 (used as a context manager, reads like a verb)
    def __init__(self, command: list[str], port: int, env: dict[str, str]) -> None:
        self.command, self.port, self.env = command, port, env

    def __enter__(self) -> None:
        self.process = subprocess.Popen(
            self.command, env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=1).status_code in (200, 404):
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.command} did not start")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(20)


def load(port: int, key: str, seconds: int, connections: int, name: str) -> tuple[float, float, float, int]:
    env = os.environ | {"BENCH_API_KEY": key, "BENCH_RUN": f"{name[:4]}{time.time_ns()}"}
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(ROOT / "bench" / "post_comment.lua"),
            f"http://127.0.0.1:{port}/v1/comments",
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    (RESULTS / f"ingest-{name.split()[0]}.txt").write_text(out)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    return rps, latency(out, "50%"), latency(out, "99%"), errors


def latency(out: str, percentile: str) -> float:
    value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    main()
