"""Migrations build the schema from an empty database and are safe to re-run at every start."""

from __future__ import annotations

from sqlalchemy import inspect

from bot.db import create_db_engine, current_revision, migrate
from bot.models import Base


def test_migrate_from_empty_creates_every_table(database_url):
    engine = create_db_engine(database_url)
    assert current_revision(engine) is None
    migrate(engine)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    head = current_revision(engine)
    migrate(engine)  # a second start changes nothing
    assert current_revision(engine) == head
    engine.dispose()


def test_schema_matches_the_models(database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = create_db_engine(database_url)
    migrate(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == [], "models changed without a migration"
