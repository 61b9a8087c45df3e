"""Apply Alembic migrations to the configured database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from moderation.config import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(settings: Settings | None = None) -> Config:
    """`settings` reach the revisions that need more than SQL (0002 encrypts with MODERATION_SECRET_KEYS)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["settings"] = settings
    return config


def upgrade(engine: Engine, revision: str = "head", settings: Settings | None = None) -> None:
    config = alembic_config(settings)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str, settings: Settings | None = None) -> None:
    config = alembic_config(settings)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
