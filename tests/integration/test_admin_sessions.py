"""Console sessions in Redis: a new id at sign-in (no session fixation), deleted at sign-out, and
expiring both when idle (Redis TTL) and MAX_AGE_SECONDS after sign-in however busy."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from redis import Redis
from sqlalchemy.orm import Session

from admin import sessions
from admin.plugin import create_plugin
from moderation.api.app import create_app
from moderation.config import Settings
from moderation.services import users

Client = TestClient[Any]
PASSWORD = "correct horse battery"
PLANTED = "f" * 64  # an id an attacker chose and got into the victim's browser before sign-in


@pytest.fixture
def console(settings: Settings, db: Session, redis: Redis) -> Iterator[Client]:
    users.create_user(db, "mia", PASSWORD, "moderator", actor="test")
    with TestClient(create_app(settings, redis=redis, plugins=[create_plugin(settings)])) as client:
        yield client


def sign_in(client: Client) -> Any:
    form = client.get("/admin/login")
    token = re.search(r'name="_csrf" value="([^"]+)"', form.text)
    assert token, form.text
    return client.post(
        "/admin/login",
        data={"_csrf": token.group(1), "username": "mia", "password": PASSWORD},
        follow_redirects=False,
    )


def session_id(client: Client) -> str:
    value = client.cookies.get(sessions.COOKIE)
    assert value not in (None, "", "null")
    return str(value)


def stored_key(redis: Redis, sid: str) -> str | None:
    keys = redis.keys(f"moderation:admin-session:*:{sid}")
    return keys[0].decode() if keys else None


def plant(client: Client, sid: str) -> None:
    client.cookies.set(sessions.COOKIE, sid, domain=client.base_url.host, path="/admin")


def with_only_cookie(client: Client, sid: str) -> Client:
    """The same app with nothing but a session cookie, as someone replaying a known id would send it."""
    client.cookies.clear()
    plant(client, sid)
    return client


def test_signing_in_starts_a_new_session_id_and_an_id_from_before_is_worth_nothing(
    console: Client, redis: Redis
) -> None:
    plant(console, PLANTED)
    assert console.get("/admin/login").status_code == 200
    assert session_id(console) == PLANTED  # Litestar keeps whatever id the browser presents...
    assert stored_key(redis, PLANTED) is not None

    assert sign_in(console).status_code == 303

    signed_in = session_id(console)
    assert signed_in != PLANTED  # ...so signing in must change it
    assert stored_key(redis, PLANTED) is None
    assert stored_key(redis, signed_in) is not None
    assert console.get("/admin/queue").status_code == 200
    attacker = with_only_cookie(console, PLANTED)
    refused = attacker.get("/admin/queue", follow_redirects=False)
    assert refused.status_code == 303
    assert refused.headers["location"].startswith("/admin/login")


def test_an_id_the_server_issued_before_sign_in_is_not_valid_after_it(console: Client) -> None:
    console.get("/admin/login")
    before = session_id(console)
    sign_in(console)
    assert session_id(console) != before
    replayed = with_only_cookie(console, before).get("/admin/dashboard", follow_redirects=False)
    assert replayed.status_code == 303
    assert replayed.headers["location"].startswith("/admin/login")


def test_signing_out_deletes_the_session_from_redis(console: Client, redis: Redis) -> None:
    sign_in(console)
    sid = session_id(console)
    assert stored_key(redis, sid) is not None
    csrf = console.get("/admin/api/session").json()["csrf_token"]

    out = console.post("/admin/logout", data={"_csrf": csrf}, follow_redirects=False)

    assert out.status_code == 303
    assert stored_key(redis, sid) is None
    cookie = next(v for k, v in out.headers.multi_items() if k == "set-cookie" and sessions.COOKIE in v)
    assert f"{sessions.COOKIE}=null" in cookie
    replayed = with_only_cookie(console, sid).get("/admin/queue", follow_redirects=False)
    assert replayed.status_code == 303


def test_a_session_expires_when_idle_and_at_its_maximum_age_however_busy(console: Client, redis: Redis) -> None:
    response = sign_in(console)
    sid = session_id(console)
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and sessions.COOKIE in v)
    assert f"Max-Age={sessions.MAX_AGE_SECONDS}" in cookie
    key = stored_key(redis, sid)
    assert key is not None
    assert sessions.MAX_AGE_SECONDS - 60 < redis.ttl(key) <= sessions.MAX_AGE_SECONDS  # idle sessions vanish

    # Each request re-stores the session with a fresh TTL, so a busy one would live for ever without
    # the sign-in time: make this one a second older than the maximum age.
    data = json.loads(redis.get(key) or b"{}")
    data[sessions.SIGNED_IN_AT] = time.time() - sessions.MAX_AGE_SECONDS - 1
    redis.set(key, json.dumps(data), keepttl=True)

    expired = console.get("/admin/queue", follow_redirects=False)

    assert expired.status_code == 303
    assert expired.headers["location"].startswith("/admin/login")
    assert stored_key(redis, sid) is None


def test_a_cookie_we_did_not_issue_gets_a_fresh_session_not_an_error(console: Client, redis: Redis) -> None:
    console.cookies.set(sessions.COOKIE, "%E2%82%AC not ours", domain=console.base_url.host, path="/admin")
    page = console.get("/admin/login")
    assert page.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{64}", session_id(console))
    assert sign_in(console).status_code in (302, 303)
