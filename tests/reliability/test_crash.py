"""A real crash: `gridbot run` as a subprocess, killed with SIGKILL in the middle of a burst of reports.

The test process plays Telegram (a Sandbox on 127.0.0.1) and the residents; the bot is the real
command line in its own process, on a fresh database (SQLite, or PostgreSQL with
GRIDBOT_TEST_DATABASE_URL). After the restart every report must have become exactly one ticket and
every resident must have seen exactly one 已受理 in the group.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from bot.models import InboxMessage, OutboxMessage, Ticket, TicketEvent
from bot.sandbox import Sandbox
from handlers.sandboxed import populate
from tests.conftest import EXAMPLE, ROOT, example_config
from tests.reliability.helpers import GROUP, acknowledged, acks_per_resident, complaint, eventually, residents

RESIDENTS = residents(30)
BEFORE_KILL = 10  # reports acknowledged before the crash; the other 20 arrive just before it


class BotProcess:
    """`python -m bot.cli run` against the sandbox, started and SIGKILLed like a real deployment."""

    def __init__(self, sandbox: Sandbox, database_url: str, folder: Path):
        self.sandbox = sandbox
        self.folder = folder
        self.config_path = folder / "config.toml"
        self.config_path.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
        self.env = {
            **os.environ,
            "GRIDBOT_TELEGRAM_TOKEN": sandbox.token,
            "GRIDBOT_TELEGRAM_BASE_URL": sandbox.base_url,
            "GRIDBOT_DATABASE_URL": database_url,
            "PYTHONPATH": str(ROOT),
        }
        self.proc: subprocess.Popen | None = None
        self.runs = 0

    @property
    def log_path(self) -> Path:
        return self.folder / f"bot-run-{self.runs}.log"

    async def start(self, timeout: float = 30.0) -> None:
        """Start the bot and return once it polls the sandbox for updates (inbox recovery is done by then)."""
        self.runs += 1
        calls_before = len(self.sandbox.calls)
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run", "--config", str(self.config_path)],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

        def polling() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"the bot exited with {self.proc.returncode}:\n{self.log_tail()}")
            return any(method.lower() == "getupdates" for method, _ in self.sandbox.calls[calls_before:])

        await eventually(polling, timeout, lambda: f"the bot never polled for updates:\n{self.log_tail()}")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


class Ledger:
    """Reads the bot's database from the test process (plain engine: reads take no write lock)."""

    def __init__(self, url: str):
        self.engine = create_engine(url)

    def scalar(self, query):
        with self.engine.connect() as connection:
            return connection.execute(query).scalar()

    def rows(self, query):
        with self.engine.connect() as connection:
            return connection.execute(query).all()

    def tickets(self) -> int:
        return self.scalar(select(func.count()).select_from(Ticket))

    def inbox(self) -> Counter:
        return Counter(dict(self.rows(select(InboxMessage.status, func.count()).group_by(InboxMessage.status))))

    def intact(self) -> bool:
        """SQLite's own check that the file was not left half-written by the kill (PostgreSQL: always)."""
        if self.engine.dialect.name != "sqlite":
            return True
        with self.engine.connect() as connection:
            return connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"

    def outbox(self, chat_id: int | None = None) -> Counter:
        query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        if chat_id is not None:
            query = query.where(OutboxMessage.chat_id == str(chat_id))
        return Counter(dict(self.rows(query)))

    def reporters(self) -> dict[int, int]:
        return {ticket: int(user) for ticket, user in self.rows(select(Ticket.id, Ticket.reporter_id))}

    def recorded_as_sent(self) -> set[tuple[int, int]]:
        """(chat, Telegram message id) of every send the outbox has marked sent (a summary marks several rows)."""
        query = select(OutboxMessage.chat_id, OutboxMessage.platform_message_id).where(OutboxMessage.status == "sent")
        return {(int(chat), int(message)) for chat, message in self.rows(query)}

    def close(self) -> None:
        self.engine.dispose()


class HeldAnswers(Sandbox):
    """A Telegram that delivers a sendMessage but, while `hold` is set, never answers the bot.

    That is the moment a crash can fall into on the real service: the message is in the group, the
    bot has not yet recorded it as sent. The held request ends when the bot's connection dies.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hold = False
        self.held: list[dict] = []

    async def _dispatch(self, token, method, params, uploads):
        result = await super()._dispatch(token, method, params, uploads)
        if self.hold and method.lower() == "sendmessage":
            self.held.append(result)
            await asyncio.sleep(3600)
        return result


def delivered(sandbox: Sandbox) -> set[tuple[int, int]]:
    return {(m["chat"]["id"], m["message_id"]) for m in sandbox.bot_messages()}


async def report_all(sandbox: Sandbox, people) -> list[dict]:
    return [sandbox.send_message(GROUP, user_id, complaint(n)) for n, (user_id, _) in people]


async def wait_until_recorded_as_sent(sandbox: Sandbox, ledger: Ledger) -> None:
    """Every message Telegram has delivered so far is marked sent in the outbox."""
    await eventually(
        lambda: delivered(sandbox) == ledger.recorded_as_sent(),
        10,
        lambda: f"delivered {sorted(delivered(sandbox))} vs marked {sorted(ledger.recorded_as_sent())}",
    )


async def restart_and_settle(bot: BotProcess, sandbox: Sandbox, ledger: Ledger) -> None:
    await bot.start()

    def settled() -> bool:
        return (
            ledger.tickets() == len(RESIDENTS)
            and set(ledger.reporters()) <= set(acknowledged(sandbox))
            and ledger.inbox()["pending"] == 0
            and ledger.outbox(GROUP)["pending"] == 0
        )

    await eventually(
        settled,
        30,
        lambda: (
            f"{ledger.tickets()} tickets, {len(set(acknowledged(sandbox)))} acknowledged, "
            f"inbox {dict(ledger.inbox())}, "
            f"group outbox {dict(ledger.outbox(GROUP))}\n{sandbox.summary('', GROUP)}\n{bot.log_tail()}"
        ),
    )


@pytest.fixture
async def crash_rig(database_url, tmp_path):
    """A sandbox on 127.0.0.1 knowing the example community and 30 residents, the bot process, a ledger."""
    sandbox = HeldAnswers()
    await sandbox.start()
    populate(sandbox, example_config(database_url), RESIDENTS)
    bot = BotProcess(sandbox, database_url, tmp_path)
    ledger = Ledger(database_url)
    try:
        yield sandbox, bot, ledger
    finally:
        bot.kill()
        ledger.close()
        await sandbox.stop()


def assert_one_ticket_and_one_ack_per_report(sandbox: Sandbox, ledger: Ledger, sent: list[dict]) -> None:
    assert ledger.intact(), "the database file is damaged after the kill"
    tickets = ledger.rows(select(Ticket.source_message_id, Ticket.reporter_id))
    assert len(tickets) == len(RESIDENTS), f"{len(tickets)} tickets for {len(RESIDENTS)} reports"
    assert sorted(int(m) for m, _ in tickets) == sorted(m["message_id"] for m in sent)
    assert sorted(int(r) for _, r in tickets) == sorted(user_id for user_id, _ in RESIDENTS)
    opened = ledger.scalar(select(func.count()).select_from(TicketEvent).where(TicketEvent.action == "open"))
    assert opened == len(RESIDENTS)
    assert ledger.inbox() == Counter(done=len(RESIDENTS)), "every stored report processed once, none failed"
    acked = acks_per_resident(sandbox, ledger.reporters())
    doubled = {user: n for user, n in acked.items() if n != 1}
    assert not doubled, f"residents who saw 已受理 more than once: {doubled}\n{sandbox.summary('', GROUP)}"
    assert set(acked) == {user_id for user_id, _ in RESIDENTS}


async def test_sigkill_mid_burst_loses_no_report_and_acknowledges_each_resident_once(crash_rig, capsys):
    """Killed while 20 stored reports wait to be processed and their sends are on their way to Telegram."""
    sandbox, bot, ledger = crash_rig
    people = list(enumerate(RESIDENTS, start=1))
    await bot.start()

    sent = await report_all(sandbox, people[:BEFORE_KILL])
    await eventually(lambda: len(set(acknowledged(sandbox))) >= BEFORE_KILL, 20, lambda: sandbox.summary("acks", GROUP))
    # Telegram turns slow: from now on every sendMessage hangs before delivery (the bot gets no answer).
    sandbox.faults.add("sendMessage", 200, count=-1, delay=60)
    await wait_until_recorded_as_sent(sandbox, ledger)

    sent += await report_all(sandbox, people[BEFORE_KILL:])
    # The bot confirms updates to Telegram only after storing them in its inbox; kill it right then.
    await eventually(lambda: sandbox.pending_updates == 0, 20, lambda: f"{sandbox.pending_updates} not fetched")
    bot.kill()

    at_kill = (len(acknowledged(sandbox)), ledger.tickets(), dict(ledger.inbox()), dict(ledger.outbox()))
    with capsys.disabled():
        print(
            f"\n[crash] at SIGKILL: {at_kill[0]} acks seen in the group, {at_kill[1]} tickets, "
            f"inbox {at_kill[2]}, outbox {at_kill[3]}"
        )
    assert at_kill[0] < len(RESIDENTS)

    sandbox.faults.clear()
    await restart_and_settle(bot, sandbox, ledger)
    assert_one_ticket_and_one_ack_per_report(sandbox, ledger, sent)


async def test_sigkill_between_delivery_and_marking_sent_repeats_rather_than_loses(crash_rig, capsys):
    """Killed after Telegram delivered an ack but before the bot learned so (the window a crash can hit).

    The Bot API has no idempotent send, so the outbox is at-least-once by decision: an answer whose fate is
    unknown after a crash is sent again rather than risk a resident never hearing 已受理. Only the answers
    caught in that window may repeat, once; no report is lost or doubled.
    """
    sandbox, bot, ledger = crash_rig
    people = list(enumerate(RESIDENTS, start=1))
    await bot.start()

    sent = await report_all(sandbox, people[:BEFORE_KILL])
    await eventually(lambda: len(set(acknowledged(sandbox))) >= BEFORE_KILL, 20, lambda: sandbox.summary("acks", GROUP))
    await wait_until_recorded_as_sent(sandbox, ledger)

    sandbox.hold = True
    sent += await report_all(sandbox, people[BEFORE_KILL:])
    await eventually(
        lambda: any("已受理" in (m.get("text") or "") for m in sandbox.held),
        20,
        lambda: f"no ack delivered yet; held {len(sandbox.held)}",
    )
    bot.kill()
    in_the_window = {n for m in sandbox.held for n in acknowledged_in(m)}
    with capsys.disabled():
        print(
            f"\n[crash, held answer] at SIGKILL: {len(acknowledged(sandbox))} acks seen in the group, "
            f"{len(sandbox.held)} delivered but unanswered, outbox {dict(ledger.outbox())}"
        )

    sandbox.hold = False
    await restart_and_settle(bot, sandbox, ledger)
    tickets = ledger.rows(select(Ticket.id, Ticket.source_message_id))
    assert sorted(int(m) for _, m in tickets) == sorted(m["message_id"] for m in sent)
    assert ledger.inbox() == Counter(done=len(RESIDENTS))
    seen = Counter(acknowledged(sandbox))
    assert set(seen) == {number for number, _ in tickets}, "every report acknowledged"
    repeated = {number for number, count in seen.items() if count > 1}
    assert repeated <= in_the_window and all(seen[n] == 2 for n in repeated), (repeated, in_the_window)


def acknowledged_in(message: dict) -> list[int]:
    head = [line for line in (message.get("text") or "").splitlines() if line.startswith("已受理")]
    return [int(n) for line in head for n in re.findall(r"#(\d+)", line.split("｜")[0].split("，")[0])]
