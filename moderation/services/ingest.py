"""The forum's hot path, kept async and small: authenticate a key, insert a comment, wake the scorers.

`POST /v1/comments` is the one call whose cost is multiplied by every comment a community writes,
so it does one INSERT and, at most, one Redis SET; everything else happens in a worker. On
PostgreSQL the statements go straight to an asyncpg pool (prepared, autocommit, one round trip):
measured here, SQLAlchemy's async connection checkout alone cost more than the INSERT. The embedded
SQLite default goes through SQLAlchemy Core on aiosqlite. Key lookups are cached per process for
KEY_CACHE_SECONDS: a revoked key keeps working that long on a process that saw it recently.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, cast

import asyncpg
from sqlalchemy import Table, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from moderation.config import Settings
from moderation.db.models import ApiKey, Comment
from moderation.domain.errors import DuplicateComment
from moderation.domain.states import Status
from moderation.domain.text import check_text
from moderation.services.api_keys import KEY_PREFIX, hash_key

KEY_CACHE_SECONDS = 30.0
APPLICATION_NAME = "moderation-ingest"  # how operators (and the fault tests) find these connections
ID_MAX_CHARS = 255


@dataclass(frozen=True, slots=True)
class KeyIdentity:
    prefix: str
    forum_id: int


@dataclass(frozen=True, slots=True)
class Accepted:
    comment_id: uuid.UUID
    created: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Stored:
    comment_id: uuid.UUID
    body_sha256: str
    created_at: datetime


class IngestStore(Protocol):
    async def find_key(self, prefix: str, key_hash: str) -> KeyIdentity | None: ...

    async def insert(self, values: dict[str, Any]) -> bool:
        """Insert unless (forum_id, external_id) exists; True if inserted."""
        ...

    async def stored(self, forum_id: int, external_id: str) -> Stored: ...

    async def close(self) -> None: ...


async def open_store(settings: Settings) -> IngestStore:
    if settings.sqlalchemy_url.startswith("postgresql"):
        return await PostgresStore.open(settings)
    return SQLiteStore(settings)


class PostgresStore:
    INSERT = (
        "INSERT INTO comment (id, forum_id, external_id, thread_id, author_id, author_name, parent_external_id,"
        " body, body_sha256, metadata, status, priority, review_reasons, scoring_attempts, created_at,"
        " status_changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'normal', '[]', 0, $12, $12)"
        " ON CONFLICT (forum_id, external_id) DO NOTHING RETURNING id"
    )
    FIND_KEY = "SELECT prefix, forum_id FROM api_key WHERE prefix = $1 AND key_hash = $2 AND revoked_at IS NULL"
    STORED = "SELECT id, body_sha256, created_at FROM comment WHERE forum_id = $1 AND external_id = $2"

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    @classmethod
    async def open(cls, settings: Settings) -> PostgresStore:
        dsn = settings.sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)
        pool = await asyncpg.create_pool(
            dsn,
            min_size=1,
            max_size=settings.db_pool_size,
            server_settings={"application_name": APPLICATION_NAME},
            reset=keep_session_state,
        )
        return cls(pool)

    async def find_key(self, prefix: str, key_hash: str) -> KeyIdentity | None:
        row = await self.pool.fetchrow(self.FIND_KEY, prefix, key_hash)
        return KeyIdentity(row["prefix"], row["forum_id"]) if row else None

    async def insert(self, values: dict[str, Any]) -> bool:
        row = await self.pool.fetchrow(
            self.INSERT,
            values["id"], values["forum_id"], values["external_id"], values["thread_id"], values["author_id"],
            values["author_name"], values["parent_external_id"], values["body"], values["body_sha256"],
            json.dumps(values["metadata"]), values["status"], values["created_at"],
        )  # fmt: skip
        return row is not None

    async def stored(self, forum_id: int, external_id: str) -> Stored:
        row = await self.pool.fetchrow(self.STORED, forum_id, external_id)
        return Stored(row["id"], row["body_sha256"], row["created_at"])

    async def close(self) -> None:
        await self.pool.close()


async def keep_session_state(connection: asyncpg.Connection) -> None:
    """Skip asyncpg's reset query on release (a full round trip per request): these statements are
    single autocommit statements that leave no session state. asyncpg still rolls back an open transaction."""


class SQLiteStore:
    """The embedded default: the same statements through SQLAlchemy Core on aiosqlite."""

    def __init__(self, settings: Settings) -> None:
        from moderation.db.session import sqlite_pragmas

        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.engine: AsyncEngine = create_async_engine(settings.async_sqlalchemy_url, connect_args={"timeout": 30})
        sqlite_pragmas(self.engine.sync_engine)

    async def find_key(self, prefix: str, key_hash: str) -> KeyIdentity | None:
        query = select(ApiKey.prefix, ApiKey.forum_id).where(
            ApiKey.prefix == prefix, ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None)
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return KeyIdentity(row.prefix, row.forum_id) if row else None

    async def insert(self, values: dict[str, Any]) -> bool:
        statement = (
            sqlite.insert(cast(Table, Comment.__table__))
            .values(values)
            .on_conflict_do_nothing(index_elements=["forum_id", "external_id"])
            .returning(Comment.id)
        )
        async with self.engine.begin() as conn:
            return (await conn.execute(statement)).first() is not None

    async def stored(self, forum_id: int, external_id: str) -> Stored:
        query = select(Comment.id, Comment.body_sha256, Comment.created_at).where(
            Comment.forum_id == forum_id, Comment.external_id == external_id
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).one()
        return Stored(row.id, row.body_sha256, row.created_at)

    async def close(self) -> None:
        await self.engine.dispose()


class KeyCache:
    """Valid keys seen recently, by hash. Unknown keys are not cached, so a new key works at once."""

    def __init__(self, ttl: float = KEY_CACHE_SECONDS) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, KeyIdentity]] = {}

    async def authenticate(self, store: IngestStore, presented: str) -> KeyIdentity | None:
        parts = presented.split("_")
        if len(parts) < 3 or not presented.startswith(KEY_PREFIX):
            return None
        digest = hash_key(presented)
        now = time.monotonic()
        cached = self._entries.get(digest)
        if cached and cached[0] > now:
            return cached[1]
        identity = await store.find_key(parts[1], digest)
        if identity is None:
            self._entries.pop(digest, None)
        else:
            self._entries[digest] = (now + self.ttl, identity)
        return identity


async def submit(
    store: IngestStore,
    forum_id: int,
    *,
    external_id: str,
    thread_id: str,
    author_id: str,
    body: str,
    author_name: str | None = None,
    parent_external_id: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    max_chars: int,
) -> Accepted:
    """Store a new comment in `received`, or recognise a repeat (same external_id and body)."""
    check_text("body", body, max_chars, multiline=True)
    for name, value in (("external_id", external_id), ("thread_id", thread_id), ("author_id", author_id)):
        check_text(name, value, ID_MAX_CHARS, multiline=False)
    digest = hashlib.sha256(body.encode()).hexdigest()
    now = datetime.now(UTC)
    comment_id = uuid.uuid4()
    values = {
        "id": comment_id,
        "forum_id": forum_id,
        "external_id": external_id,
        "thread_id": thread_id,
        "author_id": author_id,
        "author_name": author_name,
        "parent_external_id": parent_external_id,
        "body": body,
        "body_sha256": digest,
        "metadata": dict(metadata or {}),
        "status": Status.RECEIVED.value,
        "created_at": now,
        "status_changed_at": now,
    }
    if await store.insert(values):
        return Accepted(comment_id, True, now)
    existing = await store.stored(forum_id, external_id)
    if existing.body_sha256 != digest:
        raise DuplicateComment(f"external_id {external_id!r} was already submitted with another body")
    return Accepted(existing.comment_id, False, existing.created_at)
