"""Request-scoped dependencies: the database session and the forum behind an API key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from litestar import Request
from litestar.datastructures import State
from redis import Redis
from sqlalchemy.orm import Session

from moderation.config import Settings
from moderation.domain.errors import NotAuthenticated, RateLimited
from moderation.ratelimit import RateLimiter
from moderation.services.ingest import KeyCache, KeyIdentity


def provide_db_session(state: State) -> Iterator[Session]:
    session: Session = state.sessions()
    try:
        yield session
    finally:
        session.close()


def provide_settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


def provide_redis(state: State) -> Redis:
    redis: Redis = state.redis
    return redis


async def provide_forum(request: Request[Any, Any, Any], state: State) -> KeyIdentity:
    """The forum whose API key is in `Authorization: Bearer <key>` (401 otherwise), within its rate (429)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("send the forum's API key as 'Authorization: Bearer <key>'")
    key_cache: KeyCache = state.key_cache
    key = await key_cache.authenticate(state.ingest, token.strip())
    if key is None:
        raise NotAuthenticated("unknown or revoked API key")
    limiter: RateLimiter = state.rate_limiter
    retry_after = await limiter.hit(f"key:{key.prefix}")
    if retry_after is not None:
        raise RateLimited(f"this API key is limited to {limiter.limit} requests a minute", retry_after)
    return key
