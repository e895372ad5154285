"""Shared pieces of the security tests: the cast of people, a driver for the core, prepared start states,
and one bot per test module polling the sandbox Bot API through the real python-telegram-bot stack.

Start states (a ticket that is new, claimed by 王芳, resolved or closed; an open 立案? or 办结/备注? question)
are built once per session through the core exactly as people would make them, saved as SQLite files and
copied for each case, so that hundreds of permission cases stay fast. With GRIDBOT_TEST_DATABASE_URL set
(PostgreSQL) the steps are replayed on the fresh database of every case instead.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import os
import re
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from bot import texts
from bot.config import Config, parse_config
from bot.core import Core
from bot.db import create_db_engine, migrate, session_factory
from bot.messages import Inbound, Result
from bot.models import InboxMessage, OutboxMessage, Ticket, TicketEvent
from handlers.sandboxed import sandboxed_bot
from tests.conftest import EXAMPLE, TEST_DB, Clock, example_config, fresh_database_url, running_clock

GROUP_1 = "-1001000000001"  # grid dj-1, 东郊社区第一网格（桂花苑）
GROUP_2 = "-1001000000002"
UNKNOWN_GROUP = "-1009999999999"  # a group the bot was added to but no grid uses
GRID_1_NAME = "东郊社区第一网格（桂花苑）"
MONDAY = dt.datetime(2026, 11, 23, 1, 30, tzinfo=dt.UTC)  # 09:30 in Shanghai
COMPLAINT = "楼道堆满杂物 好几天了没人管"  # a clear request, no building named (so never folded as 附议)
UNSURE_COMPLAINT = "门口的路灯坏了 晚上黑漆漆的"  # a request read with less than full confidence
WORKER_NOTE = "已经联系物业 明天来清理"
# The bot asks "立案?" below this confidence; 1.0 makes it ask for every report that is not certain.
ASKING = ("confirm_below = 0.55", "confirm_below = 1.0")


@dataclass(frozen=True)
class Person:
    """Somebody in the chat. `chat` is where they write in the permission cases."""

    key: str
    user_id: int
    name: str
    chat: str = GROUP_1
    is_bot: bool = False

    @property
    def uid(self) -> str:
        return str(self.user_id)

    @property
    def dm(self) -> str:
        """Their private chat with the bot (a bot or a stranger keeps to the chat they are in)."""
        return self.chat if self.is_bot or self.chat != GROUP_1 else self.uid


CAST: dict[str, Person] = {p.key: p for p in [
    Person("reporter", 501, "张阿姨"),
    Person("other_resident", 502, "李大爷"),
    Person("assignee", 1001, "王芳"),  # grid worker of dj-1; every prepared ticket is claimed by her
    Person("colleague", 1002, "李娜"),  # grid worker of dj-1
    Person("other_grid_worker", 1003, "赵强"),  # grid worker of dj-2
    Person("leader", 2001, "陈建国"),  # grid leader of dj-1 and dj-2
    Person("other_leader", 2002, "刘红梅"),  # grid leader of dj-3 and dj-4
    Person("secretary", 3001, "张书记"),
    Person("admin", 9001, "管理员小何"),
    Person("unknown_group_user", 601, "陌生人", chat=UNKNOWN_GROUP),
    Person("bot", 701, "某机器人", is_bot=True),
]}
REPORTER, ASSIGNEE = CAST["reporter"], CAST["assignee"]


class Driver:
    """Hands messages and button presses to the core as a transport would; ids never repeat."""

    def __init__(self, core: Core, first: int = 1):
        self.core = core
        self.ids = itertools.count(first)
        self.last_message_id = ""

    def say(self, person: Person, text: str, *, chat: str | None = None, reply_to: str | None = None) -> Result:
        n = next(self.ids)
        chat = chat or person.chat
        self.last_message_id = str(100_000 + n)
        return self.core.handle(Inbound(
            platform="telegram", update_id=f"u{n}", chat_id=chat,
            chat_type="private" if chat == person.uid else "group", message_id=self.last_message_id,
            user_id=person.uid, user_name=person.name, text=text, is_bot=person.is_bot,
            reply_to_message_id=reply_to, reply_to_bot=reply_to is not None,
        ))

    def press(self, person: Person, data: str, *, chat: str | None = None) -> Result:
        n = next(self.ids)
        chat = chat or person.chat
        self.last_message_id = f"cb-{n}"
        return self.core.handle(Inbound(
            platform="telegram", update_id=f"u{n}", chat_id=chat,
            chat_type="private" if chat == person.uid else "group", message_id=self.last_message_id,
            user_id=person.uid, user_name=person.name, kind="callback", is_bot=person.is_bot,
            callback_data=data, callback_id=str(n), reply_to_bot=True,
        ))


def deliver(sessions) -> None:
    """What the outbox sender records after sending: each queued message got a platform message id."""
    with sessions() as session, session.begin():
        for row in session.execute(select(OutboxMessage).where(OutboxMessage.status == "pending")).scalars():
            row.status, row.platform_message_id = "sent", str(80_000 + row.id)


def platform_id_of(sessions, chat: str, kind: str) -> str:
    with sessions() as session:
        found = session.execute(select(OutboxMessage.platform_message_id).where(
            OutboxMessage.chat_id == chat, OutboxMessage.kind == kind).order_by(OutboxMessage.id)).scalar()
    assert found, f"no sent {kind} message in chat {chat}"
    return found


# -- start states, built through the core as people would ------------------------------------------------
def _new(d: Driver, sessions) -> None:
    ack = d.say(REPORTER, COMPLAINT)
    assert any(o.text.startswith("已受理 #1") for o in ack.outbounds), "the complaint did not open ticket #1"


def _claimed(d: Driver, sessions) -> None:
    _new(d, sessions)
    d.say(ASSIGNEE, "认领 1")


def _resolved(d: Driver, sessions) -> None:
    _claimed(d, sessions)
    d.say(ASSIGNEE, "办结 1 已清理")


def _closed(d: Driver, sessions) -> None:
    _resolved(d, sessions)
    d.say(REPORTER, "评价 1 满意")


def _note_question(d: Driver, sessions) -> None:
    """王芳 answers her new-ticket DM with free text: the bot asks her whether that is 办结 or 备注 (question 1)."""
    _claimed(d, sessions)
    deliver(sessions)
    asked = d.say(ASSIGNEE, WORKER_NOTE, chat=ASSIGNEE.uid, reply_to=platform_id_of(sessions, ASSIGNEE.uid, "assign"))
    assert [b.data for b in asked.outbounds[0].buttons[0]] == ["note:1:resolve", "note:1:note"], asked


def _file_question(d: Driver, sessions) -> None:
    """An unsure report: the bot asks the reporter whether to open a ticket (question 1), none is open yet."""
    asked = d.say(REPORTER, UNSURE_COMPLAINT)
    assert [b.data for b in asked.outbounds[0].buttons[0]] == ["file:1:yes", "file:1:no"], asked


STATES: dict[str, tuple[Callable[[Driver, Any], None], bool]] = {
    # state: (steps, built with the config that asks before filing)
    "new": (_new, False),
    "claimed": (_claimed, False),
    "resolved": (_resolved, False),
    "closed": (_closed, False),
    "note_question": (_note_question, False),
    "file_question": (_file_question, True),
}


@dataclass
class Scene:
    """One prepared chat world: the core to talk to, a driver, and the database to look into."""

    core: Core
    driver: Driver
    sessions: Any

    def ticket(self, number: int = 1) -> Ticket | None:
        with self.sessions() as session:
            found = session.get(Ticket, number)
            if found is not None:
                session.expunge(found)
            return found

    def events(self, number: int = 1) -> list[tuple[str, str]]:
        with self.sessions() as session:
            return [(e.action, e.detail) for e in session.execute(
                select(TicketEvent).where(TicketEvent.ticket_id == number).order_by(TicketEvent.id)).scalars()]

    def failed(self) -> list[str]:
        return failed_inbox(self.sessions)


def failed_inbox(sessions) -> list[str]:
    """Inbox rows whose processing raised: a bug, whatever the input was."""
    with sessions() as session:
        return [f"{row.payload.get('text') or row.payload.get('callback_data')!r}: {row.error}" for row in
                session.execute(select(InboxMessage).where(InboxMessage.status == "failed")).scalars()]


def _build(url: str, state: str, classifier) -> tuple[Any, Any]:
    steps, asking = STATES[state]
    engine = create_db_engine(url)
    migrate(engine)
    sessions = session_factory(engine)
    config = example_config(url, replace=ASKING if asking else None)
    steps(Driver(Core(config, sessions, classifier, Clock(MONDAY))), sessions)
    return engine, sessions


@pytest.fixture(scope="session")
def security_config() -> Config:
    """The example community; the database URL in it is not used (each scene brings its own sessions)."""
    return example_config("sqlite://")


@pytest.fixture(scope="session")
def snapshots(tmp_path_factory, classifier) -> dict[str, Path]:
    if TEST_DB:
        return {}
    folder = tmp_path_factory.mktemp("start-states")
    saved = {}
    for state in STATES:
        path = folder / f"{state}.db"
        engine, _ = _build(f"sqlite:///{path}", state, classifier)
        engine.dispose()  # the last connection closing checkpoints the WAL into the file
        saved[state] = path
    return saved


@pytest.fixture
def scene_folder(tmp_path) -> Iterator[Path]:
    """Where the per-case database copies go: memory-backed when the system has it (hundreds of small
    databases are written and dropped; on a busy disk their fsyncs dominate the run time)."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="gridbot-security-", dir=shm))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def start_in(snapshots, security_config, classifier, tmp_path, scene_folder) -> Iterator[Callable[[str], Scene]]:
    """start_in("claimed") → a Scene whose ticket #1 is claimed by 王芳, a minute after it was claimed."""
    engines = []

    def start(state: str) -> Scene:
        if TEST_DB:
            engine, sessions = _build(fresh_database_url(tmp_path), state, classifier)
        else:
            path = scene_folder / f"{state}-{len(engines)}.db"
            shutil.copyfile(snapshots[state], path)
            for suffix in ("-wal", "-shm"):
                if Path(f"{snapshots[state]}{suffix}").exists():
                    shutil.copyfile(f"{snapshots[state]}{suffix}", f"{path}{suffix}")
            engine = create_db_engine(f"sqlite:///{path}")
            sessions = session_factory(engine)
        engines.append(engine)
        core = Core(security_config, sessions, classifier, Clock(MONDAY + dt.timedelta(minutes=1)))
        return Scene(core, Driver(core, first=1000), sessions)

    yield start
    for engine in engines:
        engine.dispose()


def texts_to(result: Result, chat: str) -> list[str]:
    return [o.text for o in result.outbounds if o.chat_id == chat]


# -- the real bot through the sandbox ---------------------------------------------------------------------
def text_of(message: dict[str, Any]) -> str:
    return message.get("text") or message.get("caption") or ""


def replying_to(message: dict[str, Any], fragment: str = "") -> Callable[[dict[str, Any]], bool]:
    """A bot message quoting `message` (the bot answers where it was asked) and containing `fragment`."""
    return lambda m: (m.get("reply_to_message", {}).get("message_id") == message["message_id"]
                      and fragment in text_of(m))


def has(fragment: str) -> Callable[[dict[str, Any]], bool]:
    return lambda m: fragment in text_of(m)


def ticket_number(message: dict[str, Any]) -> int:
    match = re.search(r"#(\d+)", text_of(message))
    assert match, f"no ticket number in {text_of(message)!r}"
    return int(match.group(1))


TEST_GRIDS = 60  # grids staffed like dj-1, one per live case (see live_config)


def grid_chat_of(i: int) -> int:
    return -1002000000000 - i


@dataclass
class Prepared:
    n: int
    reporter: Person
    report: dict[str, Any]  # the resident's message
    ack: dict[str, Any]  # 已受理 in the group
    dm: dict[str, Any]  # 【新工单】 to the suggested worker, with the 认领/转交 buttons
    prompt: dict[str, Any] | None  # the rating prompt with its buttons, once resolved


class LiveBot:
    """The sandbox, the running bot, and a supply of fresh residents (no two cases share a reporter)."""

    def __init__(self, sandbox, runtime):
        self.sb = sandbox
        self.runtime = runtime
        self._residents = itertools.count(5000)
        self._grids = itertools.count(1)
        self._buildings = itertools.count(101)
        self.G1 = int(GROUP_1)
        self.grid_name = GRID_1_NAME

    def next_group(self) -> int:
        """Move on to a grid group of its own (see live_config); returns its chat id."""
        i = next(self._grids)
        assert i <= TEST_GRIDS, "more live cases than test grids: raise TEST_GRIDS"
        self.G1, self.grid_name = grid_chat_of(i), f"测试网格{i}"
        return self.G1

    def fresh_resident(self) -> Person:
        user_id = next(self._residents)
        person = Person(f"resident{user_id}", user_id, f"居民{user_id}")
        self.sb.add_user(user_id, person.name)
        return person

    async def report(self, reporter: Person | None = None, text: str = COMPLAINT) -> tuple[dict, dict, int]:
        """A resident complains in the grid group; returns their message, the 已受理 ack and the number."""
        reporter = reporter or self.fresh_resident()
        sent = self.sb.send_message(self.G1, reporter.user_id, text)
        ack = await self.sb.wait_for(replying_to(sent, "已受理"), chat_id=self.G1)
        return sent, ack, ticket_number(ack)

    async def settled(self) -> None:
        """Every update fetched and processed, every reply delivered."""
        await self.sb.wait_until_consumed()
        assert await self.runtime.settle(), "the bot did not settle"

    def ticket(self, number: int) -> Ticket | None:
        with self.runtime.sessions() as session:
            found = session.get(Ticket, number)
            if found is not None:
                session.expunge(found)
            return found

    def tickets(self) -> int:
        with self.runtime.sessions() as session:
            return session.execute(select(func.count()).select_from(Ticket)).scalar_one()

    def failed(self) -> list[str]:
        return failed_inbox(self.runtime.sessions)

    async def prepared(self, state: str) -> Prepared:
        """A fresh resident's ticket in a fresh grid group, brought to `state` (new / claimed by 王芳 /
        resolved / closed) by people."""
        self.next_group()
        sent, ack, n = await self.report()
        reporter = Person("reporter", sent["from"]["id"], sent["from"]["first_name"])
        dm = await self.sb.wait_for(has(f"【新工单 #{n}】"))
        if state in ("claimed", "resolved", "closed"):
            self.sb.send_message(self.G1, ASSIGNEE.user_id, f"认领 {n}")
            await self.sb.wait_for(has(texts.claimed_group(n, ASSIGNEE.name)), chat_id=self.G1)
        prompt = None
        if state in ("resolved", "closed"):
            self.sb.send_message(self.G1, ASSIGNEE.user_id, f"办结 {n} 已清理")
            prompt = await self.sb.wait_for(has(f"#{n} 已办结"), chat_id=self.G1)
        if state == "closed":
            self.sb.send_message(self.G1, reporter.user_id, f"评价 {n} 满意")
            await self.sb.wait_for(has(f"#{n} 已归档"), chat_id=self.G1)
        await self.settled()
        assert self.ticket(n).status == state
        return Prepared(n, reporter, sent, ack, dm, prompt)

    async def toast(self, query_id: str, timeout: float = 10.0) -> str | None:
        """The short answer shown to whoever pressed the button (None: answered without text)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            for answer in self.sb.callback_answers:
                if answer.get("callback_query_id") == query_id:
                    return answer.get("text")
            await asyncio.sleep(0.02)
        raise AssertionError(f"button press {query_id} was never answered")

    async def still_serves(self) -> int:
        """A fresh resident's normal complaint (about a building nobody mentioned yet, so that it is not
        folded into an earlier ticket as 附议) is acknowledged with a new ticket number."""
        _, _, number = await self.report(text=f"{next(self._buildings)}栋楼道堆满杂物 好几天了没人管")
        return number


def live_config(tmp_path_factory, asking: bool = False) -> Config:
    """The example community plus TEST_GRIDS grids staffed like dj-1 (王芳 and 李娜, leader 陈建国), on SQLite.

    Telegram lets a bot post about 20 messages a minute into one group, and python-telegram-bot's rate
    limiter keeps to that; so each live case gets a grid group of its own instead of sharing 桂花苑's.
    Live bots stay on SQLite even when GRIDBOT_TEST_DATABASE_URL is set: a module's bot outlives the
    per-test PostgreSQL resets of the core fixtures.
    """
    source = EXAMPLE.read_text(encoding="utf-8")
    ids = [f"t-{i}" for i in range(1, TEST_GRIDS + 1)]
    listed = ", ".join(f'"{g}"' for g in ids)
    source = source.replace('grids = ["dj-1"]\n', f'grids = ["dj-1", {listed}]\n')  # 王芳 and 李娜
    source = source.replace('grids = ["dj-1", "dj-2"]\n', f'grids = ["dj-1", "dj-2", {listed}]\n')  # 陈建国
    if asking:
        source = source.replace(*ASKING)
    source += "".join(f'\n[[grids]]\nid = "t-{i}"\nname = "测试网格{i}"\nchat_id = {grid_chat_of(i)}\n'
                      for i in range(1, TEST_GRIDS + 1))
    url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'gridbot.db'}"
    return parse_config(source, "config.example.toml", environ={"GRIDBOT_DATABASE_URL": url})


@asynccontextmanager
async def running_bot(config: Config, classifier) -> AsyncIterator[LiveBot]:
    """The real bot polling a fresh sandbox that knows the cast and an unknown group; stopped on exit."""
    residents = [(p.user_id, p.name) for p in CAST.values() if not p.is_bot]
    async with sandboxed_bot(config, classifier=classifier, residents=residents, clock=running_clock()) as (
        sandbox,
        runtime,
    ):
        sandbox.add_user(CAST["bot"].user_id, CAST["bot"].name, is_bot=True)
        sandbox.add_chat(int(UNKNOWN_GROUP), "陌生群")
        # The bot paces private chats to one message a second, as Telegram asks; the sandbox has no flood
        # limits, and dozens of cases DM the same workers, so the pacing is shortened here.
        runtime.channel.private_rate = 0.01
        yield LiveBot(sandbox, runtime)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def live(tmp_path_factory, classifier) -> AsyncIterator[LiveBot]:
    """One running bot for the whole test module (cases keep apart: fresh groups, residents and tickets)."""
    async with running_bot(live_config(tmp_path_factory), classifier) as bot:
        yield bot
