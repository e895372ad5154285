"""Shared fixtures: the example community's config on a fresh database per test, a movable clock, the real classifier.

Set GRIDBOT_TEST_DATABASE_URL (e.g. postgresql+psycopg://…) to run the whole suite on PostgreSQL;
without it every test gets its own SQLite file.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.config import Config, parse_config
from bot.core import Core, running_from
from bot.db import create_db_engine, migrate, session_factory
from bot.messages import Inbound

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EXAMPLE = ROOT / "config.example.toml"
TEST_DB = os.environ.get("GRIDBOT_TEST_DATABASE_URL", "")
GROUP_1 = "-1001000000001"
GROUP_2 = "-1001000000002"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: dt.datetime):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


# Thursday 19 November 2026, 10:00 in Shanghai: a working day, no talk-day post or digest due
QUIET_THURSDAY = dt.datetime(2026, 11, 19, 2, 0, tzinfo=dt.UTC)


def running_clock(start: dt.datetime = QUIET_THURSDAY):
    """Real time, moved to a fixed quiet point of the week: tests of the running bot (real timers, real polling)
    must not meet a scheduled post that the calendar happens to make due (the weekly digest goes out on Monday
    evening in Shanghai, the talk-day notice on Monday and Tuesday evenings), whatever day CI runs them."""
    return running_from(start)


def fresh_database_url(tmp_path: Path) -> str:
    if not TEST_DB:
        return f"sqlite:///{tmp_path / 'gridbot.db'}"
    engine = create_db_engine(TEST_DB)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return TEST_DB


def example_config(database_url: str, extra: str = "", replace: tuple[str, str] | None = None) -> Config:
    source = EXAMPLE.read_text(encoding="utf-8")
    if replace:
        source = source.replace(*replace)
    return parse_config(source + extra, "config.example.toml", environ={"GRIDBOT_DATABASE_URL": database_url})


@pytest.fixture
def database_url(tmp_path) -> str:
    return fresh_database_url(tmp_path)


@pytest.fixture
def config(database_url) -> Config:
    return example_config(database_url)


@pytest.fixture(scope="session")
def classifier():
    from bot.understanding import build_classifier

    return build_classifier(example_config("sqlite://"))


@pytest.fixture
def clock() -> Clock:
    # A Monday morning, 09:30 in Shanghai: inside office hours, outside quiet hours.
    return Clock(dt.datetime(2026, 11, 23, 1, 30, tzinfo=dt.UTC))


@pytest.fixture
def sessions(config):
    engine = create_db_engine(config.database.url)
    migrate(engine)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def core(config, sessions, classifier, clock) -> Core:
    return Core(config, sessions, classifier, clock)


class Chat:
    """Writes inbound messages as residents and workers would, and hands them to the core."""

    def __init__(self, core: Core):
        self.core = core
        self.counter = 0

    def say(
        self,
        user_id: int | str,
        text: str = "",
        *,
        chat: str = GROUP_1,
        name: str | None = None,
        reply_to: str | None = None,
        kind: str = "text",
        photo: bool = False,
        is_bot: bool = False,
        mention: bool = False,
        edited_id: str | None = None,
        chat_type: str | None = None,
    ):
        self.counter += 1
        user = str(user_id)
        worker = self.core.config.worker(user)
        inbound = Inbound(
            platform="telegram",
            update_id=str(self.counter),
            chat_id=chat,
            chat_type=chat_type or ("private" if chat == user else "group"),
            message_id=edited_id or str(1000 + self.counter),
            user_id=user,
            user_name=name or (worker.name if worker else f"居民{user}"),
            text=text,
            kind="photo" if photo else kind,
            is_bot=is_bot,
            edited=edited_id is not None,
            photo_id="photo-1" if photo else None,
            reply_to_message_id=reply_to,
            reply_to_bot=reply_to is not None,
            mentions_bot=mention,
        )
        return self.core.handle(inbound)

    def press(self, user_id: int | str, data: str, *, chat: str = GROUP_1):
        self.counter += 1
        user = str(user_id)
        worker = self.core.config.worker(user)
        inbound = Inbound(
            platform="telegram",
            update_id=str(self.counter),
            chat_id=chat,
            chat_type="private" if chat == user else "group",
            message_id=f"cb-{self.counter}",
            user_id=user,
            user_name=worker.name if worker else f"居民{user}",
            kind="callback",
            callback_data=data,
            callback_id=str(self.counter),
        )
        return self.core.handle(inbound)


@pytest.fixture
def chat(core) -> Chat:
    return Chat(core)
