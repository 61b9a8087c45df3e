"""Encrypt the forums' webhook signing secrets at rest (Fernet, keys from MODERATION_SECRET_KEYS).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 10:30:00

The column widens from 200 to 500 characters: a Fernet token of a 200-character secret is 356. SQLite
does not enforce VARCHAR lengths, and rebuilding `forum` there would trip the foreign keys pointing at
it, so the type changes on PostgreSQL only.
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import context, op

from moderation import crypto
from moderation.config import Settings, load_settings

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

forum = sa.table("forum", sa.column("id", sa.Integer()), sa.column("webhook_secret", sa.String()))


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column(
            "forum", "webhook_secret", type_=sa.String(500), existing_type=sa.String(200), existing_nullable=True
        )
    _rewrite(crypto.encrypt)


def downgrade() -> None:
    _rewrite(crypto.decrypt)
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column(
            "forum", "webhook_secret", type_=sa.String(200), existing_type=sa.String(500), existing_nullable=True
        )


def _rewrite(change: Callable[[crypto.MultiFernet, str], str]) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(forum.c.id, forum.c.webhook_secret).where(forum.c.webhook_secret.is_not(None)))
    pending = rows.all()
    if not pending:
        return  # a new database needs no key
    settings = context.config.attributes.get("settings")
    box = crypto.cipher(settings if isinstance(settings, Settings) else load_settings())
    for forum_id, value in pending:
        bind.execute(forum.update().where(forum.c.id == forum_id).values(webhook_secret=change(box, value)))
