"""Forums and their API keys. A key is shown once; only its SHA-256 is stored.

Keys are 256-bit random tokens, so a fast hash is enough (no dictionary to guess from); passwords,
which people choose, use argon2 instead (see services/users.py).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.db.models import ApiKey, Forum
from moderation.domain.errors import InvalidInput, NotFound
from moderation.services import audit

KEY_PREFIX = "mod_"


@dataclass(frozen=True, slots=True)
class NewKey:
    forum: Forum
    key: ApiKey
    plaintext: str  # shown once, never stored


def create_key(
    session: Session,
    forum_name: str,
    *,
    actor: str,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    label: str = "",
) -> NewKey:
    """Create a key for `forum_name`, creating the forum on first use."""
    name = forum_name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("forum name must be 1 to 100 characters", field="forum")
    forum = session.scalar(select(Forum).where(Forum.name == name))
    if forum is None:
        forum = Forum(name=name, webhook_url=webhook_url, webhook_secret=webhook_secret)
        session.add(forum)
        session.flush()
    elif webhook_url is not None:
        forum.webhook_url = webhook_url
        forum.webhook_secret = webhook_secret
    prefix = secrets.token_hex(6)
    plaintext = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(forum_id=forum.id, prefix=prefix, key_hash=hash_key(plaintext), label=label)
    session.add(key)
    audit.record(session, actor, "api_key.create", details={"forum": name, "prefix": prefix})
    session.commit()
    return NewKey(forum, key, plaintext)


def authenticate(session: Session, presented: str) -> ApiKey | None:
    """The key (with its forum loaded) matching `presented`, or None for an unknown, malformed or revoked key."""
    parts = presented.split("_")
    if len(parts) < 3 or not presented.startswith(KEY_PREFIX):
        return None
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == parts[1]))
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(key.key_hash, hash_key(presented)):
        return None
    return key


def revoke_key(session: Session, prefix: str, *, actor: str) -> None:
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None:
        raise NotFound(f"no API key with prefix {prefix}")
    key.revoked_at = datetime.now(UTC)
    audit.record(session, actor, "api_key.revoke", details={"prefix": prefix})
    session.commit()


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc())))


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()
