"""The review queue and the admin console on a real database: claim lock and expiry, single and bulk
decisions reaching the outbox, and who may open what over HTTP."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from redis import Redis
from rq import Queue
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from admin.plugin import create_plugin
from moderation import queue
from moderation.api.app import create_app
from moderation.config import Settings
from moderation.crypto import MultiFernet
from moderation.db.models import AuditEvent, Comment, Decision, Forum, WebhookDelivery
from moderation.domain.errors import ClaimedByOther, Conflict, InvalidInput
from moderation.domain.scores import Evidence
from moderation.services import api_keys, policies, preview, reviews, users
from tests.fixtures.reviews import put_in_review

Client = TestClient[Any]
PASSWORD = "correct horse battery"


@pytest.fixture
def forum(db: Session, cipher: MultiFernet) -> Forum:
    # A webhook URL so decisions write outbox rows (nobody listens; delivery is not under test here).
    new = api_keys.create_key(
        db, "ms-forum", actor="test", webhook_url="http://127.0.0.1:9/hook", webhook_secret="s3cret", cipher=cipher
    )
    return new.forum


@pytest.fixture
def admin_client(settings: Settings, db: Session, redis: Redis) -> Iterator[Client]:
    app = create_app(settings, redis=redis, plugins=[create_plugin(settings)])
    with TestClient(app) as client:
        yield client


@pytest.fixture
def accounts(db: Session) -> dict[str, str]:
    users.create_user(db, "mia", PASSWORD, "moderator", actor="test")
    users.create_user(db, "noah", PASSWORD, "moderator", actor="test")
    users.create_user(db, "ada", PASSWORD, "admin", actor="test")
    return {"mia": "moderator", "noah": "moderator", "ada": "admin"}


def sign_in(client: Client, username: str, password: str = PASSWORD) -> Any:
    form = client.get("/admin/login")
    token = re.search(r'name="_csrf" value="([^"]+)"', form.text)
    assert token, form.text
    return client.post(
        "/admin/login",
        data={"_csrf": token.group(1), "username": username, "password": password},
        follow_redirects=False,
    )


def csrf_of(client: Client, path: str = "/admin/queue") -> str:
    match = re.search(r'data-csrf="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


# --- the queue -----------------------------------------------------------------------------------


def test_the_queue_puts_urgent_first_then_risk_then_age(db: Session, forum: Forum) -> None:
    mild = put_in_review(db, forum.id, "You are a bit of an idiot", {"toxicity": 0.6, "insult": 0.55})
    harsh = put_in_review(db, forum.id, "You are a total idiot", {"toxicity": 0.9, "insult": 0.8})
    crisis = put_in_review(db, forum.id, "I can't go on any more", {"toxicity": 0.1, "crisis": 0.7})
    misinfo = put_in_review(
        db,
        forum.id,
        "Stop your DMT. Bee venom cures MS.",
        {"misinformation": 0.7},
        (Evidence("misinformation", "Bee venom cures MS.", 0.7, "bee-venom-cures-ms"),),
    )

    page = reviews.list_queue(db)

    assert [i.comment.id for i in page.items] == [crisis.id, harsh.id, misinfo.id, mild.id]
    assert page.items[0].is_urgent
    assert page.counts["all"] == 4
    assert page.counts["urgent"] == 1
    assert page.counts["toxicity"] == 2
    assert page.counts["misinformation"] == 1
    assert page.counts["crisis"] == 1
    only_misinfo = reviews.list_queue(db, reason="misinformation")
    assert [i.comment.id for i in only_misinfo.items] == [misinfo.id]
    assert only_misinfo.items[0].evidence == ("Bee venom cures MS.",)
    assert only_misinfo.counts["all"] == 4  # counts describe every filter, not only the current one


def test_highlight_marks_the_evidence_sentence_only() -> None:
    runs = reviews.highlight("Hello there. Bee venom cures MS. Bye", ["Bee venom cures MS."])
    assert runs == [("Hello there. ", False), ("Bee venom cures MS.", True), (" Bye", False)]


# --- claims ---------------------------------------------------------------------------------------


def test_opening_an_item_claims_it_and_a_second_moderator_cannot_decide_it(db: Session, forum: Forum) -> None:
    item = put_in_review(db, forum.id, "You are a total idiot", {"toxicity": 0.9})

    first = reviews.open_item(db, item.id, "mia")
    second = reviews.open_item(db, item.id, "noah")

    assert first.held_by_me
    assert first.holder is None
    assert not second.held_by_me
    assert second.holder == "mia"
    assert first.comment.first_seen_at is not None
    with pytest.raises(ClaimedByOther, match="mia"):
        reviews.review(db, item.id, "noah", reviews.APPROVE)
    assert db.get(Comment, item.id).status == "pending_review"  # type: ignore[union-attr]


def test_a_stale_claim_expires_and_another_moderator_can_take_over(db: Session, forum: Forum) -> None:
    item = put_in_review(db, forum.id, "You are a total idiot", {"toxicity": 0.9})
    opened_at = datetime.now(UTC)
    reviews.open_item(db, item.id, "mia", now=opened_at)

    later = opened_at + timedelta(seconds=reviews.CLAIM_SECONDS + 1)
    view = reviews.open_item(db, item.id, "noah", now=later)
    done = reviews.review(db, item.id, "noah", reviews.REJECT, reason="harassment", now=later)

    assert view.held_by_me
    assert done.decided == 1
    db.expire_all()
    stored = db.get(Comment, item.id)
    assert stored is not None
    assert stored.status == "rejected"
    assert stored.claimed_by is None


def test_a_decision_writes_the_decision_the_outbox_and_one_audit_event(db: Session, forum: Forum) -> None:
    item = put_in_review(db, forum.id, "You are a total idiot", {"toxicity": 0.9})
    reviews.open_item(db, item.id, "mia")

    done = reviews.review(db, item.id, "mia", reviews.REJECT, reason="harassment", note="personal attack")

    decision = db.scalar(select(Decision).where(Decision.comment_id == item.id).order_by(Decision.id.desc()))
    assert decision is not None
    assert (decision.outcome, decision.decided_by) == ("rejected", "mia")
    assert decision.reasons == [{"code": "harassment", "note": "personal attack"}]
    delivery = db.scalar(select(WebhookDelivery).where(WebhookDelivery.decision_id == decision.id))
    assert delivery is not None
    assert done.deliveries == [delivery.id]
    assert delivery.payload["outcome"] == "rejected"
    assert delivery.payload["decided_by"] == "mia"
    events = db.scalars(
        select(AuditEvent).where(AuditEvent.comment_id == item.id, AuditEvent.action == "comment.reviewed")
    ).all()
    assert [(e.actor, e.from_status, e.to_status) for e in events] == [("mia", "pending_review", "rejected")]


def test_a_decided_item_cannot_be_decided_again_and_reasons_are_checked(db: Session, forum: Forum) -> None:
    item = put_in_review(db, forum.id, "You are a total idiot", {"toxicity": 0.9})
    with pytest.raises(InvalidInput):
        reviews.review(db, item.id, "mia", reviews.REJECT, reason="not-a-reason")
    with pytest.raises(InvalidInput, match="note"):
        reviews.review(db, item.id, "mia", reviews.REJECT, reason="other")
    reviews.review(db, item.id, "mia", reviews.APPROVE)
    with pytest.raises(Conflict, match="published"):
        reviews.review(db, item.id, "noah", reviews.REJECT, reason="spam")


def test_bulk_decides_each_item_and_skips_those_another_moderator_holds(db: Session, forum: Forum) -> None:
    items = [put_in_review(db, forum.id, f"You idiot number {n}", {"toxicity": 0.8}) for n in range(4)]
    reviews.open_item(db, items[0].id, "noah")

    done = reviews.decide_many(db, [i.id for i in items], "mia", reviews.APPROVE)

    assert (done.decided, done.skipped_claimed, done.skipped_gone) == (3, 1, 0)
    assert len(done.deliveries) == 3
    audited = db.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "comment.reviewed", AuditEvent.actor == "mia")
    )
    assert audited == 3
    assert reviews.list_queue(db).counts["all"] == 1


def test_preview_replays_stored_scores_of_recent_comments(db: Session, forum: Forum) -> None:
    put_in_review(db, forum.id, "You are a total idiot", {"toxicity": 0.9})
    put_in_review(db, forum.id, "Mildly rude", {"toxicity": 0.55})
    current = policies.current(db)
    bands = policies.to_json(current) | {"toxicity": {"review_at": 0.5, "reject_at": 0.85}}
    draft = policies.to_policy(0, "post", bands)

    impact = preview.replay(preview.load_samples(db, last=100), current, draft)

    assert impact.sampled == 2
    assert impact.now["rejected"] == 0
    assert impact.draft["rejected"] == 1
    assert impact.changed_total == 1
    assert impact.changed[0].draft == "rejected"


# --- over HTTP ------------------------------------------------------------------------------------


def test_pages_need_a_signed_in_account(admin_client: Client) -> None:
    response = admin_client.get("/admin/queue", headers={"Authorization": "Bearer mod_x_y"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login")


def test_a_real_forum_key_cannot_open_the_console(admin_client: Client, db: Session) -> None:
    plaintext = api_keys.create_key(db, "other-forum", actor="test").plaintext
    response = admin_client.get("/admin", headers={"Authorization": f"Bearer {plaintext}"}, follow_redirects=False)
    assert response.status_code in (303, 401)
    assert admin_client.post("/admin/queue/bulk", headers={"Authorization": f"Bearer {plaintext}"}).status_code == 401


def test_sign_in_sets_a_safe_session_cookie_and_sign_out_ends_it(admin_client: Client, accounts: Any) -> None:
    response = sign_in(admin_client, "mia")
    assert response.status_code == 303
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and "moderation_admin=" in v)
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Path=/admin" in cookie
    assert admin_client.get("/admin/queue").status_code == 200
    token = csrf_of(admin_client)
    assert admin_client.post("/admin/logout", data={"_csrf": token}, follow_redirects=False).status_code == 303
    assert admin_client.get("/admin/queue", follow_redirects=False).status_code == 303


def test_a_moderator_is_refused_admin_pages(admin_client: Client, accounts: Any) -> None:
    sign_in(admin_client, "mia")
    for path in ("/admin/policy", "/admin/claims", "/admin/keys", "/admin/users", "/admin/audit", "/admin/settings"):
        assert admin_client.get(path).status_code == 403, path
    assert admin_client.get("/admin/dashboard").status_code == 200


def test_forms_without_the_csrf_token_are_refused(
    admin_client: Client, db: Session, forum: Forum, accounts: Any
) -> None:
    item = put_in_review(db, forum.id, "You are a total idiot", {"toxicity": 0.9})
    sign_in(admin_client, "mia")
    refused = admin_client.post(f"/admin/queue/{item.id}/decide", data={"action": "approve"}, follow_redirects=False)
    assert refused.status_code == 403
    db.expire_all()
    assert db.get(Comment, item.id).status == "pending_review"  # type: ignore[union-attr]


def test_five_failed_sign_ins_lock_that_username_for_a_while(admin_client: Client, accounts: Any) -> None:
    for _ in range(5):
        assert sign_in(admin_client, "mia", "wrong password!").status_code == 401
    assert sign_in(admin_client, "mia").status_code == 429  # even the right password, for now
    assert sign_in(admin_client, "noah").status_code == 303  # other accounts are not affected


def test_deciding_over_http_enqueues_the_webhook_and_a_second_moderator_gets_409(
    settings: Settings, admin_client: Client, db: Session, redis: Redis, forum: Forum, accounts: Any
) -> None:
    item = put_in_review(db, forum.id, "You are a total idiot", {"toxicity": 0.9})
    sign_in(admin_client, "mia")
    assert "is yours" in admin_client.get(f"/admin/queue/{item.id}").text
    app = create_app(settings, redis=redis, plugins=[create_plugin(settings)])
    with TestClient(app) as other:
        sign_in(other, "noah")
        page = other.get(f"/admin/queue/{item.id}")
        assert "mia is reviewing this item" in page.text
        token = csrf_of(other)
        refused = other.post(
            f"/admin/queue/{item.id}/decide", data={"_csrf": token, "action": "approve"}, follow_redirects=False
        )
        assert refused.status_code == 409
        assert "mia" in refused.text

    token = csrf_of(admin_client)
    done = admin_client.post(
        f"/admin/queue/{item.id}/decide",
        data={"_csrf": token, "action": "reject", "reason": "harassment"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    db.expire_all()
    assert db.get(Comment, item.id).status == "rejected"  # type: ignore[union-attr]
    assert Queue(queue.WEBHOOKS, connection=redis).count == 1


def test_an_admin_previews_and_saves_a_policy_and_new_versions_are_audited(
    admin_client: Client, db: Session, forum: Forum, accounts: Any
) -> None:
    put_in_review(db, forum.id, "You are a total idiot", {"toxicity": 0.9})
    sign_in(admin_client, "ada")
    token = csrf_of(admin_client, "/admin/policy")
    form = {"_csrf": token, "mode": "post", "window": "last", "size": "100", "note": "stricter"}
    for label, band in policies.to_json(policies.current(db)).items():
        form[f"review_at.{label}"] = "" if band["review_at"] is None else str(band["review_at"])
        form[f"reject_at.{label}"] = "" if band["reject_at"] is None else str(band["reject_at"])
        if band.get("urgent"):
            form[f"urgent.{label}"] = "on"
    form["reject_at.toxicity"] = "0.85"

    shown = admin_client.post("/admin/policy/preview", data=form)
    assert shown.status_code == 200
    assert "1 comment(s) would be decided differently" in shown.text
    saved = admin_client.post("/admin/policy", data=form, follow_redirects=False)
    assert saved.status_code == 303
    current = policies.current(db)
    assert current.version == 2
    assert current.bands["toxicity"].reject_at == 0.85
    audit = admin_client.get("/admin/audit?action=policy.save")
    assert audit.status_code == 200
    assert "policy.save" in audit.text
    assert "stricter" in audit.text
    bad = admin_client.post("/admin/policy", data=form | {"reject_at.toxicity": "0.2"})
    assert bad.status_code == 422
    assert "review_at must not be above reject_at" in bad.text


def test_every_admin_page_renders(admin_client: Client, db: Session, forum: Forum, accounts: Any) -> None:
    item = put_in_review(db, forum.id, "I can't go on any more", {"crisis": 0.9})
    sign_in(admin_client, "ada")
    for path in (
        "/admin/dashboard",
        "/admin/queue",
        "/admin/queue/rows?reason=crisis",
        f"/admin/queue/{item.id}",
        "/admin/policy",
        "/admin/claims",
        "/admin/claims/new",
        "/admin/claims/bee-venom-cures-ms",
        "/admin/keys",
        "/admin/users",
        "/admin/audit",
        "/admin/settings",
    ):
        response = admin_client.get(path)
        assert response.status_code == 200, (path, response.text[:500])
    assert "Samaritans" in admin_client.get(f"/admin/queue/{item.id}").text  # the support note on urgent items
    unknown = admin_client.get(f"/admin/queue/{uuid.uuid4()}")
    assert unknown.status_code == 404
    assert "<html" in unknown.text
