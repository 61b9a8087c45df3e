from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from redis import Redis
from rq import Queue, SimpleWorker
from sqlalchemy import Engine, delete, text
from sqlalchemy.orm import Session

from moderation import broker, crypto, queue
from moderation.api.app import create_app
from moderation.config import Settings, load_settings
from moderation.db import models
from moderation.db.migrate import upgrade
from moderation.db.session import build_engine, build_sessionmaker
from moderation.seeds import seed_defaults
from moderation.services import api_keys
from tests.fixtures.receiver import Receiver, running_receiver
from workers import runtime

SERVER_DATABASE_URL = os.environ.get("MODERATION_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
SERVER_REDIS_URL = os.environ.get("MODERATION_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
KEPT_TABLES = {"claim", "setting"}
BACKENDS = os.environ.get("MODERATION_TEST_BACKENDS", "server,embedded").split(",")


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def settings(backend: str, tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Settings:
    env = {
        "MODERATION_DATA_DIR": str(tmp_path_factory.mktemp(f"data-{backend}")),
        "MODERATION_MODEL_DIR": str(model_dir),
        "MODERATION_SESSION_SECRET": "test-session-secret-test-session-secret",
        "MODERATION_SCORING_TIMEOUT_SECONDS": "60",
    }
    if backend == "server":
        env |= {"MODERATION_DATABASE_URL": SERVER_DATABASE_URL, "MODERATION_REDIS_URL": SERVER_REDIS_URL}
    return load_settings(env)


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    engine = build_engine(settings)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine, settings=settings)  # the schema comes from the migrations, so they are tested on both databases
    with build_sessionmaker(engine)() as session:
        seed_defaults(session)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def redis_connection(settings: Settings) -> Iterator[Redis]:
    connection = broker.connect(settings)
    yield connection
    connection.close()


@pytest.fixture
def redis(redis_connection: Redis) -> Redis:
    redis_connection.flushdb()
    return redis_connection


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    _clean(engine)
    session = build_sessionmaker(engine)()
    yield session
    session.close()


def _clean(engine: Engine) -> None:
    """Empty every table but keep the default policy (version 1) current and the seeded catalogue
    and settings (tests that edit those put them back themselves)."""
    with engine.begin() as conn:
        for table in reversed(models.Base.metadata.sorted_tables):
            if table.name in KEPT_TABLES:
                continue
            if table.name in {"policy_version", "policy_activation"}:
                conn.execute(delete(table).where(table.c.version > 1))
            else:
                conn.execute(delete(table))


@pytest.fixture
def worker_runtime(settings: Settings, engine: Engine, redis: Redis) -> Iterator[runtime.Runtime]:
    rt = runtime.configure(settings, redis=redis)
    yield rt
    runtime.close()


@pytest.fixture
def run_jobs(worker_runtime: runtime.Runtime, redis: Redis) -> Any:
    """Run every queued job to completion in this process, like `moderation worker --burst`."""

    def run() -> None:
        worker = SimpleWorker([Queue(name, connection=redis) for name in queue.QUEUES], connection=redis)
        worker.work(burst=True, with_scheduler=False)

    return run


@pytest.fixture
def client(settings: Settings, db: Session, redis: Redis) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(settings, redis=redis)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def cipher(settings: Settings) -> crypto.MultiFernet:
    """Opens the webhook secrets this run stores (the key is generated into the run's data_dir)."""
    return crypto.cipher(settings)


@pytest.fixture
def forum_key(db: Session) -> str:
    return api_keys.create_key(db, "ms-forum", actor="test").plaintext


@pytest.fixture
def auth(forum_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {forum_key}"}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A forum's webhook endpoint on a local port, recording what it receives."""
    with running_receiver() as running:
        yield running
