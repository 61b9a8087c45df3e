"""Per-API-key rate limiting: a fixed one-minute window counted in Redis (one INCR per request).

Litestar's RateLimitMiddleware keeps every request's timestamp in one JSON value per client and
guards it with a per-process lock; at thousands of requests a minute that is a large read-modify-write
on the hot path and is not atomic across API processes. An INCR is both cheap and shared.
"""

from __future__ import annotations

import time

from redis.asyncio import Redis as AsyncRedis
from redis.exceptions import RedisError

WINDOW_SECONDS = 60


async def hit(redis: AsyncRedis, identity: str, limit: int, now: float | None = None) -> int | None:
    """Count one request; return seconds until the window resets if `identity` is over `limit`, else None."""
    moment = time.time() if now is None else now
    window = int(moment // WINDOW_SECONDS)
    key = f"moderation:rate:{identity}:{window}"
    try:
        count = int(await redis.incr(key))
        if count == 1:  # the first request of a window sets its expiry; the others pay one round trip
            await redis.expire(key, WINDOW_SECONDS * 2)
    except RedisError:
        return None  # fail open: an outage of the limiter must not stop the forum's comments
    if count > limit:
        return max(1, int((window + 1) * WINDOW_SECONDS - moment))
    return None
