"""The change feed: every decision in the order it was made, paged by cursor."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.api.problems import FORUM_PROBLEMS, documented
from moderation.api.schemas import FeedEntry, FeedOut
from moderation.db.models import Comment
from moderation.domain.states import Status
from moderation.services import decisions
from moderation.services.ingest import KeyIdentity

MAX_CURSOR = 2**63 - 1  # decision ids are 64-bit


class FeedController(Controller):
    path = "/v1/decisions"
    tags = ["decisions"]

    @get(sync_to_thread=True, summary="Decisions after a cursor, oldest first", responses=documented(*FORUM_PROBLEMS))
    def page(
        self,
        db_session: NamedDependency[Session],
        forum: NamedDependency[KeyIdentity],
        after: Annotated[int, QueryParameter(ge=0, le=MAX_CURSOR)] = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
    ) -> FeedOut:
        page = decisions.feed(db_session, forum.forum_id, after, limit + 1)
        rows = page.decisions[:limit]
        external: dict[uuid.UUID, str] = {
            row.id: row.external_id
            for row in db_session.execute(
                select(Comment.id, Comment.external_id).where(Comment.id.in_([d.comment_id for d in rows]))
            )
        }
        entries = [
            FeedEntry(
                id=d.id,
                comment_id=d.comment_id,
                external_id=external[d.comment_id],
                outcome=Status(d.outcome),
                reasons=d.reasons,
                priority=d.priority,
                decided_by=d.decided_by,
                decided_at=d.created_at,
                policy_version=d.policy_version,
            )
            for d in rows
        ]
        return FeedOut(entries, rows[-1].id if rows else after, has_more=len(page.decisions) > limit)
