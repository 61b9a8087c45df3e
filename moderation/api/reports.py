"""Reader reports forwarded by the forum."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from redis import Redis
from sqlalchemy.orm import Session

from moderation import queue
from moderation.api.comments import NO_CONTROL
from moderation.api.problems import FORUM_PROBLEMS, documented
from moderation.config import Settings
from moderation.domain.states import Status
from moderation.services import comments, reports
from moderation.services.ingest import KeyIdentity

Reason = Annotated[str, msgspec.Meta(max_length=500, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$")]


class ReportIn(msgspec.Struct, forbid_unknown_fields=True):
    reporter_id: Annotated[str, msgspec.Meta(min_length=1, max_length=255, pattern=NO_CONTROL)]
    reason: Reason = ""


class ReportOut(msgspec.Struct):
    comment_id: uuid.UUID
    reports: int
    status: Status
    sent_to_review: bool


class ReportController(Controller):
    path = "/v1/comments/{comment_id:uuid}/reports"
    tags = ["reports"]

    @post(
        sync_to_thread=True,
        status_code=202,
        summary="Report a comment on behalf of a reader",
        responses=documented(*FORUM_PROBLEMS, 400, 404),
    )
    def report(
        self,
        comment_id: FromPath[uuid.UUID],
        data: JSONBody[ReportIn],
        db_session: NamedDependency[Session],
        forum: NamedDependency[KeyIdentity],
        redis: NamedDependency[Redis],
        settings: NamedDependency[Settings],
    ) -> Response[ReportOut]:
        result = reports.report(
            db_session,
            forum.forum_id,
            comment_id,
            data.reporter_id,
            data.reason,
            reports_to_unpublish=settings.reports_to_unpublish,
            elevated_score=settings.report_elevated_score,
        )
        queue.enqueue_deliveries(redis, [d.id for d in result.deliveries])
        status = Status(comments.get(db_session, forum.forum_id, comment_id).status)
        return Response(ReportOut(comment_id, result.reports, status, result.sent_to_review), status_code=202)
