"""Small admin-editable values kept in table `setting`: the support note and the reject reason list.

Values are JSON objects so a key can grow a field without a migration; the helpers below hide that shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from moderation.db.models import Setting
from moderation.domain.errors import InvalidInput
from moderation.services import audit

SUPPORT_NOTE = "support_note"
REJECT_REASONS = "reject_reasons"
FALLBACK_REJECT_REASONS = ("harassment", "hate", "misinformation", "spam", "off-topic", "other")
MAX_NOTE_CHARS = 2000


def get(session: Session, key: str) -> dict[str, Any] | None:
    row = session.get(Setting, key)
    return dict(row.value) if row is not None else None


def put(session: Session, key: str, value: dict[str, Any], *, actor: str) -> None:
    """Create or replace a setting, audited; commits."""
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
    audit.record(session, actor, "setting.update", details={"key": key})
    session.commit()


def support_note(session: Session) -> str:
    value = get(session, SUPPORT_NOTE) or {}
    return str(value.get("text", ""))


def set_support_note(session: Session, text: str, *, actor: str) -> None:
    cleaned = text.strip()
    if not cleaned or len(cleaned) > MAX_NOTE_CHARS:
        raise InvalidInput(f"the support note must be 1 to {MAX_NOTE_CHARS} characters", field="support_note")
    put(session, SUPPORT_NOTE, {"text": cleaned}, actor=actor)


def reject_reasons(session: Session) -> list[str]:
    value = get(session, REJECT_REASONS) or {}
    codes = value.get("codes") or FALLBACK_REJECT_REASONS
    return [str(code) for code in codes]


def set_reject_reasons(session: Session, codes: Sequence[str], *, actor: str) -> None:
    cleaned = list(dict.fromkeys(c.strip().lower() for c in codes if c.strip()))
    if not cleaned or any(len(c) > 40 or not c.replace("-", "").replace("_", "").isalnum() for c in cleaned):
        raise InvalidInput("reasons must be short words (letters, digits, '-' or '_')", field="reject_reasons")
    if "other" not in cleaned:
        cleaned.append("other")  # a moderator must always be able to reject with a free note
    put(session, REJECT_REASONS, {"codes": cleaned}, actor=actor)
