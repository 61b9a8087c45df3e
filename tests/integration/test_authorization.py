"""Who may call what: every route of the assembled app (forum API, system routes, console, admin API),
asked by five principals, against a table written out by hand. A route that nobody classified, or a
classified route that is gone, fails the test, so a new endpoint cannot ship without a decision here.

Path parameters name real objects: forum A's comment (held for review), a claim, a spare user and a
spare key, so "forum B asks for forum A's comment" really is that question (404). Signed-in principals
send their session's CSRF token with every change, so a 403 here is about the role; the CSRF check
itself is the second test.
"""

from __future__ import annotations

import pprint
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from redis import Redis
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from admin.plugin import create_plugin
from moderation.api.app import create_app
from moderation.config import Settings
from moderation.db.models import AuditEvent, Claim
from moderation.services import api_keys, claims, users
from tests.fixtures.comments import payload
from tests.fixtures.reviews import put_in_review

Client = TestClient[Any]
PASSWORD = "correct horse battery"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

ANONYMOUS, FORUM_A, FORUM_B, MODERATOR, ADMIN = PRINCIPALS = ("anonymous", "forum A", "forum B", "moderator", "admin")
SIGN_IN = "303 to sign-in"  # an admin page sends a signed-out browser to /admin/login?next=<the page>
PUBLIC = (200, 200, 200, 200, 200)
FORUM_ONLY = (401, 200, 200, 401, 401)
STAFF_PAGE = (SIGN_IN, SIGN_IN, SIGN_IN, 200, 200)
ADMIN_PAGE = (SIGN_IN, SIGN_IN, SIGN_IN, 403, 200)
ADMIN_API = (401, 401, 401, 403, 200)

# (method, route as the app names it): the answer to (anonymous, forum A key, forum B key, moderator, admin).
# A change sent by an allowed account answers what its handler answers for the body in REQUESTS: 303
# (done, back to the page), 201/200, or 422 where the body is invalid on purpose (the guards passed).
EXPECTED: dict[tuple[str, str], tuple[int | str, ...]] = {
    # The forum API: a forum key, and only for the forum's own comments.
    ("POST", "/v1/comments"): (401, 202, 202, 401, 401),
    ("GET", "/v1/comments"): (401, 200, 404, 401, 401),
    ("GET", "/v1/comments/{comment_id:uuid}"): (401, 200, 404, 401, 401),
    ("POST", "/v1/comments/{comment_id:uuid}/reports"): (401, 202, 404, 401, 401),
    ("GET", "/v1/decisions"): FORUM_ONLY,
    # Operators' routes and the API's documentation are public.
    ("GET", "/health"): PUBLIC,
    ("GET", "/ready"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/schema"): PUBLIC,
    ("GET", "/schema/openapi.json"): PUBLIC,
    ("GET", "/schema/openapi.yaml"): PUBLIC,
    ("GET", "/schema/openapi.yml"): PUBLIC,
    ("GET", "/schema/swagger"): PUBLIC,
    ("GET", "/schema/redoc"): PUBLIC,
    ("GET", "/schema/rapidoc"): PUBLIC,
    ("GET", "/schema/elements"): PUBLIC,
    ("GET", "/schema/oauth2-redirect.html"): PUBLIC,
    ("GET", "/schema/{path:str}"): (404, 404, 404, 404, 404),
    ("GET", "/admin/static/{file_path:path}"): PUBLIC,
    ("HEAD", "/admin/static/{file_path:path}"): PUBLIC,
    # Signing in and out: the sign-in form is its own CSRF check (a double-submit cookie).
    ("GET", "/admin/login"): PUBLIC,
    ("POST", "/admin/login"): (403, 403, 403, 403, 403),
    ("POST", "/admin/logout"): (403, 403, 403, 303, 303),
    # Moderators and admins: the queue and the dashboard.
    ("GET", "/admin"): (SIGN_IN, SIGN_IN, SIGN_IN, 303, 303),
    ("GET", "/admin/dashboard"): STAFF_PAGE,
    ("GET", "/admin/queue"): STAFF_PAGE,
    ("GET", "/admin/queue/rows"): STAFF_PAGE,
    ("GET", "/admin/queue/{comment_id:uuid}"): STAFF_PAGE,
    ("POST", "/admin/queue/{comment_id:uuid}/decide"): (401, 401, 401, 422, 422),
    ("POST", "/admin/queue/{comment_id:uuid}/release"): (401, 401, 401, 303, 303),
    ("POST", "/admin/queue/bulk"): (401, 401, 401, 303, 303),
    ("GET", "/admin/api/session"): (401, 401, 401, 200, 200),
    # Admins only.
    ("GET", "/admin/policy"): ADMIN_PAGE,
    ("POST", "/admin/policy"): (401, 401, 401, 403, 422),
    ("POST", "/admin/policy/preview"): (401, 401, 401, 403, 200),
    ("POST", "/admin/policy/rollback"): (401, 401, 401, 403, 303),
    ("GET", "/admin/claims"): ADMIN_PAGE,
    ("GET", "/admin/claims/new"): ADMIN_PAGE,
    ("POST", "/admin/claims/new"): (401, 401, 401, 403, 422),
    ("GET", "/admin/claims/{slug:str}"): ADMIN_PAGE,
    ("POST", "/admin/claims/{slug:str}"): (401, 401, 401, 403, 422),
    ("POST", "/admin/claims/{slug:str}/enabled"): (401, 401, 401, 403, 303),
    ("GET", "/admin/keys"): ADMIN_PAGE,
    ("POST", "/admin/keys"): (401, 401, 401, 403, 201),
    ("POST", "/admin/keys/{prefix:str}/revoke"): (401, 401, 401, 403, 303),
    ("GET", "/admin/users"): ADMIN_PAGE,
    ("POST", "/admin/users"): (401, 401, 401, 403, 422),
    ("POST", "/admin/users/{user_id:int}/role"): (401, 401, 401, 403, 303),
    ("POST", "/admin/users/{user_id:int}/disabled"): (401, 401, 401, 403, 303),
    ("GET", "/admin/audit"): ADMIN_PAGE,
    ("GET", "/admin/settings"): ADMIN_PAGE,
    ("POST", "/admin/settings/support-note"): (401, 401, 401, 403, 422),
    ("POST", "/admin/settings/reject-reasons"): (401, 401, 401, 403, 422),
    ("GET", "/admin/settings/harm-prototypes"): ADMIN_PAGE,
    ("POST", "/admin/settings/harm-prototypes/{label:str}"): (401, 401, 401, 403, 422),
    ("GET", "/admin/api/claims"): ADMIN_API,
    ("POST", "/admin/api/claims"): (401, 401, 401, 403, 422),
    ("GET", "/admin/api/claims/export"): ADMIN_API,
    ("POST", "/admin/api/claims/import"): (401, 401, 401, 403, 200),
    ("GET", "/admin/api/claims/{slug:str}"): ADMIN_API,
    ("PATCH", "/admin/api/claims/{slug:str}"): (401, 401, 401, 403, 422),
    ("DELETE", "/admin/api/claims/{slug:str}"): (401, 401, 401, 403, 200),
    ("GET", "/admin/api/harm-prototypes"): ADMIN_API,
    ("PUT", "/admin/api/harm-prototypes"): (401, 401, 401, 403, 422),
}

# What each call sends besides credentials. Bodies that would change shared state (the policy, the
# settings, the catalogue) are invalid on purpose: the 422 shows the guards let the call through.
REQUESTS: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/v1/comments"): {"json": payload("A new comment about my walking aids.")},
    ("GET", "/v1/comments"): {"params": {"external_id": "authz-a-1"}},
    ("POST", "/v1/comments/{comment_id:uuid}/reports"): {"json": {"reporter_id": "reader-1", "reason": "rude"}},
    ("POST", "/admin/login"): {"data": {"username": "ada", "password": PASSWORD}},  # without the form's token
    ("POST", "/admin/queue/{comment_id:uuid}/decide"): {"data": {"action": "reject", "reason": "not-a-reason"}},
    ("POST", "/admin/queue/bulk"): {"data": {"action": "approve"}},
    ("POST", "/admin/policy"): {"data": {"mode": "post", "review_at.toxicity": "0.9", "reject_at.toxicity": "0.2"}},
    ("POST", "/admin/policy/rollback"): {"data": {"version": "1"}},
    ("POST", "/admin/claims/{slug:str}/enabled"): {"data": {"enabled": "true"}},
    ("POST", "/admin/keys"): {"data": {"forum": "authz-new-forum"}},
    ("POST", "/admin/users/{user_id:int}/role"): {"data": {"role": "moderator"}},
    ("POST", "/admin/users/{user_id:int}/disabled"): {"data": {"disabled": "false"}},
    ("POST", "/admin/settings/support-note"): {"data": {"support_note": ""}},
    ("POST", "/admin/settings/reject-reasons"): {"data": {"reject_reasons": "not a word!"}},
    ("POST", "/admin/api/claims"): {"json": {"slug": "Not A Slug"}},
    ("POST", "/admin/api/claims/import"): {"content": b"[]", "headers": {"Content-Type": "application/json"}},
    ("PATCH", "/admin/api/claims/{slug:str}"): {"json": {"severity": "apocalyptic"}},
    ("PUT", "/admin/api/harm-prototypes"): {"json": {"crisis": []}},
}
LAST = {("POST", "/admin/logout")}  # it ends the session the rows after it would need


@dataclass(frozen=True, slots=True)
class World:
    """The real objects behind the path parameters, and one client per kind of credential."""

    params: dict[str, str]
    anonymous: Client
    moderator: Client
    admin: Client
    headers: dict[str, dict[str, str]]
    csrf: dict[str, str]

    def client(self, principal: str) -> Client:
        return {MODERATOR: self.moderator, ADMIN: self.admin}.get(principal, self.anonymous)


def app_routes(app: Litestar) -> set[tuple[str, str]]:
    """Every (method, path) the app answers, but Litestar's automatic OPTIONS (CORS pre-flight) answers."""
    return {
        (method, route.path)
        for route in app.routes
        for handler in route.route_handlers
        for method in getattr(handler, "http_methods", ())
        if method != "OPTIONS"
    }


def sign_in(client: Client, username: str) -> str:
    """Sign in through the form; the session's CSRF token."""
    form = client.get("/admin/login")
    token = re.search(r'name="_csrf" value="([^"]+)"', form.text)
    assert token, form.text
    done = client.post(
        "/admin/login",
        data={"_csrf": token.group(1), "username": username, "password": PASSWORD},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    session = client.get("/admin/api/session")
    assert session.status_code == 200, session.text
    return str(session.json()["csrf_token"])


@pytest.fixture
def test_claim(db: Session) -> Iterator[Claim]:
    """A claim of our own: the catalogue survives between tests, so the seeded claims are left alone."""
    data = claims.ClaimData(
        slug="authz-test-claim",
        statement="Authorization tests cure MS",
        category=claims.CATEGORIES[0],
        severity=claims.SEVERITIES[0],
        correction="They do not.",
        source_url="https://example.org/authz",
    )
    claim = claims.create_claim(db, data, actor="test")
    yield claim
    db.rollback()
    db.execute(delete(Claim).where(Claim.slug == data.slug))
    db.commit()


@pytest.fixture
def world(settings: Settings, db: Session, redis: Redis, test_claim: Claim) -> Iterator[World]:
    key_a = api_keys.create_key(db, "forum-a", actor="test")
    key_b = api_keys.create_key(db, "forum-b", actor="test")
    spare_key = api_keys.create_key(db, "forum-c", actor="test")
    users.create_user(db, "mia", PASSWORD, "moderator", actor="test")
    users.create_user(db, "ada", PASSWORD, "admin", actor="test")
    spare_user = users.create_user(db, "zoe", PASSWORD, "moderator", actor="test")
    comment = put_in_review(db, key_a.forum.id, "You are a total idiot", {"toxicity": 0.9}, external_id="authz-a-1")
    assert comment.status == "pending_review"
    params = {
        "comment_id": str(comment.id),
        "slug": test_claim.slug,
        "prefix": spare_key.key.prefix,
        "user_id": str(spare_user.id),
        "label": "crisis",
        "file_path": "app.css",
        "path": "no-such-page",
    }
    apps = [create_app(settings, redis=redis, plugins=[create_plugin(settings)]) for _ in range(3)]
    with TestClient(apps[0]) as anonymous, TestClient(apps[1]) as moderator, TestClient(apps[2]) as admin:
        csrf = {MODERATOR: sign_in(moderator, "mia"), ADMIN: sign_in(admin, "ada")}
        headers = {
            FORUM_A: {"Authorization": f"Bearer {key_a.plaintext}"},
            FORUM_B: {"Authorization": f"Bearer {key_b.plaintext}"},
        }
        yield World(params, anonymous, moderator, admin, headers, csrf)


def call(world: World, principal: str, method: str, route: str, *, with_csrf: bool = True) -> Any:
    path = re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: world.params[m.group(1)], route)
    request = REQUESTS.get((method, route), {})
    headers = {**world.headers.get(principal, {}), **request.get("headers", {})}
    if with_csrf and method in UNSAFE and principal in world.csrf and route != "/admin/login":
        headers["X-CSRF-Token"] = world.csrf[principal]
    return world.client(principal).request(
        method,
        path,
        params=request.get("params"),
        data=request.get("data"),
        json=request.get("json"),
        content=request.get("content"),
        headers=headers,
        follow_redirects=False,
    )


def answer(response: Any) -> int | str:
    if response.status_code == 303 and response.headers["location"].startswith("/admin/login?next="):
        return SIGN_IN
    return int(response.status_code)


def test_every_route_answers_each_principal_as_the_table_says(world: World) -> None:
    routes = app_routes(world.anonymous.app)
    assert routes - EXPECTED.keys() == set(), "new routes: add each to EXPECTED with who may call it"
    assert EXPECTED.keys() - routes == set(), "routes in EXPECTED that the app no longer has"

    order = sorted(routes - LAST) + sorted(LAST)
    actual = {(m, route): tuple(answer(call(world, p, m, route)) for p in PRINCIPALS) for m, route in order}

    wrong = {
        f"{m} {route}": {p: (want, got) for p, want, got in zip(PRINCIPALS, EXPECTED[(m, route)], row, strict=True)}
        for (m, route), row in actual.items()
        if row != EXPECTED[(m, route)]
    }
    assert not wrong, "principal: (expected, got)\n" + pprint.pformat(wrong)


def test_forum_b_sees_nothing_of_forum_a(world: World) -> None:
    comment_id = world.params["comment_id"]
    a_feed = call(world, FORUM_A, "GET", "/v1/decisions").json()["decisions"]
    b_feed = call(world, FORUM_B, "GET", "/v1/decisions").json()["decisions"]
    assert [d["comment_id"] for d in a_feed] == [comment_id]
    assert b_feed == []
    refused = call(world, FORUM_B, "GET", "/v1/comments/{comment_id:uuid}")
    assert refused.json()["type"].endswith("/not-found")
    assert "idiot" not in refused.text


def test_every_change_in_the_console_needs_the_sessions_csrf_token(world: World, db: Session) -> None:
    changes = sorted(
        (method, route)
        for method, route in app_routes(world.anonymous.app)
        if method in UNSAFE and route.startswith("/admin") and route != "/admin/login"
    )
    audited_before = db.scalar(select(func.count(AuditEvent.id)))

    for principal in (ADMIN, MODERATOR):
        for method, route in changes:
            response = call(world, principal, method, route, with_csrf=False)
            assert response.status_code == 403, (principal, method, route, response.text[:300])

    db.expire_all()
    assert db.scalar(select(func.count(AuditEvent.id))) == audited_before  # nothing was done
    wrong_token = world.admin.post(
        "/admin/keys", data={"forum": "x"}, headers={"X-CSRF-Token": "not-the-token"}, follow_redirects=False
    )
    assert wrong_token.status_code == 403
    # The token of one session does not open another.
    borrowed = world.admin.post(
        "/admin/keys", data={"forum": "x"}, headers={"X-CSRF-Token": world.csrf[MODERATOR]}, follow_redirects=False
    )
    assert borrowed.status_code == 403
