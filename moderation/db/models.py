"""SQLAlchemy 2.0 typed models. Timestamps are tz-aware UTC; tables are singular snake_case."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """SQLite forgets the time zone; give every datetime back as aware UTC on both databases."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


# 64-bit on PostgreSQL (the feed cursor must not run out); SQLite's rowid is 64-bit already and only
# autoincrements for a column declared exactly INTEGER.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Forum(Base):
    __tablename__ = "forum"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    # A Fernet token (moderation/crypto.py), never the plaintext: the secret is shown once when created.
    webhook_secret: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id"), index=True)
    # The prefix is public (shown in lists, used for lookup); only the SHA-256 of the whole key is stored.
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    forum: Mapped[Forum] = relationship(lazy="joined")


class Comment(Base):
    __tablename__ = "comment"
    __table_args__ = (
        UniqueConstraint("forum_id", "external_id"),
        Index("ix_comment_status_created", "status", "created_at"),
        Index("ix_comment_forum_author", "forum_id", "author_id"),
        Index("ix_comment_forum_thread", "forum_id", "thread_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id"))
    external_id: Mapped[str] = mapped_column(String(255))
    thread_id: Mapped[str] = mapped_column(String(255))
    author_id: Mapped[str] = mapped_column(String(255))
    author_name: Mapped[str | None] = mapped_column(String(255))
    parent_external_id: Mapped[str | None] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    body_sha256: Mapped[str] = mapped_column(String(64))
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    review_reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    scoring_attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Review claim: a moderator who opened the item holds it until claim_expires_at.
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claim_expires_at: Mapped[datetime | None]
    first_seen_at: Mapped[datetime | None]

    forum: Mapped[Forum] = relationship(lazy="raise")
    scores: Mapped[list[Score]] = relationship(lazy="selectin", order_by="Score.label")
    evidence: Mapped[list[ScoreEvidence]] = relationship(lazy="selectin", order_by="ScoreEvidence.id")


class Score(Base):
    __tablename__ = "score"
    __table_args__ = (UniqueConstraint("comment_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(40))
    value: Mapped[float] = mapped_column(Float)
    model: Mapped[str] = mapped_column(String(100))
    model_version: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScoreEvidence(Base):
    __tablename__ = "score_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(40))
    sentence: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)
    claim_slug: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[str | None] = mapped_column(String(500))


class PolicyVersion(Base):
    __tablename__ = "policy_version"

    version: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    mode: Mapped[str] = mapped_column(String(10))
    bands: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PolicyActivation(Base):
    """The current policy is the most recent activation; rollback is a new activation of an old version."""

    __tablename__ = "policy_activation"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(ForeignKey("policy_version.version"))
    activated_by: Mapped[str] = mapped_column(String(100))
    activated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Decision(Base):
    """Every outcome a comment got, in order; the id is the change feed's cursor."""

    __tablename__ = "decision"
    __table_args__ = (Index("ix_decision_forum_id", "forum_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    comment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id"))
    outcome: Mapped[str] = mapped_column(String(20))
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    decided_by: Mapped[str] = mapped_column(String(100))
    policy_version: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("comment.id", ondelete="SET NULL"), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """The outbox: written in the decision's transaction, delivered by a job until the forum answers 2xx."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id"), index=True)
    decision_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("decision.id", ondelete="SET NULL"))
    event: Mapped[str] = mapped_column(String(30))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeliveryAttempt(Base):
    __tablename__ = "delivery_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_delivery.id", ondelete="CASCADE"), index=True)
    status_code: Mapped[int | None]
    latency_ms: Mapped[float | None]
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Claim(Base):
    """A known false or dangerous health claim in the misinformation catalogue."""

    __tablename__ = "claim"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    statement: Mapped[str] = mapped_column(Text)
    variants: Mapped[list[Any]] = mapped_column(JSON, default=list)
    category: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10))
    correction: Mapped[str] = mapped_column(Text)
    source_url: Mapped[str] = mapped_column(String(2000))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Report(Base):
    __tablename__ = "report"
    __table_args__ = (UniqueConstraint("comment_id", "reporter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    reporter_id: Mapped[str] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Setting(Base):
    """Small admin-editable values (support note, harm prototypes) that are not policy."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
