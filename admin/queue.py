"""The review queue, one item, and decisions (single and bulk)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template
from redis import Redis
from sqlalchemy.orm import Session

from admin.guards import Staff
from admin.pages import back, field, flash, page, values
from moderation import queue
from moderation.domain.policy import HEALTH_LABELS, TOXICITY_LABELS
from moderation.services import reviews, settings_store

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
AnyRequest = Request[Any, Any, Any]
# The filter bar lists these even at zero, so a moderator learns what the queue can hold.
REASONS = (*HEALTH_LABELS, "reported", "scoring_failed", *TOXICITY_LABELS)


class QueueController(Controller):
    path = "/queue"

    @get(sync_to_thread=True)
    def show(
        self,
        request: AnyRequest,
        db_session: NamedDependency[Session],
        reason: FromQuery[str] = "",
        forum: FromQuery[int | None] = None,
    ) -> Template:
        return page(request, "queue.html", **_queue_context(db_session, reason, forum))

    @get("/rows", sync_to_thread=True)
    def rows(
        self,
        request: AnyRequest,
        db_session: NamedDependency[Session],
        reason: FromQuery[str] = "",
        forum: FromQuery[int | None] = None,
    ) -> Template:
        """The live part of the queue page, polled by static/app.js so new items appear without a reload."""
        return page(request, "_queue_live.html", **_queue_context(db_session, reason, forum))

    @get("/{comment_id:uuid}", sync_to_thread=True)
    def item(
        self,
        request: AnyRequest,
        comment_id: FromPath[uuid.UUID],
        db_session: NamedDependency[Session],
        me: NamedDependency[Staff],
    ) -> Template:
        view = reviews.open_item(db_session, comment_id, me.username)
        runs = reviews.highlight(view.comment.body, [e.sentence for e in view.comment.evidence])
        return page(
            request, "item.html", view=view, runs=runs, back_to=request.query_params.get("back", "/admin/queue")
        )

    @post("/{comment_id:uuid}/decide", sync_to_thread=True)
    def decide(
        self,
        request: AnyRequest,
        comment_id: FromPath[uuid.UUID],
        data: Form,
        db_session: NamedDependency[Session],
        redis: NamedDependency[Redis],
        me: NamedDependency[Staff],
    ) -> Redirect:
        action = field(data, "action")
        done = reviews.review(
            db_session, comment_id, me.username, action, reason=field(data, "reason") or None, note=field(data, "note")
        )
        queue.enqueue_deliveries(redis, done.deliveries)
        flash(request, "Approved and published." if action == reviews.APPROVE else "Rejected.")
        return back(_safe_back(field(data, "back")))

    @post("/{comment_id:uuid}/release", sync_to_thread=True)
    def release(
        self,
        request: AnyRequest,
        comment_id: FromPath[uuid.UUID],
        data: Form,
        db_session: NamedDependency[Session],
        me: NamedDependency[Staff],
    ) -> Redirect:
        reviews.release(db_session, comment_id, me.username)
        flash(request, "Released: the item is back in the queue for anyone.")
        return back(_safe_back(field(data, "back")))

    @post("/bulk", sync_to_thread=True)
    def bulk(
        self,
        request: AnyRequest,
        data: Form,
        db_session: NamedDependency[Session],
        redis: NamedDependency[Redis],
        me: NamedDependency[Staff],
    ) -> Redirect:
        reason_filter, forum_filter = field(data, "filter_reason"), field(data, "filter_forum")
        if field(data, "scope") == "filter":
            ids = reviews.queue_ids(
                db_session, reason=reason_filter or None, forum_id=int(forum_filter) if forum_filter.isdigit() else None
            )
        else:
            ids = _uuids(values(data, "ids"))
        action = field(data, "action")
        done = reviews.decide_many(
            db_session, ids, me.username, action, reason=field(data, "reason") or None, note=field(data, "note")
        )
        queue.enqueue_deliveries(redis, done.deliveries)
        verb = "approved" if action == reviews.APPROVE else "rejected"
        message = f"{done.decided} {verb}."
        if done.skipped_claimed:
            message += f" {done.skipped_claimed} skipped: another moderator holds them."
        if done.skipped_gone:
            message += f" {done.skipped_gone} skipped: already decided."
        flash(request, message, "ok" if not (done.skipped_claimed or done.skipped_gone) else "warn")
        return back(_queue_url(reason_filter, forum_filter))


def _queue_context(session: Session, reason: str, forum: int | None) -> dict[str, Any]:
    """The queue page and its polled live part show the same listing, filtered the same way."""
    listing = reviews.list_queue(session, reason=reason or None, forum_id=forum)
    shown = [*REASONS, *sorted(set(listing.counts) - set(REASONS) - {"all", "urgent"})]
    return {
        "listing": listing,
        "reasons": shown,
        "reason": reason,
        "forum": forum,
        "reject_reasons": settings_store.reject_reasons(session),
        "query": urlencode({k: v for k, v in (("reason", reason), ("forum", forum)) if v}),
        "highlight": reviews.highlight,
    }


def _queue_url(reason: str, forum: str) -> str:
    query = urlencode({k: v for k, v in (("reason", reason), ("forum", forum)) if v})
    return "/admin/queue" + (f"?{query}" if query else "")


def _safe_back(target: str) -> str:
    return target if target.startswith("/admin/") and not target.startswith("//") else "/admin/queue"


def _uuids(texts: list[str]) -> list[uuid.UUID]:
    ids = []
    for text in texts:
        try:
            ids.append(uuid.UUID(text))
        except ValueError:
            continue  # a tampered form: ignore the value rather than fail the whole batch
    return ids
