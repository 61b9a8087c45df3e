"""Operator endpoints: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from collections.abc import Iterator

from litestar import Controller, Response, get
from litestar.datastructures import State
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from moderation import queue
from moderation.db.models import Comment, WebhookDelivery


class SystemController(Controller):
    path = "/"
    tags = ["system"]
    include_in_schema = True

    @get("/health", summary="Liveness: the process answers")
    async def health(self) -> dict[str, str]:
        return {"status": "ok"}

    @get("/ready", sync_to_thread=True, summary="Readiness: database and Redis reachable")
    def ready(self, state: State) -> Response[dict[str, str]]:
        checks = {"database": _database_ok(state.sessions), "redis": _redis_ok(state.redis)}
        ok = all(value == "ok" for value in checks.values())
        return Response({"status": "ready" if ok else "not ready", **checks}, status_code=200 if ok else 503)

    @get("/metrics", sync_to_thread=True, summary="Prometheus metrics", media_type=CONTENT_TYPE_LATEST)
    def metrics(self, state: State) -> Response[bytes]:
        registry: CollectorRegistry = state.metrics
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


class BacklogCollector(Collector):
    """Read at scrape time from the database and Redis, so every API process reports the same truth."""

    def __init__(self, sessions: sessionmaker[Session], redis: Redis) -> None:
        self.sessions = sessions
        self.redis = redis

    def collect(self) -> Iterator[GaugeMetricFamily]:
        comments = GaugeMetricFamily("moderation_comments", "Comments by status", labels=["status"])
        deliveries = GaugeMetricFamily(
            "moderation_webhook_deliveries", "Webhook deliveries by status", labels=["status"]
        )
        try:
            with self.sessions() as session:
                for status, count in session.execute(select(Comment.status, func.count()).group_by(Comment.status)):
                    comments.add_metric([status], count)
                for status, count in session.execute(
                    select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status)
                ):
                    deliveries.add_metric([status], count)
        except SQLAlchemyError:
            pass  # /ready reports the outage; metrics stay scrapeable
        yield comments
        yield deliveries
        jobs = GaugeMetricFamily("moderation_queue_jobs", "Jobs waiting in each RQ queue", labels=["queue"])
        try:
            for name in queue.QUEUES:
                jobs.add_metric([name], Queue(name, connection=self.redis).count)
        except RedisError:
            pass
        yield jobs


def _database_ok(sessions: sessionmaker[Session]) -> str:
    try:
        with sessions() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return f"unavailable: {type(exc).__name__}"
    return "ok"


def _redis_ok(redis: Redis) -> str:
    try:
        redis.ping()
    except RedisError as exc:
        return f"unavailable: {type(exc).__name__}"
    return "ok"
