"""The `moderation` command line: serve, worker, run, migrate, sweep, create-user, create-api-key, and the
secret-key commands (generate-secret-key, rotate-secret-keys)."""

from __future__ import annotations

import importlib
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from moderation import broker, crypto
from moderation.config import Settings, SettingsError, load_settings
from moderation.db.migrate import upgrade
from moderation.db.session import build_engine, build_sessionmaker, session_scope
from moderation.domain.errors import ModerationError


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    engine = build_engine(settings)
    try:
        with session_scope(build_sessionmaker(engine)) as session:
            yield session
    except SQLAlchemyError as exc:
        raise click.ClickException(f"database unavailable: {type(exc).__name__}: {str(exc).splitlines()[0]}") from None
    except ModerationError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()


@click.group()
def main() -> None:
    """Comment moderation service for health communities."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@main.command()
def migrate() -> None:
    """Apply database migrations (creates the schema and the default policy)."""
    added = _migrate(_settings())
    click.echo(f"database is up to date (seeded {added['claims']} claim(s), {added['settings']} setting(s))")


@main.command("import-claims")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_claims(path: str) -> None:
    """Add or update misinformation claims from a JSON or CSV file (all rows or none)."""
    from moderation.services import claims

    text = Path(path).read_text(encoding="utf-8")
    with _session(_settings()) as session:
        try:
            rows = claims.parse_csv(text) if path.endswith(".csv") else claims.parse_json(text)
            counts = claims.import_claims(session, rows, actor="cli")
        except claims.ImportRejected as exc:
            lines = [f"row {e['row']}: {e['field']}: {e['message']}" for e in exc.errors]
            raise click.ClickException("\n".join([str(exc), *lines])) from None
    click.echo(f"imported: {counts['created']} created, {counts['updated']} updated")


@main.command()
@click.option("--host", default=None, help="Interface to bind (default MODERATION_HOST or 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default MODERATION_PORT or 8000).")
@click.option("--processes", default=1, show_default=True, type=click.IntRange(1, 64), help="API processes.")
def serve(host: str | None, port: int | None, processes: int) -> None:
    """Run the HTTP API."""
    settings = _settings()
    _serve(settings, host or settings.host, port or settings.port, processes)


@main.command()
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@click.option("--no-sweeper", is_flag=True, help="Do not run the periodic sweeper beside this worker.")
@click.option(
    "--torch-threads", default=0, type=click.IntRange(0, 256), help="Torch threads per process (0: cores/processes)."
)
@click.option("--processes", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
def worker(burst: bool, no_sweeper: bool, torch_threads: int, processes: int) -> None:
    """Run scoring and webhook workers (RQ SimpleWorker, models loaded once per process)."""
    # Named by dotted path, like the jobs in moderation/queue.py: this package never imports workers/.
    main_module = importlib.import_module("workers.main")
    settings = _settings()
    if processes > 1:
        main_module.run_workers(settings, processes, burst=burst, torch_threads=torch_threads)
    else:
        main_module.run_worker(settings, burst=burst, with_sweeper=not no_sweeper, torch_threads=torch_threads)


@main.command()
@click.option("--port", default=None, type=int, help="Port (default MODERATION_PORT or 8000).")
def run(port: int | None) -> None:
    """Migrate, then run the API and one worker together (the `make run` set-up). Ctrl-C stops both."""
    settings = _settings()
    _migrate(settings)
    redis = broker.connect(settings)  # holds the embedded Redis open for both processes
    env = dict(os.environ)
    if settings.is_embedded_redis:
        env["MODERATION_REDIS_URL"] = broker.socket_url(redis) or ""
    worker_process = subprocess.Popen([sys.executable, "-m", "moderation.cli", "worker"], env=env)
    port = port or settings.port
    click.echo(
        f"\nAPI on http://{settings.host}:{port}  (OpenAPI: /schema, admin UI: /admin)\n"
        "Create a forum API key:   moderation create-api-key --forum my-forum\n"
        "Create an admin account:  moderation create-user --username admin --role admin\n"
        f"Database: {'embedded SQLite in ' + str(settings.data_dir) if settings.is_embedded_database else 'configured'}"
        f"; Redis: {'embedded' if settings.is_embedded_redis else 'configured'}\n"
    )
    try:
        _serve(settings, settings.host, port, 1, redis=redis)
    finally:
        worker_process.send_signal(signal.SIGTERM)
        try:
            worker_process.wait(20)
        except subprocess.TimeoutExpired:
            worker_process.kill()


@main.command()
def sweep() -> None:
    """Re-queue comments and webhooks whose jobs were lost (the worker also does this on a schedule)."""
    from moderation import queue

    settings = _settings()
    with _session(settings) as session:
        counts = queue.sweep(session, broker.connect(settings), settings)
    click.echo(f"re-queued {counts['comments']} comment(s) and {counts['deliveries']} webhook delivery(ies)")


@main.command("create-api-key")
@click.option("--forum", "forum_name", required=True, help="Forum name (created on first use).")
@click.option("--webhook-url", default=None, help="Where decisions are POSTed (optional: the forum may poll).")
@click.option("--webhook-secret", default=None, help="HMAC secret for webhook signatures (generated if omitted).")
@click.option("--label", default="", help="A note to tell keys apart.")
def create_api_key(forum_name: str, webhook_url: str | None, webhook_secret: str | None, label: str) -> None:
    """Create a forum API key. The key is printed once and stored hashed; the webhook secret is stored encrypted."""
    from moderation.services import api_keys

    if webhook_url and not webhook_url.startswith(("http://", "https://")):
        raise click.ClickException("--webhook-url must start with http:// or https://")
    settings = _settings()
    with _session(settings) as session:
        new = api_keys.create_key(
            session,
            forum_name,
            actor="cli",
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            cipher=crypto.cipher(settings),
            label=label,
        )
    click.echo(f"API key for forum {new.forum.name!r} (shown once, store it now):\n{new.plaintext}")
    if new.webhook_secret and not webhook_secret:  # one the operator passed is not echoed back
        click.echo(f"Webhook signing secret (shown once):\n{new.webhook_secret}")


@main.command("generate-secret-key")
def generate_secret_key() -> None:
    """Print a new key for MODERATION_SECRET_KEYS (which encrypts webhook secrets at rest)."""
    click.echo(crypto.generate_key())


@main.command("rotate-secret-keys")
def rotate_secret_keys() -> None:
    """Re-encrypt every stored webhook secret under the first key of MODERATION_SECRET_KEYS.

    Rotation: put a new key first (`new,old`), restart, run this, then remove the old key.
    """
    from moderation.services import api_keys

    settings = _settings()
    with _session(settings) as session:
        try:
            count = api_keys.rotate_webhook_secrets(session, crypto.cipher(settings))
        except crypto.InvalidToken:
            raise click.ClickException(
                "a stored webhook secret opens with none of MODERATION_SECRET_KEYS: keep the old key in the list"
            ) from None
    click.echo(f"re-encrypted {count} webhook secret(s) under the first key")


@main.command("create-user")
@click.option("--username", required=True)
@click.option("--role", type=click.Choice(["moderator", "admin"]), required=True)
@click.option("--password", envvar="MODERATION_NEW_PASSWORD", default=None, help="Prompted for when omitted.")
def create_user(username: str, role: str, password: str | None) -> None:
    """Create a moderator or admin account."""
    from moderation.services import users

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _session(_settings()) as session:
        user = users.create_user(session, username, password or "", role, actor="cli")
    click.echo(f"created {user.role} {user.username!r}")


def _migrate(settings: Settings) -> dict[str, int]:
    from moderation.seeds import seed_defaults

    engine = build_engine(settings)
    try:
        upgrade(engine, settings=settings)
        with session_scope(build_sessionmaker(engine)) as session:
            return seed_defaults(session)
    except SQLAlchemyError as exc:
        raise click.ClickException(f"migration failed: {str(exc).splitlines()[0]}") from None
    finally:
        engine.dispose()


def _serve(settings: Settings, host: str, port: int, processes: int, redis: object = None) -> None:
    import uvicorn

    if processes > 1:
        uvicorn.run(
            "moderation.api.app:app_from_env", factory=True, host=host, port=port, workers=processes, access_log=False
        )
        return
    from redis import Redis

    from moderation.api.app import create_app, load_plugins

    app = create_app(settings, redis=redis if isinstance(redis, Redis) else None, plugins=load_plugins(settings))
    # No per-request access log: at thousands of comments a second it costs more than the INSERT;
    # request counts and latencies are in /metrics and the proxy's log.
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)


if __name__ == "__main__":
    main()
