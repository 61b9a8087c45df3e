"""Settings: every `MODERATION_*` environment variable, read once, validated, passed down.

Unset database and Redis URLs mean the embedded default (a SQLite file and an embedded Redis
under `data_dir`), so the service runs on a laptop with nothing installed.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path

PREFIX = "MODERATION_"


class SettingsError(ValueError):
    """A setting has a value the service cannot use; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = ""  # empty: sqlite file in data_dir
    redis_url: str = ""  # empty: embedded Redis in data_dir
    data_dir: Path = Path("var")
    toxicity_model: str = "bundled"
    # auto: bfloat16 where the CPU computes it natively (2-3x faster, figures within 0.001), else float32.
    # The choices are workers/scoring/precision.py's; moderation does not import workers.
    inference_precision: str = "auto"
    model_dir: Path | None = None  # where assembled model checkpoints are cached; default data_dir/models
    session_secret: str = ""
    # Fernet keys, comma-separated, newest first: encrypt the secrets kept at rest (see moderation/crypto.py).
    secret_keys: str = ""
    worker_batch_size: int = 32
    max_comment_chars: int = 20_000
    max_request_bytes: int = 256 * 1024
    db_pool_size: int = 20
    scoring_timeout_seconds: int = 300  # a comment in `scoring` longer than this is re-queued
    sweep_interval_seconds: int = 60
    api_rate_per_minute: int = 6_000
    reports_to_unpublish: int = 3
    report_elevated_score: float = 0.3  # one report suffices when any label scored at least this
    host: str = "127.0.0.1"
    port: int = 8000

    @property
    def is_embedded_database(self) -> bool:
        return not self.database_url

    @property
    def is_embedded_redis(self) -> bool:
        return not self.redis_url

    @property
    def sqlalchemy_url(self) -> str:
        return to_sqlalchemy_url(self.database_url or f"sqlite:///{self.data_dir / 'moderation.db'}")

    @property
    def async_sqlalchemy_url(self) -> str:
        return to_async_sqlalchemy_url(self.sqlalchemy_url)

    @property
    def model_cache_dir(self) -> Path:
        return self.model_dir or self.data_dir / "models"


def to_async_sqlalchemy_url(url: str) -> str:
    """The same database through an asyncio driver, for the ingest path."""
    sync = to_sqlalchemy_url(url)
    if sync.startswith("postgresql+psycopg://"):
        return "postgresql+asyncpg://" + sync[len("postgresql+psycopg://") :]
    if sync.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + sync[len("sqlite:///") :]
    return sync


def to_sqlalchemy_url(url: str) -> str:
    """Accept the plain forms operators write and choose the driver ourselves."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    if url.startswith(("postgresql+", "sqlite://", "sqlite+")):
        return url
    raise SettingsError(f"{PREFIX}DATABASE_URL must start with postgresql:// or sqlite:///, got {url!r}")


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for spec in fields(Settings):
        raw = env.get(PREFIX + spec.name.upper())
        if raw is None or raw == "":
            continue
        values[spec.name] = _parse(spec.name, spec.type, raw)
    settings = Settings(**values)  # type: ignore[arg-type]
    if settings.database_url:
        to_sqlalchemy_url(settings.database_url)
    if settings.redis_url and not settings.redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise SettingsError(f"{PREFIX}REDIS_URL must start with redis://, rediss:// or unix://")
    if settings.inference_precision not in ("auto", "float32", "bfloat16"):
        raise SettingsError(f"{PREFIX}INFERENCE_PRECISION must be auto, float32 or bfloat16")
    if settings.secret_keys:
        _check_fernet_keys(settings.secret_keys)
    for name in ("worker_batch_size", "max_comment_chars", "max_request_bytes", "db_pool_size", "port"):
        if getattr(settings, name) <= 0:
            raise SettingsError(f"{PREFIX}{name.upper()} must be a positive number")
    return settings


def session_secret(settings: Settings) -> bytes:
    """The cookie-signing secret; generated once and kept in data_dir when not configured."""
    if settings.session_secret:
        return settings.session_secret.encode()
    return _kept_secret(settings.data_dir / "session.secret", lambda: secrets.token_hex(32)).encode()


def secret_keys(settings: Settings) -> list[bytes]:
    """The keys that encrypt secrets at rest, newest (the one that encrypts) first.

    When not configured, one key is generated once into data_dir: enough while every process shares
    that folder (the embedded default); deployments over several machines must set MODERATION_SECRET_KEYS.
    """
    if settings.secret_keys:
        return [key.strip().encode() for key in settings.secret_keys.split(",") if key.strip()]
    kept = _kept_secret(settings.data_dir / "secret.keys", lambda: base64.urlsafe_b64encode(os.urandom(32)).decode())
    return [kept.encode()]


def _kept_secret(path: Path, generate: Callable[[], str]) -> str:
    """Read `path`, creating it (mode 0600) first if missing; two processes starting at once agree on one value."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        draft.write_text(generate())
        draft.chmod(0o600)
        try:
            with contextlib.suppress(FileExistsError):  # atomic, and never replaces a file another process made
                os.link(draft, path)
        finally:
            draft.unlink()
    return path.read_text().strip()


def _check_fernet_keys(raw: str) -> None:
    keys = [key.strip() for key in raw.split(",") if key.strip()]
    for key in keys:
        try:
            valid = len(base64.urlsafe_b64decode(key.encode())) == 32
        except (binascii.Error, ValueError):
            valid = False
        if not valid:
            raise SettingsError(
                f"{PREFIX}SECRET_KEYS must be comma-separated Fernet keys (32 url-safe base64 bytes each; "
                "`moderation generate-secret-key` makes one)"
            )
    if not keys:
        raise SettingsError(f"{PREFIX}SECRET_KEYS holds no key")


def _parse(name: str, annotation: object, raw: str) -> object:
    kind = str(annotation)
    if kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{PREFIX}{name.upper()} must be a whole number, got {raw!r}") from None
    if kind == "float":
        try:
            return float(raw)
        except ValueError:
            raise SettingsError(f"{PREFIX}{name.upper()} must be a number, got {raw!r}") from None
    if kind in ("Path", "Path | None"):
        return Path(raw)
    return raw
