"""Per-API-key rate limiting: a fixed one-minute window counted in Redis, shared by every API process.

Litestar's RateLimitMiddleware keeps every request's timestamp in one JSON value per client and
guards it with a per-process lock; at thousands of requests a minute that is a large read-modify-write
on the hot path and is not atomic across API processes. A Redis counter is both cheap and shared.

A process takes requests from the window's counter in blocks (INCRBY n) and spends them locally, so a
busy key costs one Redis round trip per block rather than one per request. The block doubles while
a key keeps using its blocks up within a second, falls back to one when it does not, and never
exceeds 1 % of the limit: a process holding unspent requests when the window closes makes the limit
at most that much stricter, never looser.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis as AsyncRedis
from redis.exceptions import RedisError

WINDOW_SECONDS = 60
BUSY_SECONDS = 1.0  # a block used up faster than this earns a bigger one


@dataclass(slots=True)
class _Lease:
    window: int
    left: int = 0
    block: int = 1
    taken_at: float = 0.0
    refused: bool = False  # the shared counter is past the limit: refuse locally until the window ends


class RateLimiter:
    def __init__(self, redis: AsyncRedis, limit: int, clock: Callable[[], float] = time.time) -> None:
        self.redis = redis
        self.limit = limit
        self.clock = clock
        self.max_block = max(1, limit // 100)
        self._leases: dict[str, _Lease] = {}

    async def hit(self, identity: str) -> int | None:
        """Count one request; return seconds until the window resets if `identity` is over the limit, else None."""
        moment = self.clock()
        window = int(moment // WINDOW_SECONDS)
        lease = self._leases.get(identity)
        if lease is None or lease.window != window:
            lease = self._leases[identity] = _Lease(window)
        if lease.left > 0:
            lease.left -= 1
            return None
        if not lease.refused:
            block = min(lease.block * 2, self.max_block) if moment - lease.taken_at < BUSY_SECONDS else 1
            try:
                count = await self._take(f"moderation:rate:{identity}:{window}", block)
            except RedisError:
                return None  # fail open: an outage of the limiter must not stop the forum's comments
            granted = max(0, min(block, self.limit - (count - block)))
            if granted:
                lease.left += granted - 1
                lease.block, lease.taken_at = block, moment
                return None
            lease.refused = True
        return max(1, int((window + 1) * WINDOW_SECONDS - moment))

    async def _take(self, key: str, block: int) -> int:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.incrby(key, block)
            pipe.expire(key, WINDOW_SECONDS * 2)
            count, _ = await pipe.execute()
        return int(count)
