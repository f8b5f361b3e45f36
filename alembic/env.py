"""Alembic environment: the URL comes from the config (set by app.migrations) or settings."""

from __future__ import annotations

from sqlmodel import SQLModel

from alembic import context
from app.config import get_settings
from app.db import make_engine
from app.migrations import include_object
from app.registry import import_all_models

import_all_models()
target_metadata = SQLModel.metadata
config = context.config


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or get_settings().effective_database_url


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(_url())
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            compare_type=True,
            # The search index's tables, triggers and expression indexes are raw DDL the
            # models cannot declare: without the filter, autogenerate (make migration) wrote
            # a revision dropping them.
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
