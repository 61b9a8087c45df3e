"""Small admin-editable values kept in table `setting`: the support note, the reject reason list and the
health-harm prototype sentences.

Values are JSON objects so a key can grow a field without a migration; the helpers below hide that shape.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from moderation.db.models import Setting
from moderation.domain.errors import InvalidInput
from moderation.services import audit

SUPPORT_NOTE = "support_note"
REJECT_REASONS = "reject_reasons"
FALLBACK_REJECT_REASONS = ("harassment", "hate", "misinformation", "spam", "off-topic", "other")
MAX_NOTE_CHARS = 2000
HARM_PROTOTYPES = "harm_prototypes"
# The lists workers/scoring/harm.py reads: a sentence's closest match in each is a feature of its head.
HARM_PROTOTYPE_LISTS = ("crisis", "dangerous_advice", "safe")
MAX_PROTOTYPES = 200  # per list; a worker embeds every one when it rebuilds its harm scorer
MAX_PROTOTYPE_CHARS = 300


def get(session: Session, key: str) -> dict[str, Any] | None:
    row = session.get(Setting, key)
    return dict(row.value) if row is not None else None


def updated_at(session: Session, key: str) -> datetime | None:
    row = session.get(Setting, key)
    return row.updated_at if row is not None else None


def put(
    session: Session, key: str, value: dict[str, Any], *, actor: str, details: dict[str, Any] | None = None
) -> None:
    """Create or replace a setting, audited (with `details` about the change); commits."""
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
    audit.record(session, actor, "setting.update", details={"key": key, **(details or {})})
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


def harm_prototypes(session: Session) -> dict[str, list[str]]:
    value = get(session, HARM_PROTOTYPES) or {}
    return {label: [str(s) for s in value.get(label) or []] for label in HARM_PROTOTYPE_LISTS}


def set_harm_prototypes(session: Session, lists: Mapping[str, Sequence[str]], *, actor: str) -> dict[str, list[str]]:
    """Replace every prototype list, all or nothing. Workers rebuild their harm scorer at their next batch
    (they compare the row's `updated_at`), so no restart is needed."""
    cleaned, errors = _clean_prototypes(lists)
    if errors:
        raise InvalidInput(f"{len(errors)} problem(s) with the prototype sentences; nothing was saved", errors=errors)
    before = harm_prototypes(session)
    added = {k: [s for s in cleaned[k] if s not in before[k]] for k in HARM_PROTOTYPE_LISTS}
    removed = {k: [s for s in before[k] if s not in cleaned[k]] for k in HARM_PROTOTYPE_LISTS}
    changes = {"added": {k: v for k, v in added.items() if v}, "removed": {k: v for k, v in removed.items() if v}}
    put(session, HARM_PROTOTYPES, dict(cleaned), actor=actor, details=changes)
    return cleaned


def set_harm_prototype_list(session: Session, label: str, sentences: Sequence[str], *, actor: str) -> list[str]:
    """Replace one list and keep the others (the console edits one list at a time)."""
    return set_harm_prototypes(session, {**harm_prototypes(session), label: sentences}, actor=actor)[label]


def _clean_prototypes(lists: Mapping[str, Sequence[str]]) -> tuple[dict[str, list[str]], list[dict[str, str]]]:
    """Stripped sentences, repeats within a list dropped; errors as [{field: "crisis[2]", message}]."""
    errors = [
        {"field": key, "message": "unknown prototype list"} for key in sorted(set(lists) - set(HARM_PROTOTYPE_LISTS))
    ]
    cleaned: dict[str, list[str]] = {}
    owner: dict[str, str] = {}  # lower-cased sentence -> the list that has it
    for label in HARM_PROTOTYPE_LISTS:
        sentences = lists.get(label)
        if sentences is None or isinstance(sentences, str):
            errors.append({"field": label, "message": "a list of sentences is required"})
            continue
        if not sentences:
            errors.append({"field": label, "message": "keep at least one sentence: an empty list loses its signal"})
        kept: list[str] = []
        for index, raw in enumerate(sentences):
            sentence = raw.strip() if isinstance(raw, str) else ""
            key, where = sentence.lower(), f"{label}[{index}]"
            if not sentence or len(sentence) > MAX_PROTOTYPE_CHARS:
                errors.append({"field": where, "message": f"a sentence must be 1 to {MAX_PROTOTYPE_CHARS} characters"})
            elif owner.setdefault(key, label) != label:
                errors.append({"field": where, "message": f"{sentence!r} is also in the {owner[key]} list"})
            elif sentence.lower() not in (k.lower() for k in kept):
                kept.append(sentence)
        if len(kept) > MAX_PROTOTYPES:
            errors.append({"field": label, "message": f"at most {MAX_PROTOTYPES} sentences per list"})
        cleaned[label] = kept
    return cleaned, errors
