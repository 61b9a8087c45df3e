"""Forums and their API keys. A key is shown once; only its SHA-256 is stored.

Keys are 256-bit random tokens, so a fast hash is enough (no dictionary to guess from); passwords,
which people choose, use argon2 instead (see services/users.py). A forum's webhook signing secret must
be read back to sign, so it is stored encrypted (moderation/crypto.py) and, like the key, shown once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation import crypto
from moderation.db.models import ApiKey, Forum
from moderation.domain.errors import InvalidInput, NotFound
from moderation.services import audit

KEY_PREFIX = "mod_"
MAX_SECRET_CHARS = 200


@dataclass(frozen=True, slots=True)
class NewKey:
    forum: Forum
    key: ApiKey
    plaintext: str  # shown once, never stored
    webhook_secret: str | None = None  # set when this call set the forum's webhook; shown once, stored encrypted


def create_key(
    session: Session,
    forum_name: str,
    *,
    actor: str,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    cipher: crypto.MultiFernet | None = None,
    label: str = "",
) -> NewKey:
    """Create a key for `forum_name`, creating the forum on first use.

    With a `webhook_url` the forum's webhook is (re)set with `webhook_secret`, or a generated one, which
    `cipher` encrypts before it is stored; without one the forum keeps its webhook.
    """
    name = forum_name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("forum name must be 1 to 100 characters", field="forum")
    secret = encrypted = None
    if webhook_url is not None:
        secret = webhook_secret or secrets.token_hex(32)
        if len(secret) > MAX_SECRET_CHARS:
            raise InvalidInput(f"a webhook secret has at most {MAX_SECRET_CHARS} characters", field="webhook_secret")
        if cipher is None:
            raise ValueError("a webhook secret is stored encrypted: pass the cipher")
        encrypted = crypto.encrypt(cipher, secret)
    forum = session.scalar(select(Forum).where(Forum.name == name))
    if forum is None:
        forum = Forum(name=name)
        session.add(forum)
    if encrypted is not None:
        forum.webhook_url, forum.webhook_secret = webhook_url, encrypted
    session.flush()
    prefix = secrets.token_hex(6)
    plaintext = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(forum_id=forum.id, prefix=prefix, key_hash=hash_key(plaintext), label=label)
    session.add(key)
    audit.record(session, actor, "api_key.create", details={"forum": name, "prefix": prefix})
    session.commit()
    return NewKey(forum, key, plaintext, secret)


def rotate_webhook_secrets(session: Session, cipher: crypto.MultiFernet) -> int:
    """Re-encrypt every stored webhook secret under the first key of `cipher`; the count. Commits."""
    forums = session.scalars(select(Forum).where(Forum.webhook_secret.is_not(None))).all()
    for forum in forums:
        forum.webhook_secret = crypto.reencrypt(cipher, forum.webhook_secret or "")
    session.commit()
    return len(forums)


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
