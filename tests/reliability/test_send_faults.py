"""Telegram misbehaving on sendMessage: 429 storms, 5xx runs, slow answers, sends it will never accept.

The real bot (PTB stack, outbox sender) talks to the sandbox Bot API, whose fault injection provides the
misbehaviour. What people must notice: every reply arrives exactly once, a chat's replies arrive in the
order the bot wrote them, and a send that cannot be made is kept (failed, with its error) and reported
to the admin instead of vanishing.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import func, select

from bot import outbox as outbox_module
from bot.models import InboxMessage, OutboxMessage, Ticket
from handlers.sandboxed import sandboxed_bot
from tests.conftest import running_clock
from tests.reliability.helpers import (
    ADMIN,
    GROUP,
    LI,
    WANG,
    acknowledged,
    acks_per_resident,
    complaint,
    eventually,
    residents,
    text_of,
    ticket_number,
)

RESIDENTS = residents(5)


@pytest.fixture
async def bot(config, classifier):
    async with sandboxed_bot(config, classifier=classifier, residents=RESIDENTS, clock=running_clock()) as (
        sandbox,
        runtime,
    ):
        yield sandbox, runtime


def _outbox_rows(runtime, chat_id: int | None = None) -> list[OutboxMessage]:
    with runtime.sessions() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if chat_id is not None:
            query = query.where(OutboxMessage.chat_id == str(chat_id))
        return list(session.execute(query).scalars())


async def outbox_rows(runtime, chat_id: int | None = None) -> list[OutboxMessage]:
    return await runtime.run_db(_outbox_rows, runtime, chat_id)


def _reporters(runtime) -> dict[int, int]:
    with runtime.sessions() as session:
        return {ticket: int(user) for ticket, user in session.execute(select(Ticket.id, Ticket.reporter_id))}


async def reporters(runtime) -> dict[int, int]:
    """{ticket number: the resident who reported it}."""
    return await runtime.run_db(_reporters, runtime)


async def all_delivered(sandbox, runtime, timeout: float = 30.0) -> None:
    """The bot took every update, and nothing is left to process or to send, retries with back-off
    included (runtime.settle() only waits for sends already due)."""
    await sandbox.wait_until_consumed(timeout=timeout)

    def nothing_pending() -> bool:
        with runtime.sessions() as session:
            inbox = session.execute(select(InboxMessage.id).where(InboxMessage.status == "pending")).first()
            out = session.execute(select(OutboxMessage.id).where(OutboxMessage.status == "pending")).first()
            return inbox is None and out is None

    async def check() -> bool:
        return await runtime.run_db(nothing_pending)

    await eventually(check, timeout, lambda: "outbox/inbox still has pending rows")


def report_burst(sandbox, people=RESIDENTS) -> list[dict]:
    """Residents report at once (one getUpdates batch)."""
    return [sandbox.send_message(GROUP, user_id, complaint(n)) for n, (user_id, _) in enumerate(people, 1)]


def _processed(runtime) -> int:
    with runtime.sessions() as session:
        return session.execute(
            select(func.count()).select_from(InboxMessage).where(InboxMessage.status == "done")
        ).scalar()


async def one_after_another(sandbox, runtime, messages: list[tuple[int, str]]) -> None:
    """Each (user, text) is written in the group once the bot has processed the one before: the order the
    bot queues the answers in is then the order of the messages, on any database."""
    for user_id, text in messages:
        before = await runtime.run_db(_processed, runtime)
        sandbox.send_message(GROUP, user_id, text)
        await _processed_more_than(runtime, before, text)


async def _processed_more_than(runtime, before: int, text: str) -> None:
    async def taken_in() -> bool:
        return await runtime.run_db(_processed, runtime) > before

    await eventually(taken_in, 10, lambda: f"the bot did not process {text!r}")


async def assert_each_report_answered_exactly_once(sandbox, runtime) -> None:
    """One 已受理 per resident, one 【新工单】 DM per ticket, every outbox row sent."""
    acked = acks_per_resident(sandbox, await reporters(runtime))
    assert acked == Counter({user_id: 1 for user_id, _ in RESIDENTS}), sandbox.summary("acks", GROUP)
    dms = [ticket_number(m) for worker in (WANG, LI) for m in sandbox.bot_messages(worker) if "【新工单" in text_of(m)]
    assert sorted(dms) == list(range(1, len(RESIDENTS) + 1)), f"assignment DMs by ticket: {sorted(dms)}"
    rows = await outbox_rows(runtime)
    assert [r.status for r in rows if r.status != "sent"] == []


async def assert_each_chat_got_them_in_queued_order(sandbox, runtime) -> None:
    rows = await outbox_rows(runtime)
    queued = [r.ticket_id for r in rows if r.chat_id == str(GROUP) and r.kind == "ack"]
    assert acknowledged(sandbox) == queued, f"group: acknowledged {acknowledged(sandbox)}, queued {queued}"
    for worker in (WANG, LI):
        queued = [r.ticket_id for r in rows if r.chat_id == str(worker) and r.kind == "assign"]
        delivered = [ticket_number(m) for m in sandbox.bot_messages(worker) if "【新工单" in text_of(m)]
        assert delivered == queued, f"DMs to {worker}: delivered {delivered}, queued in order {queued}"


async def test_reports_during_a_429_storm_are_each_acknowledged_and_assigned_exactly_once(bot):
    sandbox, runtime = bot
    # Telegram answers every send with 429 (retry after 1 s) until PTB's own 5 retries are used up
    # and the outbox has to retry; then the storm ends.
    sandbox.faults.add("sendMessage", 429, count=-1, retry_after=1)
    report_burst(sandbox)

    async def outbox_saw_rate_limit() -> bool:
        return any("rate limited" in r.last_error for r in await outbox_rows(runtime))

    await eventually(outbox_saw_rate_limit, 20, lambda: "no send gave up on 429 yet")
    sandbox.faults.clear()
    await all_delivered(sandbox, runtime)

    assert sandbox.stats["429"] >= 6
    assert any(r.attempts >= 2 for r in await outbox_rows(runtime)), "the outbox itself retried after the 429s"
    await assert_each_report_answered_exactly_once(sandbox, runtime)


async def test_reports_during_a_run_of_server_errors_are_each_acknowledged_and_assigned_exactly_once(bot):
    sandbox, runtime = bot
    sandbox.faults.add("sendMessage", 500, count=3)
    report_burst(sandbox)
    await all_delivered(sandbox, runtime)

    assert sandbox.stats["500"] == 3
    retried = [r for r in await outbox_rows(runtime) if r.attempts > 1]
    assert retried and all("Internal Server Error" in r.last_error for r in retried)
    await assert_each_report_answered_exactly_once(sandbox, runtime)


async def test_reports_through_a_slow_api_are_each_acknowledged_and_assigned_exactly_once_in_order(bot):
    sandbox, runtime = bot
    sandbox.faults.add("sendMessage", 200, count=6, delay=0.7)  # answers take 0.7 s, below PTB's timeout
    await one_after_another(sandbox, runtime, [(user_id, complaint(n)) for n, (user_id, _) in enumerate(RESIDENTS, 1)])
    await all_delivered(sandbox, runtime)

    assert all(r.attempts == 1 for r in await outbox_rows(runtime)), "a slow answer is not a failure"
    await assert_each_report_answered_exactly_once(sandbox, runtime)
    await assert_each_chat_got_them_in_queued_order(sandbox, runtime)
    assert acknowledged(sandbox) == [1, 2, 3, 4, 5], "acknowledged in the order residents wrote"


ASKING = RESIDENTS[:3]  # residents with a ticket who then ask about it


async def _tickets_opened_and_delivered(sandbox, runtime) -> None:
    report_burst(sandbox, ASKING)
    await eventually(lambda: len(set(acknowledged(sandbox))) == len(ASKING), 15, lambda: sandbox.summary("acks", GROUP))
    await all_delivered(sandbox, runtime)


async def _ask_progress_of_own_tickets(sandbox, runtime) -> tuple[list[int], list[int]]:
    """Each resident asks 进度 of their ticket; returns (ticket numbers in the order the group saw the
    answers, ticket numbers in the order the bot queued them)."""
    own = {user: ticket for ticket, user in (await reporters(runtime)).items()}
    await one_after_another(sandbox, runtime, [(user_id, f"进度 {own[user_id]}") for user_id, _ in ASKING])
    await eventually(
        lambda: len([m for m in sandbox.bot_messages(GROUP) if "最近进展" in text_of(m)]) == len(ASKING),
        20,
        lambda: sandbox.summary("progress answers", GROUP),
    )
    await all_delivered(sandbox, runtime)
    seen = [ticket_number(m) for m in sandbox.bot_messages(GROUP) if "最近进展" in text_of(m)]
    queued = [r.ticket_id for r in await outbox_rows(runtime, GROUP) if r.kind == "progress"]
    return seen, queued


async def test_answers_in_one_chat_keep_their_order_through_a_429_storm(bot):
    sandbox, runtime = bot
    await _tickets_opened_and_delivered(sandbox, runtime)
    # Six 429s: the first answer exhausts PTB's own 5 retries and goes back to the outbox.
    sandbox.faults.add("sendMessage", 429, count=6, retry_after=1)
    seen, queued = await _ask_progress_of_own_tickets(sandbox, runtime)
    assert len(seen) == len(set(seen)) == len(ASKING)
    assert seen == queued, f"the group saw the answers for {seen}; the bot queued them as {queued}"


async def test_answers_in_one_chat_keep_their_order_through_a_server_error(bot):
    sandbox, runtime = bot
    await _tickets_opened_and_delivered(sandbox, runtime)
    sandbox.faults.add("sendMessage", 500, count=1)
    seen, queued = await _ask_progress_of_own_tickets(sandbox, runtime)
    assert len(seen) == len(set(seen)) == len(ASKING)
    assert seen == queued, f"the group saw the answers for {seen}; the bot queued them as {queued}"


def _admin_reports(sandbox) -> list[str]:
    return [text_of(m) for m in sandbox.bot_messages(ADMIN) if "【发送失败】" in text_of(m)]


async def test_a_send_telegram_rejects_is_kept_failed_with_its_error_and_reported_to_the_admin(bot):
    sandbox, runtime = bot
    resident = RESIDENTS[0][0]
    sandbox.faults.add("sendMessage", 400, count=1, description="Bad Request: chat not found")
    sandbox.send_message(GROUP, resident, "进度 7")
    report = await sandbox.wait_for_text("【发送失败】", chat_id=ADMIN)
    await all_delivered(sandbox, runtime)

    [row] = await outbox_rows(runtime, GROUP)
    assert row.status == "failed" and row.attempts == 1, "a permanent error is not retried"
    assert "chat not found" in row.last_error.lower()
    assert sandbox.bot_messages(GROUP) == [], "the resident got nothing; the admin knows"
    assert str(GROUP) in report["text"] and "chat not found" in report["text"].lower() and "#7" in report["text"]
    assert len(_admin_reports(sandbox)) == 1

    # The chat is not stuck: the next answer goes out.
    sandbox.send_message(GROUP, resident, "进度 8")
    await sandbox.wait_for_text("#8", chat_id=GROUP)


async def test_a_send_that_keeps_failing_is_given_up_after_max_attempts_and_reported_to_the_admin(bot, monkeypatch):
    sandbox, runtime = bot
    monkeypatch.setattr(outbox_module, "MAX_ATTEMPTS", 2)
    resident = RESIDENTS[0][0]
    sandbox.faults.add("sendMessage", 500, count=2)
    sandbox.send_message(GROUP, resident, "进度 7")
    report = await sandbox.wait_for_text("【发送失败】", chat_id=ADMIN, timeout=15)
    await all_delivered(sandbox, runtime)

    [row] = await outbox_rows(runtime, GROUP)
    assert row.status == "failed" and row.attempts == 2
    assert "Internal Server Error" in row.last_error
    assert sandbox.bot_messages(GROUP) == []
    assert str(GROUP) in report["text"] and "Internal Server Error" in report["text"]
    assert len(_admin_reports(sandbox)) == 1


async def test_stopping_mid_backlog_leaves_no_send_running_after_the_bot_is_gone(config, sessions, clock):
    """A chat's lanes are chained (a new lane waits for the one before); stop() must stop every one, or an
    earlier lane goes on sending through a closed connection after the bot is gone."""

    class Stuck:
        platform, max_text = "telegram", 4096

        def __init__(self):
            self.started, self.release = 0, asyncio.Event()

        async def send(self, message):
            self.started += 1
            await self.release.wait()
            return str(self.started)

    async def run_db(fn, *args):
        return fn(*args)

    def queue(text: str) -> None:
        with sessions() as session, session.begin():
            session.add(
                OutboxMessage(
                    chat_id=str(GROUP),
                    text=text,
                    buttons=[],
                    mentions=[],
                    kind="reply",
                    due_at=clock(),
                    created_at=clock(),
                )
            )

    channel = Stuck()
    sender = outbox_module.OutboxSender(sessions, channel, config, run_db, clock)
    for n in range(3):
        queue(f"reply {n}")
    running = asyncio.create_task(sender.run(idle=0.05, min_interval=0))
    await eventually(lambda: channel.started == 1, 5, lambda: "first send not started")
    queue("one more")  # a second lane for the same chat, waiting for the first
    sender.poke()
    await eventually(lambda: len(sender.lanes) == 1 and not sender.lanes[str(GROUP)].done(), 5, lambda: "no lane")
    await asyncio.sleep(0.2)
    await sender.stop(drain_timeout=0.1)
    running.cancel()
    channel.release.set()
    await asyncio.sleep(0.3)
    assert channel.started == 1  # nothing more was sent once stopped
