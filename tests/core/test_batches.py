"""A burst is processed in batches (one transaction, a savepoint per message): nothing lost, nothing reordered."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from bot import texts
from bot.messages import Inbound, Result
from bot.models import InboxMessage, OutboxMessage, Resident, Ticket
from bot.outbox import OutboxSender
from handlers.runtime import Batcher
from tests.conftest import GROUP_1, GROUP_2

REPORTS = ["3栋楼道堆满杂物 好几天了没人管", "5栋门口的路灯坏了一个多月了", "2栋楼顶渗水 家里墙都泡了"]


def inbound(n: int, text: str, chat: str = GROUP_1) -> Inbound:
    return Inbound(
        platform="telegram",
        update_id=str(n),
        chat_id=chat,
        chat_type="group",
        message_id=str(100 + n),
        user_id=str(600 + n),
        user_name=f"居民{n}",
        text=text,
    )


def statuses(sessions) -> dict[str, str]:
    with sessions() as session:
        return {row.update_id: row.status for row in session.execute(select(InboxMessage)).scalars()}


def tickets(sessions) -> list[str]:
    with sessions() as session:
        return [t.text for t in session.execute(select(Ticket).order_by(Ticket.id)).scalars()]


def test_a_batch_opens_every_ticket_in_order_and_marks_each_message_done(core, sessions):
    burst = [inbound(n, text) for n, text in enumerate(REPORTS, start=1)]
    core.accept(burst)
    results = core.process_many(burst)
    assert all(result is not None for result in results)
    assert tickets(sessions) == REPORTS
    assert [o.text.startswith("已受理 #") for r in results for o in r.outbounds if o.chat_id == GROUP_1] == [True] * 3
    assert set(statuses(sessions).values()) == {"done"}
    assert core.process_many(burst) == [Result(), Result(), Result()]  # processed once only
    assert len(tickets(sessions)) == 3


def test_a_message_that_breaks_is_kept_as_failed_and_the_rest_of_the_batch_still_lands(core, sessions, monkeypatch):
    real = core.intake.handle

    def fragile(ctx, msg):
        if "路灯" in msg.text:
            ctx.session.add(Ticket(grid_id="dj-1"))  # a half-done write that must be rolled back with it
            raise RuntimeError("bug")
        return real(ctx, msg)

    monkeypatch.setattr(core.intake, "handle", fragile)
    burst = [inbound(n, text) for n, text in enumerate(REPORTS, start=1)]
    results = core.process_many(burst)
    assert tickets(sessions) == [REPORTS[0], REPORTS[2]]
    assert statuses(sessions) == {"1": "done", "2": "failed", "3": "done"}
    told = [o.text for o in results[1].outbounds if o.chat_id == GROUP_1]
    assert told == [texts.processing_failed()]


def test_the_outbox_gets_the_batchs_replies_in_message_order_and_none_of_a_broken_messages_own(
    core, sessions, monkeypatch
):
    real = core.intake.handle

    def says_then_breaks(ctx, msg):
        if "路灯" in msg.text:
            ctx.reply("half-done reply", kind="ack")  # written before the bug: must never be sent
            raise RuntimeError("bug")
        return real(ctx, msg)

    monkeypatch.setattr(core.intake, "handle", says_then_breaks)
    burst = [inbound(n, text) for n, text in enumerate(REPORTS, start=1)]
    core.process_many(burst)
    with sessions() as session:
        in_group = session.execute(
            select(OutboxMessage.text, OutboxMessage.reply_to_message_id)
            .where(OutboxMessage.chat_id == GROUP_1)
            .order_by(OutboxMessage.id)
        ).all()
    # In the order the messages came: the group reads the apology for the second between the two acks.
    assert [(text.startswith("已受理 #"), reply_to) for text, reply_to in in_group] == [
        (True, "101"),
        (False, "102"),
        (True, "103"),
    ]
    assert in_group[1].text == texts.processing_failed()


def test_a_transient_conflict_defers_that_chat_and_keeps_its_order(core, sessions, monkeypatch):
    real = core.intake.handle
    tick_holds_the_lock = [True]

    class Deadlock(Exception):
        sqlstate = "40P01"

    def deadlocked_while_the_tick_runs(ctx, msg):
        if msg.update_id == "1" and tick_holds_the_lock[0]:
            raise OperationalError("SELECT pg_advisory_xact_lock(...)", {}, Deadlock())
        return real(ctx, msg)

    monkeypatch.setattr(core.intake, "handle", deadlocked_while_the_tick_runs)
    burst = [inbound(1, REPORTS[0]), inbound(2, REPORTS[1], GROUP_2), inbound(3, REPORTS[2])]
    results = core.process_many(burst)
    # Group 1's second message must not overtake its first; group 2 goes ahead.
    assert results[0] is None and results[2] is None and results[1] is not None
    assert statuses(sessions) == {"1": "pending", "2": "done", "3": "pending"}
    tick_holds_the_lock[0] = False
    again = core.process_many([burst[0], burst[2]])
    assert all(result is not None for result in again)
    assert tickets(sessions) == [REPORTS[1], REPORTS[0], REPORTS[2]]


async def test_the_batcher_keeps_each_chat_in_order_and_resubmits_deferred_messages():
    calls: list[list[str]] = []
    deferred_once: set[str] = set()

    async def run_db(fn, *args):
        return fn(*args)

    def process_many(batch):
        calls.append([i.update_id for i in batch])
        results = []
        blocked: set[str] = set()
        for item in batch:
            if item.update_id == "2" and "2" not in deferred_once or item.chat_id in blocked:
                deferred_once.add("2")
                blocked.add(item.chat_id)
                results.append(None)
            else:
                results.append(Result(toast=item.update_id))
        return results

    batcher = Batcher(run_db, process_many)
    burst = [inbound(1, "a", GROUP_1), inbound(2, "b", GROUP_2), inbound(3, "c", GROUP_1), inbound(4, "d", GROUP_2)]
    results = await asyncio.gather(*(batcher.submit(item) for item in burst))
    assert [r.toast for r in results] == ["1", "2", "3", "4"]
    assert calls[0] == ["1", "2", "3", "4"]  # one batch for the burst
    assert calls[1] == ["2", "4"]  # group 2 again, still in its order


class Deadlock(Exception):
    sqlstate = "40P01"


def deadlock_when_writing_a_ticket(fired: list, times: int = 2):
    """PostgreSQL reports a deadlock where a message's writes are flushed, here its new ticket; the other
    transaction holds on for `times` attempts (the batch's straight run and its message-by-message re-run)."""

    def boom(session, flush_context, instances):
        if len(fired) < times and any(isinstance(o, Ticket) for o in session.new):
            fired.append(1)
            raise OperationalError("INSERT INTO tickets", {}, Deadlock("deadlock detected"))

    return boom


def test_a_conflict_while_a_message_is_written_defers_it_and_the_batcher_still_answers_everyone(core, sessions):
    burst = [inbound(n, text) for n, text in enumerate(REPORTS, start=1)]
    core.accept(burst)
    fired: list = []
    boom = deadlock_when_writing_a_ticket(fired)

    async def run_db(fn, *args):
        return fn(*args)

    async def submit_all():
        batcher = Batcher(run_db, core.process_many)
        return await asyncio.wait_for(asyncio.gather(*(batcher.submit(i) for i in burst)), timeout=10)

    event.listen(Session, "before_flush", boom)
    try:
        results = asyncio.run(submit_all())
    finally:
        event.remove(Session, "before_flush", boom)
    assert len(fired) == 2 and all(isinstance(r, Result) for r in results)
    assert tickets(sessions) == REPORTS and set(statuses(sessions).values()) == {"done"}


def test_a_resident_is_still_recorded_after_their_batch_was_rolled_back(core, sessions, monkeypatch):
    burst = [inbound(1, REPORTS[0]), inbound(2, REPORTS[1])]
    core.accept(burst)
    real = core.intake.handle
    calls: list[str] = []

    def fragile(ctx, msg):  # the second message breaks the whole batch once (e.g. the commit fails)
        calls.append(msg.update_id)
        if msg.update_id == "2" and calls.count("2") == 1:
            raise IntegrityError("INSERT", {}, Exception("constraint"))
        return real(ctx, msg)

    monkeypatch.setattr(core.intake, "handle", fragile)
    core.process_many(burst)
    monkeypatch.setattr(core.intake, "handle", real)
    with sessions() as session:
        assert "601" in [r.user_id for r in session.execute(select(Resident)).scalars()]
    dm = Inbound(
        platform="telegram",
        update_id="50",
        chat_id="601",
        chat_type="private",
        message_id="900",
        user_id="601",
        user_name="居民1",
        text="我家楼下的垃圾桶满了好几天了",
    )
    assert "ask_grid" not in [o.kind for o in core.handle(dm).outbounds]  # their grid is known


def test_a_chat_waiting_for_a_retry_does_not_hold_up_the_others(sessions, config, clock):
    now = clock()
    with sessions() as session, session.begin():
        session.add(
            OutboxMessage(chat_id="-100A", text="head, waiting for its retry", buttons=[], mentions=[], kind="ack",
                          attempts=1, due_at=now + dt.timedelta(seconds=60), created_at=now)
        )
        for n in range(3):
            session.add(OutboxMessage(chat_id="-100A", text=f"behind {n}", buttons=[], mentions=[], kind="ack",
                                      due_at=now, created_at=now))
        session.add(OutboxMessage(chat_id="-100B", text="another chat, due", buttons=[], mentions=[], kind="reply",
                                  due_at=now, created_at=now))

    async def run_db(fn, *args):
        return fn(*args)

    sender = OutboxSender(sessions, None, config, run_db, clock, batch=3)
    assert [chat for _, chat in sender._due()] == ["-100B"]


def test_a_retry_that_fails_again_does_not_apologise_again(core, sessions, monkeypatch):
    def broken(ctx, msg):
        raise RuntimeError("still broken")

    monkeypatch.setattr(core.intake, "handle", broken)
    core.handle(inbound(1, REPORTS[0]))
    with sessions() as session:
        inbox_id = session.execute(select(InboxMessage.id)).scalar_one()
    assert core.retry(inbox_id) == "failed" and core.retry(inbox_id) == "failed"
    with sessions() as session:
        sorry = session.execute(select(OutboxMessage).where(OutboxMessage.kind == "failure")).scalars().all()
        to_admins = session.execute(select(OutboxMessage).where(OutboxMessage.kind == "failure_admin")).scalars()
        assert len(sorry) == 1 and len(list(to_admins)) == 1
