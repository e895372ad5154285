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


def test_upgrade_from_the_previous_revision_keeps_the_data(database_url):
    from sqlalchemy import text

    engine = create_db_engine(database_url)
    migrate(engine, "0001")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO tickets (id, grid_id, category, handling, urgent, platform, reporter_id, reporter_name,"
                " source_chat_id, source_message_id, text, place, status, deadline_at, created_at, updated_at,"
                " resolution, rating_reason, escalation_level) VALUES (7, 'dj-1', 'repair', 'handle', false,"
                " 'telegram', '501', '张阿姨', '-1001000000001', '42', '路灯坏了', '', 'new', :t, :t, :t, '', '', 0)"
            ),
            {"t": "2026-11-23 01:30:00"},
        )
    migrate(engine)
    assert current_revision(engine) == "0007"
    with engine.connect() as connection:
        row = connection.execute(text("SELECT text, matter FROM tickets WHERE id = 7")).one()
    assert tuple(row) == ("路灯坏了", "")
    columns = {c["name"] for c in inspect(engine).get_columns("ticket_events")}
    assert "attachment" in columns
    assert "ix_outbox_chat_queue" in {i["name"] for i in inspect(engine).get_indexes("outbox")}
    assert "ix_supporters_user" in {i["name"] for i in inspect(engine).get_indexes("ticket_supporters")}
    assert "photo_id" in {c["name"] for c in inspect(engine).get_columns("outbox")}
    assert "chat_moves" in inspect(engine).get_table_names()
    engine.dispose()
