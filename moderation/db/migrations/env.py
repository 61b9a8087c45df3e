"""Alembic environment: the URL comes from the caller (moderation.db.migrate), never from an ini file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from moderation.db.models import Base

config = context.config
connection = config.attributes.get("connection")

if connection is not None:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    # `alembic revision --autogenerate` run by a developer: the URL is passed with -x url=...
    url = context.get_x_argument(as_dictionary=True)["url"]
    with create_engine(url).connect() as conn:
        context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
