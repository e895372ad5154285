"""A restart in the middle of the talk-day broadcast: every group gets its agenda exactly once."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.sandbox import Sandbox
from handlers.sandboxed import sandboxed_bot
from tests.conftest import Clock

TUESDAY_9AM = dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC)
TALKING_GROUPS = {-1001000000001, -1001000000002, -1001000000003}  # dj-4 talks on Wednesday


def agendas(sb) -> dict[int, int]:
    found: dict[int, int] = {}
    for message in sb.bot_messages():
        if "说事日·议程" in message.get("text", ""):
            found[message["chat"]["id"]] = found.get(message["chat"]["id"], 0) + 1
    return found


async def test_restart_mid_broadcast_neither_repeats_nor_forgets(config, classifier, monkeypatch):
    # Retries wait a minute here, so the "crash" reliably comes before them however slow the machine is.
    monkeypatch.setattr("bot.outbox.backoff", lambda attempts, retry_after: 60.0)
    clock = Clock(TUESDAY_9AM - dt.timedelta(hours=2))
    async with Sandbox() as sb:
        async with sandboxed_bot(config, classifier=classifier, sandbox=sb, clock=clock) as (_, first):
            clock.now = TUESDAY_9AM
            sb.faults.add("sendMessage", 500, count=2)  # two of the three agendas fail and wait for a retry
            await first.scheduler.tick()
            await sb.wait_for(lambda m: "说事日·议程" in m.get("text", ""), timeout=10)
            while len(sb.errors) < 2:
                await asyncio.sleep(0.05)
            await first.stop(drain=False)  # "crash" before the retries
            assert sum(agendas(sb).values()) == 1
        clock.now = TUESDAY_9AM + dt.timedelta(minutes=5)  # past the retries' due time
        async with sandboxed_bot(config, classifier=classifier, sandbox=sb, clock=clock) as (_, second):
            await second.settle(timeout=20)
            assert agendas(sb) == {chat: 1 for chat in TALKING_GROUPS}


async def test_a_finish_sent_while_the_bot_was_down_is_taken_in_before_the_catch_up_chase(config, classifier):
    from bot.models import Ticket

    group, resident, wang = -1001000000001, 501, 1001
    clock = Clock(TUESDAY_9AM)
    async with Sandbox() as sb:
        async with sandboxed_bot(config, classifier=classifier, sandbox=sb, clock=clock) as (_, first):
            sb.send_message(group, resident, "3栋楼道堆满杂物 好几天了没人管")
            await sb.wait_for(lambda m: "已受理 #1" in m.get("text", ""), chat_id=group)
            sb.send_message(group, wang, "认领 1")
            await sb.wait_for(lambda m: "已由网格员 王芳 认领" in m.get("text", ""), chat_id=group)
            await first.settle()
            with first.sessions() as session:
                deadline = session.get(Ticket, 1).deadline_at
        # The bot is down; she finishes the work in time and says so.
        sb.send_message(group, wang, "办结 1 杂物已清理")
        clock.now = deadline + dt.timedelta(minutes=10)  # back up after the deadline
        seen = len(sb.bot_messages())
        async with sandboxed_bot(config, classifier=classifier, sandbox=sb, clock=clock) as (_, second):
            await sb.wait_for(lambda m: "#1 已办结" in m.get("text", ""), chat_id=group)
            await second.settle()
            after = [m.get("text", "") for m in sb.bot_messages()[seen:]]
            assert not any("办结时限" in t and "#1" in t and "请尽快" in t for t in after), after
            assert not any("督办" in t for t in after), after
            with second.sessions() as session:
                assert session.get(Ticket, 1).status == "resolved"
