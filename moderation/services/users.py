"""Moderator and admin accounts. Passwords are hashed with argon2 (people choose them, so a slow hash)."""

from __future__ import annotations

from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.db.models import User
from moderation.domain.errors import Conflict, InvalidInput, NotFound
from moderation.services import audit

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10


class Role(StrEnum):
    MODERATOR = "moderator"
    ADMIN = "admin"


def create_user(session: Session, username: str, password: str, role: str, *, actor: str) -> User:
    name = username.strip()
    if not name or len(name) > 100 or not name.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise InvalidInput("username must be 1-100 letters, digits, '.', '-' or '_'", field="username")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"password must be at least {MIN_PASSWORD_LENGTH} characters", field="password")
    try:
        parsed_role = Role(role)
    except ValueError:
        raise InvalidInput("role must be 'moderator' or 'admin'", field="role") from None
    if session.scalar(select(User).where(User.username == name)) is not None:
        raise Conflict(f"user {name!r} already exists")
    user = User(username=name, password_hash=_hasher.hash(password), role=parsed_role.value)
    session.add(user)
    audit.record(session, actor, "user.create", details={"username": name, "role": parsed_role.value})
    session.commit()
    return user


def verify(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None. Always spends one hash, to not leak which names exist."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        _hasher.hash(password)
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if user.disabled:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        session.commit()
    return user


def set_role(session: Session, user_id: int, role: str, *, actor: str) -> User:
    user = _get(session, user_id)
    user.role = Role(role).value
    audit.record(session, actor, "user.role", details={"username": user.username, "role": role})
    session.commit()
    return user


def set_disabled(session: Session, user_id: int, disabled: bool, *, actor: str) -> User:
    user = _get(session, user_id)
    user.disabled = disabled
    audit.record(session, actor, "user.disable" if disabled else "user.enable", details={"username": user.username})
    session.commit()
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def _get(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user
