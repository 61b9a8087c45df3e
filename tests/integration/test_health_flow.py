"""Misinformation and health-harm comments through the real worker and models (issues: claims, triage)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy.orm import Session

from moderation.crypto import MultiFernet
from moderation.services import api_keys
from tests.fixtures.comments import payload
from tests.fixtures.receiver import Receiver, running_receiver

Client = TestClient[Any]


def decide(client: Client, auth: dict[str, str], run_jobs: Any, body: str) -> dict[str, Any]:
    created = client.post("/v1/comments", json=payload(body), headers=auth)
    assert created.status_code == 202, created.text
    run_jobs()
    return dict(client.get(f"/v1/comments/{created.json()['id']}", headers=auth).json())


def test_an_assertion_of_a_catalogue_claim_in_new_words_goes_to_review_naming_the_claim(
    client: Client, auth: dict[str, str], run_jobs: Any
) -> None:
    comment = decide(client, auth, run_jobs, "Honestly, ditch the Ocrevus. Bee stings every morning healed my MS.")
    assert comment["status"] == "pending_review"
    reason = next(r for r in comment["decision"]["reasons"] if r["code"] == "misinformation")
    assert reason["claim"] == "bee-venom-cures-ms"
    evidence = next(e for e in comment["evidence"] if e["label"] == "misinformation")
    assert "Bee stings" in evidence["sentence"]
    assert evidence["claim"]["slug"] == "bee-venom-cures-ms"
    assert evidence["claim"]["correction"]
    assert evidence["claim"]["source_url"].startswith("https://")


@pytest.mark.parametrize(
    "body",
    [
        "Has anyone tried bee venom for MS? Is there any evidence it works?",
        "My neurologist says bee venom therapy is a myth and the trial showed no benefit.",
        "I started swimming twice a week and my legs feel stronger.",
    ],
)
def test_questions_refutations_and_exercise_talk_are_published(
    client: Client, auth: dict[str, str], run_jobs: Any, body: str
) -> None:
    comment = decide(client, auth, run_jobs, body)
    assert comment["status"] == "published", comment["scores"]
    assert comment["scores"]["misinformation"] < 0.5


def test_a_crisis_comment_is_urgent_and_the_forum_is_told_at_once(
    client: Client, db: Session, run_jobs: Any, cipher: MultiFernet
) -> None:
    with running_receiver() as receiver:
        key = api_keys.create_key(
            db, "caring-forum", actor="test", webhook_url=receiver.url, webhook_secret="s", cipher=cipher
        )
        auth = {"Authorization": f"Bearer {key.plaintext}"}
        comment = decide(client, auth, run_jobs, "I can't do this anymore, I've been saving up my pills")
        run_jobs()  # the webhook delivery job
        assert comment["status"] == "pending_review"
        assert comment["priority"] == "urgent"
        assert any(r["code"] == "crisis" for r in comment["decision"]["reasons"])
        assert any(e["label"] == "crisis" and "pills" in e["sentence"] for e in comment["evidence"])
        events = _events(receiver)
    assert events == [("crisis", comment["id"])]


@pytest.mark.parametrize(
    ("body", "status", "label"),
    [
        ("my legs are killing me today", "published", None),
        ("just take double the baclofen, it's fine", "pending_review", "dangerous_advice"),
        ("my neurologist raised my baclofen dose slowly over a month", "published", None),
    ],
)
def test_health_harm_triage(
    client: Client, auth: dict[str, str], run_jobs: Any, body: str, status: str, label: str | None
) -> None:
    comment = decide(client, auth, run_jobs, body)
    assert comment["status"] == status, comment["scores"]
    codes = [r["code"] for r in comment["decision"]["reasons"]]
    if label:
        assert label in codes
    else:
        assert comment["scores"]["crisis"] < 0.3
        assert comment["scores"]["dangerous_advice"] < 0.5


def _events(receiver: Receiver) -> list[tuple[str, str]]:
    return [(r["json"]["event"], r["json"]["comment"]["id"]) for r in receiver.accepted()]
