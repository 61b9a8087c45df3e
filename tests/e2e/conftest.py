"""A real `moderation serve` and one real `moderation worker` on PostgreSQL database `moderation_e2e`
and Redis db 14 (the integration suite drops the schema of db `test`, so e2e keeps its own), driven by
Debian's Chromium through Playwright. Never `playwright install`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis import Redis
from sqlalchemy import create_engine, text

from moderation.config import Settings, load_settings
from moderation.db.session import build_engine, build_sessionmaker
from moderation.services import policies
from tests.conftest import REPO
from tests.fixtures.processes import service_env, serving, start_worker

E2E_DATABASE_URL = os.environ.get("MODERATION_E2E_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/moderation_e2e")
E2E_REDIS_URL = os.environ.get("MODERATION_E2E_REDIS_URL", "redis://127.0.0.1:6379/14")
CHROMIUM = os.environ.get("MODERATION_E2E_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = REPO / "artifacts" / "screenshots"
PASSWORD = "e2e-password-123"
LAPTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


@dataclass
class Service:
    url: str
    api_key: str
    settings: Settings

    def submit(self, body: str, external_id: str, **extra: Any) -> str:
        response = httpx.post(
            f"{self.url}/v1/comments",
            json={"external_id": external_id, "thread_id": "t-e2e", "author_id": external_id, "body": body} | extra,
            headers=self.auth,
            timeout=10,
        )
        assert response.status_code == 202, response.text
        return str(response.json()["id"])

    def comment(self, comment_id: str) -> dict[str, Any]:
        response = httpx.get(f"{self.url}/v1/comments/{comment_id}", headers=self.auth, timeout=10)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def wait_decided(self, comment_id: str, timeout: float = 120) -> dict[str, Any]:
        """Poll the forum API until the worker has decided the comment."""
        deadline = time.monotonic() + timeout
        while True:
            comment = self.comment(comment_id)
            if comment["status"] not in ("received", "scoring"):
                return comment
            assert time.monotonic() < deadline, f"comment {comment_id} not decided in {timeout}s"
            time.sleep(0.5)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


def _reset_database(url: str) -> None:
    admin_url = Settings(database_url=url).sqlalchemy_url.rsplit("/", 1)[0] + "/postgres"
    name = url.rsplit("/", 1)[1]
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    engine = create_engine(Settings(database_url=url).sqlalchemy_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _cli(settings: Settings, redis: Redis, *args: str, **env: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "moderation.cli", *args],
        env=service_env(settings, redis, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Iterator[Service]:
    data_dir = tmp_path_factory.mktemp("e2e-data")
    settings = load_settings(
        {
            "MODERATION_DATABASE_URL": E2E_DATABASE_URL,
            "MODERATION_REDIS_URL": E2E_REDIS_URL,
            "MODERATION_DATA_DIR": str(data_dir),
            "MODERATION_MODEL_DIR": str(model_dir),
            "MODERATION_SESSION_SECRET": "e2e-session-secret-e2e-session-secret",
        }
    )
    _reset_database(E2E_DATABASE_URL)
    redis = Redis.from_url(E2E_REDIS_URL)
    redis.flushdb()
    _cli(settings, redis, "migrate")
    for username, role in (("mia", "moderator"), ("noah", "moderator"), ("ada", "admin")):
        _cli(settings, redis, "create-user", "--username", username, "--role", role, MODERATION_NEW_PASSWORD=PASSWORD)
    key = _cli(settings, redis, "create-api-key", "--forum", "ms-forum").strip().splitlines()[-1]
    _hold_toxic_comments_for_review(settings)
    worker = start_worker(settings, redis, data_dir / "worker.log")
    try:
        with serving(settings, redis, data_dir / "api.log") as url:
            yield Service(url, key, settings)
    finally:
        worker.terminate()
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            worker.kill()
        redis.close()


def _hold_toxic_comments_for_review(settings: Settings) -> None:
    """The acceptance flow needs a toxic comment in the queue whatever the model's exact score, so the
    test installation never auto-rejects on toxicity labels (it still reviews them)."""
    engine = build_engine(settings)
    with build_sessionmaker(engine)() as session:
        bands = policies.to_json(policies.current(session))
        for band in bands.values():
            if not band.get("urgent"):
                band["reject_at"] = None
        policies.save(session, "post", bands, actor="e2e", note="e2e: review instead of auto-reject")
    engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install -y chromium chromium-driver")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def sign_in(browser: Any, service: Service, username: str, viewport: dict[str, int] = LAPTOP) -> Any:
    """A new browser context (its own cookies) signed in as `username`; returns its page."""
    context = browser.new_context(viewport=viewport, base_url=service.url)
    page = context.new_page()
    page.goto("/admin/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/dashboard")
    return page
