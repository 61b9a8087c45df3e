"""The admin JSON API (/admin/api) as a script uses it: sign in with the console's form, read the CSRF
token from /admin/api/session, then manage the claim catalogue and the health-harm prototypes. Changes
reach a real worker (the models the service runs) from its next batch, without a restart."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from redis import Redis
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from admin.plugin import create_plugin
from moderation.api.app import create_app
from moderation.config import Settings
from moderation.db.models import AuditEvent, Claim
from moderation.seeds import HARM_PROTOTYPES_FILE
from moderation.services import settings_store, users
from tests.fixtures.comments import payload

Client = TestClient[Any]
PASSWORD = "correct horse battery"

MAGNETS = {
    "slug": "test-magnet-bracelets-cure-ms",
    "statement": "Magnetic bracelets cure MS.",
    "variants": [
        "Wearing a magnet bracelet healed my MS.",
        "Magnet therapy reverses multiple sclerosis.",
        "Strap magnets to your spine and the MS goes away.",
    ],
    "category": "unproven_cure",
    "severity": "medium",
    "correction": "There is no evidence that magnets change the course of MS.",
    "source_url": "https://www.mssociety.org.uk/",
}
MAGNET_STORY = "Since I started wearing a magnetic wristband my MS has completely gone."
# Assisted-dying plans in words the seed prototypes do not cover: the shipped scorer misses them.
SWISS_PLAN = "Flights to Zurich are booked and the clinic has my forms."
SWISS_PROTOTYPES = [
    "I have booked my place at the clinic in Switzerland.",
    "The Swiss clinic has accepted my paperwork for an assisted death.",
]


def sign_in(client: Client, username: str) -> str:
    """The documented flow for scripts: the sign-in form's token from its cookie, the form, then the CSRF token."""
    assert client.get("/admin/login").status_code == 200
    login_token = client.cookies.get("admin_login")
    assert login_token
    signed_in = client.post(
        "/admin/login",
        data={"_csrf": login_token, "username": username, "password": PASSWORD},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303, signed_in.text
    session = client.get("/admin/api/session")
    assert session.status_code == 200, session.text
    assert session.json()["username"] == username
    return str(session.json()["csrf_token"])


@pytest.fixture
def console(settings: Settings, db: Session, redis: Redis) -> Iterator[Client]:
    """The whole service (forum API + console + admin API) with nobody signed in."""
    with TestClient(create_app(settings, redis=redis, plugins=[create_plugin(settings)])) as client:
        yield client


@pytest.fixture
def accounts(db: Session) -> None:
    users.create_user(db, "ada", PASSWORD, "admin", actor="test")
    users.create_user(db, "mia", PASSWORD, "moderator", actor="test")


@pytest.fixture
def admin(console: Client, accounts: None) -> Client:
    """Ada's session, sending her CSRF token with every request."""
    console.headers["X-CSRF-Token"] = sign_in(console, "ada")
    return console


@pytest.fixture
def restore(db: Session) -> Iterator[None]:
    """The catalogue and settings outlive a test; put back what these tests change."""
    yield
    db.rollback()
    db.execute(delete(Claim).where(Claim.slug.like("test-%")))
    db.commit()
    seed = json.loads(HARM_PROTOTYPES_FILE.read_text())
    if settings_store.harm_prototypes(db) != seed:
        settings_store.put(db, settings_store.HARM_PROTOTYPES, seed, actor="test")


def decide(client: Client, auth: dict[str, str], run_jobs: Any, body: str) -> dict[str, Any]:
    """A new comment from the forum, scored and decided by a real worker."""
    created = client.post("/v1/comments", json=payload(body), headers=auth)
    assert created.status_code == 202, created.text
    run_jobs()
    return dict(client.get(f"/v1/comments/{created.json()['id']}", headers=auth).json())


def matched_claim(comment: dict[str, Any]) -> str | None:
    reason = next((r for r in comment["decision"]["reasons"] if r["code"] == "misinformation"), None)
    return reason["claim"] if reason else None


def export(client: Client, format_: str) -> str:
    response = client.get("/admin/api/claims/export", params={"format": format_})
    assert response.status_code == 200, response.text
    return response.text


# --- claims reach the worker ----------------------------------------------------------------------


def test_an_admin_adds_edits_and_disables_a_claim_and_a_real_worker_follows(
    admin: Client, auth: dict[str, str], run_jobs: Any, db: Session, restore: None
) -> None:
    before = decide(admin, auth, run_jobs, MAGNET_STORY)
    assert before["status"] == "published", before["scores"]

    created = admin.post("/admin/api/claims", json=MAGNETS)
    assert created.status_code == 201, created.text
    assert created.json()["enabled"] is True
    flagged = decide(admin, auth, run_jobs, MAGNET_STORY)
    assert flagged["status"] == "pending_review"
    assert matched_claim(flagged) == "test-magnet-bracelets-cure-ms"

    renamed = admin.patch(
        "/admin/api/claims/test-magnet-bracelets-cure-ms", json={"slug": "test-magnets-cure-ms", "severity": "high"}
    )
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["slug"], renamed.json()["severity"], renamed.json()["statement"]) == (
        "test-magnets-cure-ms",
        "high",
        MAGNETS["statement"],  # fields left out of a PATCH keep their values
    )
    assert admin.get("/admin/api/claims/test-magnet-bracelets-cure-ms").status_code == 404
    assert matched_claim(decide(admin, auth, run_jobs, MAGNET_STORY)) == "test-magnets-cure-ms"

    disabled = admin.delete("/admin/api/claims/test-magnets-cure-ms")
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["enabled"] is False
    assert decide(admin, auth, run_jobs, MAGNET_STORY)["status"] == "published"
    assert admin.get("/admin/api/claims/test-magnets-cure-ms").json()["enabled"] is False  # kept, not deleted

    events = db.scalars(select(AuditEvent).where(AuditEvent.action.like("claim.%")).order_by(AuditEvent.id)).all()
    assert [(e.actor, e.action) for e in events] == [
        ("ada", "claim.create"),
        ("ada", "claim.update"),
        ("ada", "claim.disable"),
    ]
    assert events[1].details["changed"] == ["severity", "slug"]


def test_the_list_filters_and_pages_the_catalogue(admin: Client, restore: None) -> None:
    everything = admin.get("/admin/api/claims", params={"limit": 500}).json()
    assert everything["total"] == len(everything["items"]) >= 40
    first, second = (admin.get("/admin/api/claims", params={"limit": 5, "offset": o}).json() for o in (0, 5))
    assert [c["slug"] for c in first["items"] + second["items"]] == [c["slug"] for c in everything["items"][:10]]
    assert (first["total"], first["limit"], first["offset"]) == (everything["total"], 5, 0)

    admin.post("/admin/api/claims", json=MAGNETS | {"enabled": False, "severity": "low"})
    found = admin.get("/admin/api/claims", params={"q": "magnetic", "enabled": "false", "severity": "low"}).json()
    assert [c["slug"] for c in found["items"]] == ["test-magnet-bracelets-cure-ms"]
    causes = admin.get("/admin/api/claims", params={"category": "false_cause", "limit": 500}).json()["items"]
    assert {c["category"] for c in causes} == {"false_cause"}
    assert admin.get("/admin/api/claims", params={"limit": 0}).status_code == 422


def test_invalid_claims_get_field_errors_and_a_taken_slug_a_conflict(admin: Client, restore: None) -> None:
    bad = admin.post("/admin/api/claims", json=MAGNETS | {"category": "rumour"})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["errors"] == [{"field": "category", "message": bad.json()["detail"]}]
    assert admin.post("/admin/api/claims", json=MAGNETS | {"colour": "red"}).status_code == 422
    assert admin.post("/admin/api/claims", json=MAGNETS).status_code == 201
    taken = admin.post("/admin/api/claims", json=MAGNETS)
    assert (taken.status_code, taken.json()["type"]) == (409, "/problems/conflict")
    renamed_onto = admin.patch("/admin/api/claims/test-magnet-bracelets-cure-ms", json={"slug": "bee-venom-cures-ms"})
    assert renamed_onto.status_code == 409
    assert (
        admin.patch("/admin/api/claims/test-magnet-bracelets-cure-ms", json={"source_url": "ftp://x"}).json()["errors"][
            0
        ]["field"]
        == "source_url"
    )
    missing = admin.get("/admin/api/claims/no-such-claim")
    assert (missing.status_code, missing.json()["type"]) == (404, "/problems/not-found")


# --- import and export ----------------------------------------------------------------------------


@pytest.mark.parametrize("format_", ["json", "csv"])
def test_an_import_with_a_bad_row_lists_every_row_error_and_changes_nothing(
    admin: Client, db: Session, restore: None, format_: str
) -> None:
    before = export(admin, "json")
    audited = len(db.scalars(select(AuditEvent)).all())
    rows = [
        MAGNETS | {"slug": "test-good"},
        MAGNETS | {"slug": "test-bad", "category": "gossip", "severity": "huge"},
        MAGNETS | {"slug": "bee-venom-cures-ms", "statement": "An edit that must not land."},
        MAGNETS | {"slug": "test-also-bad", "source_url": "not a link"},
    ]
    if format_ == "json":
        response = admin.post("/admin/api/claims/import", json=rows)
    else:
        response = admin.post(
            "/admin/api/claims/import", content=_csv(rows).encode(), headers={"Content-Type": "text/csv"}
        )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] == "/problems/invalid-input"
    assert "nothing was imported" in problem["detail"]
    assert {(e["row"], e["field"]) for e in problem["errors"]} == {(2, "category"), (2, "severity"), (4, "source_url")}
    assert all(e["message"] for e in problem["errors"])
    assert export(admin, "json") == before
    assert len(db.scalars(select(AuditEvent)).all()) == audited


def test_an_import_body_must_be_json_or_csv(admin: Client) -> None:
    wrong = admin.post("/admin/api/claims/import", content=b"slug: x", headers={"Content-Type": "text/yaml"})
    assert wrong.status_code == 415
    broken = admin.post("/admin/api/claims/import", content=b"[{", headers={"Content-Type": "application/json"})
    assert broken.status_code == 422
    assert "not valid JSON" in broken.json()["detail"]


@pytest.mark.parametrize("format_", ["json", "csv"])
def test_an_export_imported_again_restores_the_catalogue(admin: Client, restore: None, format_: str) -> None:
    imported = admin.post("/admin/api/claims/import", json=[MAGNETS, MAGNETS | {"slug": "test-magnets-two"}])
    assert imported.json() == {"created": 2, "updated": 0}
    saved = export(admin, format_)
    json_before = export(admin, "json")

    admin.patch("/admin/api/claims/test-magnets-two", json={"variants": [], "severity": "high"})
    admin.delete("/admin/api/claims/test-magnet-bracelets-cure-ms")
    content_type = "application/json" if format_ == "json" else "text/csv"
    again = admin.post("/admin/api/claims/import", content=saved.encode(), headers={"Content-Type": content_type})

    assert again.status_code == 200, again.text
    assert again.json()["created"] == 0
    assert again.json()["updated"] == len(json.loads(json_before))
    assert export(admin, "json") == json_before
    if format_ == "csv":
        header = next(csv.reader(io.StringIO(saved)))
        assert header == [
            "slug",
            "statement",
            "variants",
            "category",
            "severity",
            "correction",
            "source_url",
            "enabled",
        ]


# --- who may call it ------------------------------------------------------------------------------


def test_without_a_session_the_api_answers_401_as_json_never_a_sign_in_redirect(console: Client) -> None:
    for method, path in [
        ("GET", "/admin/api/claims"),
        ("POST", "/admin/api/claims"),
        ("GET", "/admin/api/harm-prototypes"),
        ("GET", "/admin/api/session"),
    ]:
        response = console.request(method, path, follow_redirects=False)
        assert response.status_code == 401, (method, path)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["type"] == "/problems/unauthenticated"


def test_a_moderator_gets_403_on_the_admin_api(console: Client, accounts: None) -> None:
    console.headers["X-CSRF-Token"] = sign_in(console, "mia")  # any account can read its own session
    for method, path in [
        ("GET", "/admin/api/claims"),
        ("POST", "/admin/api/claims"),
        ("GET", "/admin/api/claims/export"),
        ("PUT", "/admin/api/harm-prototypes"),
    ]:
        response = console.request(method, path, json=MAGNETS)
        assert response.status_code == 403, (method, path)
        assert response.json()["type"] == "/problems/forbidden"


def test_a_change_without_the_csrf_token_is_refused(console: Client, accounts: None, db: Session) -> None:
    token = sign_in(console, "ada")
    assert console.get("/admin/api/claims").status_code == 200  # reading needs no token
    for headers in ({}, {"X-CSRF-Token": "not-" + token}):
        refused = console.post("/admin/api/claims", json=MAGNETS, headers=headers)
        assert refused.status_code == 403
        assert refused.json()["type"] == "/problems/forbidden"
        assert console.delete("/admin/api/claims/bee-venom-cures-ms", headers=headers).status_code == 403
    assert db.scalar(select(Claim.id).where(Claim.slug == MAGNETS["slug"])) is None
    assert db.scalar(select(Claim.enabled).where(Claim.slug == "bee-venom-cures-ms")) is True


def test_the_admin_api_is_described_in_the_openapi_schema(console: Client) -> None:
    schema = console.get("/schema/openapi.json").json()
    assert {"get", "post"} <= set(schema["paths"]["/admin/api/claims"])
    assert {"get", "patch", "delete"} <= set(schema["paths"]["/admin/api/claims/{slug}"])
    assert {"get", "put"} <= set(schema["paths"]["/admin/api/harm-prototypes"])
    body = schema["paths"]["/admin/api/claims/import"]["post"]["requestBody"]["content"]
    assert {"application/json", "text/csv"} <= set(body)
    assert {"CatalogueClaimIn", "CatalogueClaimOut", "HarmPrototypesIn"} <= set(schema["components"]["schemas"])
    assert schema["components"]["securitySchemes"]["adminSession"]["in"] == "cookie"


# --- health-harm prototypes -----------------------------------------------------------------------


def test_an_added_crisis_prototype_changes_a_real_workers_crisis_score_for_a_new_phrasing(
    admin: Client, auth: dict[str, str], run_jobs: Any, db: Session, restore: None
) -> None:
    before = decide(admin, auth, run_jobs, SWISS_PLAN)
    assert before["status"] == "published"
    assert before["scores"]["crisis"] < 0.3

    lists = admin.get("/admin/api/harm-prototypes").json()
    lists["crisis"] += SWISS_PROTOTYPES
    saved = admin.put("/admin/api/harm-prototypes", json={k: lists[k] for k in ("crisis", "dangerous_advice", "safe")})
    assert saved.status_code == 200, saved.text
    assert saved.json()["crisis"][-2:] == SWISS_PROTOTYPES

    after = decide(admin, auth, run_jobs, SWISS_PLAN)
    assert after["scores"]["crisis"] > 0.5
    assert (after["status"], after["priority"]) == ("pending_review", "urgent")
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "setting.update")).one()
    assert (event.actor, event.details["key"]) == ("ada", "harm_prototypes")
    assert event.details["added"] == {"crisis": SWISS_PROTOTYPES}


def test_invalid_prototype_lists_are_refused_whole(admin: Client, db: Session, restore: None) -> None:
    lists = settings_store.harm_prototypes(db)
    body = lists | {"crisis": [*lists["crisis"], "   "], "safe": [*lists["safe"], lists["crisis"][0]]}
    refused = admin.put("/admin/api/harm-prototypes", json=body)
    assert refused.status_code == 422
    fields = {e["field"] for e in refused.json()["errors"]}
    assert fields == {f"crisis[{len(lists['crisis'])}]", f"safe[{len(lists['safe'])}]"}
    assert admin.put("/admin/api/harm-prototypes", json=lists | {"dangerous_advice": []}).status_code == 422
    assert admin.put("/admin/api/harm-prototypes", json={"crisis": ["x"]}).status_code == 422
    assert settings_store.harm_prototypes(db) == lists


def test_admins_edit_the_prototypes_in_the_console(admin: Client, db: Session, restore: None) -> None:
    page = admin.get("/admin/settings/harm-prototypes")
    assert page.status_code == 200
    seed = settings_store.harm_prototypes(db)
    assert seed["crisis"][0] in page.text
    assert "/admin/settings/harm-prototypes" in admin.get("/admin/settings").text

    token = admin.headers["X-CSRF-Token"]
    edited = [*seed["safe"]]
    edited[1] = "This relapse is killing me, but I'll be fine."
    form = {"_csrf": token, "sentence": edited, "remove": ["0"], "add": "I'm dead tired after physio."}
    saved = admin.post("/admin/settings/harm-prototypes/safe", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert settings_store.harm_prototypes(db)["safe"] == [*edited[1:], "I'm dead tired after physio."]
    assert settings_store.harm_prototypes(db)["crisis"] == seed["crisis"]  # the other lists are kept

    clash = {"_csrf": token, "sentence": seed["safe"], "add": seed["crisis"][0]}
    refused = admin.post("/admin/settings/harm-prototypes/safe", data=clash)
    assert refused.status_code == 422
    assert "is also in the crisis list" in refused.text
    assert admin.post("/admin/settings/harm-prototypes/nonsense", data={"_csrf": token}).status_code == 404


def _csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(MAGNETS))
    writer.writeheader()
    writer.writerows({**row, "variants": " | ".join(row["variants"])} for row in rows)
    return out.getvalue()
