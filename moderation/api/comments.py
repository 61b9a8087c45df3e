"""The forum's comment API: submit, read back by id or by the forum's own id."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from redis import Redis
from sqlalchemy.orm import Session

from moderation import queue
from moderation.api.schemas import CommentOut, comment_out
from moderation.config import Settings
from moderation.db.models import Forum
from moderation.domain.errors import NotFound
from moderation.services import comments, decisions

Id = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]


class CommentIn(msgspec.Struct, forbid_unknown_fields=True):
    external_id: Id
    thread_id: Id
    author_id: Id
    # Length is checked by the service so an oversize text gets 413, not 422.
    body: Annotated[str, msgspec.Meta(min_length=1)]
    author_name: Annotated[str, msgspec.Meta(max_length=255)] | None = None
    parent_external_id: Id | None = None
    metadata: dict[str, Any] | None = None


class CommentController(Controller):
    path = "/v1/comments"
    tags = ["comments"]

    @post(sync_to_thread=True, status_code=202, summary="Submit a comment for moderation")
    def submit(
        self,
        data: JSONBody[CommentIn],
        db_session: NamedDependency[Session],
        forum: NamedDependency[Forum],
        redis: NamedDependency[Redis],
        settings: NamedDependency[Settings],
    ) -> Response[CommentOut]:
        # submit() commits before the job is queued: the database, not Redis, holds the comment.
        comment, created = comments.submit(
            db_session, forum.id, **msgspec.structs.asdict(data), max_chars=settings.max_comment_chars
        )
        if created:
            queue.enqueue_scoring(redis, [comment.id])
        decision = None if created else decisions.latest_for(db_session, comment.id)
        return Response(comment_out(comment, decision), status_code=202 if created else 200)

    @get("/{comment_id:uuid}", sync_to_thread=True, summary="A comment with its status, scores and decision")
    def read(
        self, comment_id: FromPath[uuid.UUID], db_session: NamedDependency[Session], forum: NamedDependency[Forum]
    ) -> CommentOut:
        comment = comments.get(db_session, forum.id, comment_id)
        return comment_out(comment, decisions.latest_for(db_session, comment.id))

    @get(sync_to_thread=True, summary="Find a comment by the forum's own id")
    def find(
        self,
        db_session: NamedDependency[Session],
        forum: NamedDependency[Forum],
        external_id: Annotated[str, QueryParameter(min_length=1, max_length=255)],
    ) -> CommentOut:
        comment = comments.find_by_external_id(db_session, forum.id, external_id)
        if comment is None:
            raise NotFound(f"no comment with external_id {external_id!r}")
        return comment_out(comment, decisions.latest_for(db_session, comment.id))
