"""Webhook signing secrets are encrypted at rest, shown once when created, and still sign what a real
worker delivers; keys rotate; the migration encrypts the plaintext secrets of older databases."""

from __future__ import annotations

import hashlib
import hmac
import re
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet, MultiFernet
from litestar.testing import TestClient
from redis import Redis
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from admin.plugin import create_plugin
from moderation import crypto, webhooks
from moderation.api.app import create_app
from moderation.config import Settings, SettingsError, load_settings
from moderation.db.migrate import downgrade, upgrade
from moderation.db.models import AuditEvent, DeliveryAttempt, Forum, WebhookDelivery
from moderation.services import api_keys, users
from tests.fixtures.comments import BENIGN, payload
from tests.fixtures.processes import kill_group, service_env, start_worker
from tests.fixtures.receiver import Receiver

Client = TestClient[Any]
PASSWORD = "correct horse battery"


def is_genuine(raw_body: bytes, header: str, secret: str) -> bool:
    """What the README tells a forum to run."""
    expected = "sha256=" + hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


def stored_row(db: Session, forum_name: str) -> str:
    """Every column of the forum's row as the database holds it."""
    row = db.execute(text("SELECT * FROM forum WHERE name = :name"), {"name": forum_name}).one()
    return " ".join(str(value) for value in row)


def test_the_console_shows_the_secret_once_and_the_database_holds_only_ciphertext(
    settings: Settings, db: Session, redis: Redis, cipher: MultiFernet
) -> None:
    users.create_user(db, "ada", PASSWORD, "admin", actor="test")
    with TestClient(create_app(settings, redis=redis, plugins=[create_plugin(settings)])) as admin:
        form = admin.get("/admin/login")
        login_token = re.search(r'name="_csrf" value="([^"]+)"', form.text)
        assert login_token
        admin.post("/admin/login", data={"_csrf": login_token.group(1), "username": "ada", "password": PASSWORD})
        csrf = admin.get("/admin/api/session").json()["csrf_token"]

        created = admin.post(
            "/admin/keys", data={"_csrf": csrf, "forum": "hooked", "webhook_url": "https://forum.example/hook"}
        )
        listed = admin.get("/admin/keys")

    assert created.status_code == 201
    assert created.headers["cache-control"] == "no-store"
    shown = re.search(r'Webhook signing secret for .*?<code class="secret">([^<]+)</code>', created.text)
    assert shown, created.text
    secret = shown.group(1)
    assert len(secret) == 64
    assert secret not in listed.text
    assert "signed" in listed.text
    db.expire_all()
    assert secret not in stored_row(db, "hooked")
    stored = db.scalar(select(Forum.webhook_secret).where(Forum.name == "hooked"))
    assert stored is not None
    assert crypto.decrypt(cipher, stored) == secret
    assert all(secret not in str(e.details) for e in db.scalars(select(AuditEvent)))


def test_a_real_worker_signs_with_the_secret_the_cli_showed_once(
    client: Client, settings: Settings, db: Session, redis: Redis, receiver: Receiver, tmp_path: Path
) -> None:
    command = ["create-api-key", "--forum", "cli-forum", "--webhook-url", receiver.url]
    created = subprocess.run(
        [sys.executable, "-m", "moderation.cli", *command],
        env=service_env(settings, redis),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    key, secret = re.findall(r"^(mod_\S+|[0-9a-f]{64})$", created.stdout, re.MULTILINE)
    assert "shown once" in created.stdout
    assert secret not in stored_row(db, "cli-forum")
    submitted = client.post("/v1/comments", json=payload(BENIGN), headers={"Authorization": f"Bearer {key}"})
    assert submitted.status_code == 202

    log = tmp_path / "worker.log"
    worker = start_worker(settings, redis, log)
    try:
        deadline = time.monotonic() + 180
        while not receiver.accepted():
            assert worker.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "no webhook arrived: " + log.read_text()[-3000:]
            time.sleep(0.2)
    finally:
        kill_group(worker)

    (delivered,) = receiver.accepted()
    assert delivered["json"]["comment"]["id"] == submitted.json()["id"]
    assert is_genuine(delivered["raw"], delivered["headers"]["X-Moderation-Signature"], secret)
    assert secret not in log.read_text()


def test_a_secret_no_configured_key_opens_is_not_sent_and_is_retried(
    db: Session, receiver: Receiver, cipher: MultiFernet
) -> None:
    forum = api_keys.create_key(db, "f", actor="test", webhook_url=receiver.url, cipher=cipher).forum
    delivery = WebhookDelivery(forum_id=forum.id, event="decision", payload={"event": "decision"})
    db.add(delivery)
    db.commit()
    stranger = MultiFernet([Fernet(Fernet.generate_key())])

    with httpx.Client() as http:
        result = webhooks.attempt(db, delivery.id, http, stranger)

    assert result.status == "retry"
    assert receiver.requests == []  # never sent unsigned or wrongly signed
    (logged,) = db.scalars(select(DeliveryAttempt)).all()
    assert logged.error is not None
    assert "MODERATION_SECRET_KEYS" in logged.error


def test_keys_rotate_by_putting_a_new_key_first_and_re_encrypting(settings: Settings, db: Session) -> None:
    old, new = crypto.generate_key(), crypto.generate_key()
    before = crypto.cipher(replace(settings, secret_keys=old))
    created = api_keys.create_key(db, "f", actor="test", webhook_url="https://f.example/hook", cipher=before)
    both = crypto.cipher(replace(settings, secret_keys=f"{new},{old}"))

    assert api_keys.rotate_webhook_secrets(db, both) == 1

    only_new = crypto.cipher(replace(settings, secret_keys=new))
    db.expire_all()
    stored = db.scalar(select(Forum.webhook_secret).where(Forum.name == "f"))
    assert stored is not None
    assert crypto.decrypt(only_new, stored) == created.webhook_secret
    with pytest.raises(crypto.InvalidToken):
        crypto.decrypt(before, stored)


def test_the_migration_encrypts_plaintext_secrets_and_its_downgrade_restores_them(
    engine: Engine, settings: Settings, db: Session, cipher: MultiFernet
) -> None:
    db.close()  # no open transaction may hold the table the migration alters
    try:
        downgrade(engine, "0001", settings=settings)
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO forum (name, webhook_url, webhook_secret, created_at) VALUES (:n, :u, :s, :t)"),
                {"n": "old-forum", "u": "https://old.example/hook", "s": "plain-old-secret", "t": "2026-01-01"},
            )
        upgrade(engine, settings=settings)
        with engine.connect() as conn:
            stored = conn.scalar(text("SELECT webhook_secret FROM forum WHERE name = 'old-forum'"))
        assert stored != "plain-old-secret"
        assert crypto.decrypt(cipher, stored) == "plain-old-secret"

        downgrade(engine, "0001", settings=settings)
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT webhook_secret FROM forum WHERE name = 'old-forum'")) == "plain-old-secret"
    finally:
        upgrade(engine, settings=settings)


@pytest.mark.parametrize("value", ["not-a-key", "c2hvcnQ=", ","])
def test_a_bad_secret_key_setting_stops_the_start_with_a_message_naming_it(value: str) -> None:
    with pytest.raises(SettingsError, match="MODERATION_SECRET_KEYS"):
        load_settings({"MODERATION_SECRET_KEYS": value})
