"""The yardstick for the ingest benchmark: a bare Litestar endpoint doing the same single INSERT with
raw asyncpg (no auth, no validation beyond msgspec, no queue), as fast as this stack can go."""

from __future__ import annotations

import os
import uuid
from typing import Any

import asyncpg
import msgspec
from litestar import Litestar, Response, post
from litestar.datastructures import State

from moderation.services.ingest import keep_session_state


class CommentIn(msgspec.Struct):
    external_id: str
    thread_id: str
    author_id: str
    body: str


INSERT = "INSERT INTO bare_comment (id, external_id, thread_id, author_id, body) VALUES ($1, $2, $3, $4, $5)"


@post("/v1/comments", status_code=202)
async def submit(data: CommentIn, state: State) -> Response[dict[str, Any]]:
    comment_id = uuid.uuid4()
    async with state.pool.acquire() as conn:
        await conn.execute(INSERT, comment_id, data.external_id, data.thread_id, data.author_id, data.body)
    return Response({"id": str(comment_id), "status": "received"}, status_code=202)


async def open_pool(app: Litestar) -> None:
    dsn = os.environ["BENCH_DSN"]
    # No reset query on release, as in the service (moderation/services/ingest.py): the same cost model.
    app.state.pool = await asyncpg.create_pool(dsn, min_size=10, max_size=10, reset=keep_session_state)
    async with app.state.pool.acquire() as conn:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS bare_comment (id uuid PRIMARY KEY, external_id text, thread_id text,"
            " author_id text, body text, created_at timestamptz DEFAULT now())"
        )


async def close_pool(app: Litestar) -> None:
    await app.state.pool.close()


app = Litestar([submit], on_startup=[open_pool], on_shutdown=[close_pool])
