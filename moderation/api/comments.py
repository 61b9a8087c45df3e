"""The forum's comment API: submit, read back by id or by the forum's own id."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import anyio.to_thread
import msgspec
from litestar import Controller, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.orm import Session

from moderation import queue
from moderation.api.problems import FORUM_PROBLEMS, documented
from moderation.api.schemas import CommentOut, comment_out
from moderation.config import Settings
from moderation.db.models import Comment
from moderation.domain.errors import NotFound
from moderation.domain.states import Status
from moderation.domain.text import check_text
from moderation.services import claims, comments, decisions, ingest
from moderation.services.ingest import KeyIdentity

# Patterns put our text rules into the schema (no control characters; not only spaces), so clients and
# fuzzers see them; the services check the same rules again (moderation/domain/text.py).
# Each is leading spaces, one visible character, then the rest: the classes cannot overlap where the
# regex engine could backtrack, so matching is linear (`.*\S.*` is quadratic on a long body that ends in
# a control character: a 256 KB request held a core for minutes). The spaces are listed rather than
# written `[^\S...]`, which schemathesis cannot generate from.
SPACES = r" \u00a0\u2000-\u200a\u202f\u205f\u3000"
NO_CONTROL = rf"^[{SPACES}]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
BODY_TEXT = rf"^[\t\n\r{SPACES}]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=255, pattern=NO_CONTROL)]


class CommentIn(msgspec.Struct, forbid_unknown_fields=True):
    external_id: Id
    thread_id: Id
    author_id: Id
    # Length is checked by the service so an oversize text gets 413, not 422.
    body: Annotated[str, msgspec.Meta(min_length=1, pattern=BODY_TEXT)]
    author_name: Annotated[str, msgspec.Meta(max_length=255, pattern=NO_CONTROL)] | None = None
    parent_external_id: Id | None = None
    metadata: dict[str, Any] | None = None


class CommentController(Controller):
    path = "/v1/comments"
    tags = ["comments"]

    @post(
        status_code=202,
        summary="Submit a comment for moderation",
        responses={
            200: ResponseSpec(CommentOut, description="The same comment was already submitted"),
            **documented(*FORUM_PROBLEMS, 400, 409, 413),
        },
    )
    async def submit(
        self,
        data: JSONBody[CommentIn],
        state: State,
        forum: NamedDependency[KeyIdentity],
    ) -> Response[CommentOut]:
        # Settings come from `state`, not a second dependency: two dependencies are resolved in an anyio
        # task group, which cost a tenth of this handler's time under load.
        settings: Settings = state.settings
        # The row is committed before the scorers are woken: the database, not Redis, holds the comment.
        accepted = await ingest.submit(
            state.ingest, forum.forum_id, **msgspec.structs.asdict(data), max_chars=settings.max_comment_chars
        )
        if not accepted.created:
            stored = await anyio.to_thread.run_sync(_stored, state, forum.forum_id, accepted.comment_id)
            return Response(stored, status_code=200)
        waker: queue.ScorerWaker = state.waker
        await waker.wake()
        return Response(_received(accepted, data), status_code=202)

    @get(
        "/{comment_id:uuid}",
        sync_to_thread=True,
        summary="A comment with its status, scores and decision",
        responses=documented(*FORUM_PROBLEMS, 404),
    )
    def read(
        self, comment_id: FromPath[uuid.UUID], db_session: NamedDependency[Session], forum: NamedDependency[KeyIdentity]
    ) -> CommentOut:
        return _full(db_session, comments.get(db_session, forum.forum_id, comment_id))

    @get(
        sync_to_thread=True, summary="Find a comment by the forum's own id", responses=documented(*FORUM_PROBLEMS, 404)
    )
    def find(
        self,
        db_session: NamedDependency[Session],
        forum: NamedDependency[KeyIdentity],
        external_id: Annotated[str, QueryParameter(min_length=1, max_length=255, pattern=NO_CONTROL)],
    ) -> CommentOut:
        check_text("external_id", external_id, ingest.ID_MAX_CHARS, multiline=False)  # PostgreSQL refuses NUL
        comment = comments.find_by_external_id(db_session, forum.forum_id, external_id)
        if comment is None:
            raise NotFound(f"no comment with external_id {external_id!r}")
        return _full(db_session, comment)


def _received(accepted: ingest.Accepted, data: CommentIn) -> CommentOut:
    return CommentOut(
        id=accepted.comment_id,
        external_id=data.external_id,
        thread_id=data.thread_id,
        author_id=data.author_id,
        author_name=data.author_name,
        parent_external_id=data.parent_external_id,
        status=Status.RECEIVED,
        priority="normal",
        created_at=accepted.created_at,
        scores={},
        evidence=[],
        decision=None,
    )


def _stored(state: State, forum_id: int, comment_id: uuid.UUID) -> CommentOut:
    with state.sessions() as session:
        return _full(session, comments.get(session, forum_id, comment_id))


def _full(session: Session, comment: Comment) -> CommentOut:
    matched = {e.claim_slug for e in comment.evidence if e.claim_slug}
    return comment_out(comment, decisions.latest_for(session, comment.id), claims.by_slugs(session, matched))
