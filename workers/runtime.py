"""What a worker process holds for its whole life: settings, DB sessions, Redis, an HTTP client, the
cipher that opens stored secrets, models.

RQ calls job functions with plain arguments, so jobs reach these through `runtime()`. `workers.main`
configures it before the first job; a worker started by `rq worker` configures it from the environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import httpx
from redis import Redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from moderation import broker, crypto
from moderation.config import Settings, load_settings
from moderation.db.session import build_engine, build_sessionmaker
from workers.scoring.pipeline import Pipeline, build_pipeline


@dataclass(frozen=True, slots=True)
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    redis: Redis
    http: httpx.Client
    cipher: crypto.MultiFernet


_current: Runtime | None = None


def configure(settings: Settings, redis: Redis | None = None) -> Runtime:
    global _current
    if _current is not None:
        close()
    engine = build_engine(settings)
    _current = Runtime(
        settings=settings,
        engine=engine,
        sessions=build_sessionmaker(engine),
        redis=redis if redis is not None else broker.connect(settings),
        http=httpx.Client(follow_redirects=False),
        cipher=crypto.cipher(settings),
    )
    return _current


def runtime() -> Runtime:
    return _current if _current is not None else configure(load_settings())


def close() -> None:
    global _current
    if _current is not None:
        _current.http.close()
        _current.engine.dispose()
        _current = None


@cache
def pipeline() -> Pipeline:
    """The scoring models, loaded once per process on first use."""
    return build_pipeline(runtime().settings)
