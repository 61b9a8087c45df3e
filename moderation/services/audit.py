"""The audit log: one row for every state change and every admin action."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from moderation.db.models import AuditEvent


def record(
    session: Session,
    actor: str,
    action: str,
    *,
    comment_id: uuid.UUID | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Add an audit event to the session; it commits with the change it describes."""
    session.add(
        AuditEvent(
            actor=actor,
            action=action,
            comment_id=comment_id,
            from_status=from_status,
            to_status=to_status,
            details=details or {},
        )
    )
