"""Database engine and sessions: SQLite by default, PostgreSQL by URL, migrations applied at start."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot import texts
from bot.config import sqlite_file

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
log = logging.getLogger(__name__)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


class DatabaseMissing(Exception):
    """The SQLite file a command only reads from is not there."""

    def __init__(self, path: Path):
        super().__init__(str(path))
        self.path = path


def create_db_engine(url: str, *, create: bool = True) -> Engine:
    """An engine whose write transactions cannot lose updates under concurrency.

    SQLite creates a missing file (and we its folder) on first use: right for `run` and `migrate`. A command that
    only reads passes create=False and gets DatabaseMissing instead: a listing of a fresh empty file looked like
    a community with no tickets, and an admin handed the county an empty 台账.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        file = sqlite_file(url)
        if file is not None:
            if not file.exists():
                if not create:
                    raise DatabaseMissing(file)
                # said out loud: a bot started against the wrong folder begins with no tickets, and this is the clue
                log.info(texts.database_created(file))
                file.parent.mkdir(parents=True, exist_ok=True)
            if parsed.database != str(file):  # SQLite opens ~ literally
                url = parsed.set(database=str(file)).render_as_string(hide_password=False)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _make_sqlite_safe(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _make_sqlite_safe(engine: Engine) -> None:
    # pysqlite's own BEGIN is deferred: a read-then-write may silently lose an update when two
    # writers interleave. We take over transaction control and begin every one IMMEDIATE.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(engine: Engine) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision`; safe to call at every start."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One short unit of work: committed on success, rolled back on any error."""
    with factory() as session, session.begin():
        yield session


def found_in(session: Session, wanted, column, values: Iterable, *criteria, chunk: int = 500) -> set:
    """`wanted` of the rows whose `column` is one of `values`: a few IN queries, not one query per value."""
    values = list(dict.fromkeys(values))
    found: set = set()
    for start in range(0, len(values), chunk):
        found.update(
            session.execute(select(wanted).where(column.in_(values[start : start + chunk]), *criteria)).scalars()
        )
    return found


def lock_for(session: Session, key: str) -> None:
    """Serialise transactions that check-then-create on the same key (e.g. one grid's 附议 check).

    SQLite already runs one writer at a time (BEGIN IMMEDIATE); PostgreSQL takes a transaction advisory lock.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
