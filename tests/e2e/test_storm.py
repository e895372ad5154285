"""A storm in one group: 200 residents report the same power cut within a minute, under Telegram's limits."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.models import Supporter, Ticket
from handlers.sandboxed import sandboxed_bot
from tests.conftest import running_clock

G1 = -1001000000001
WANG = 1001
REPORTS = [
    "又停电了 什么时候来电啊",
    "我家也停电了 冰箱里东西都要坏了",
    "停电了 电梯也停了 老人下不了楼",
    "整个小区都停电了吗",
    "停电一个小时了 麻烦问问供电所",
]


async def test_a_storm_folds_into_one_ticket_and_the_group_hears_summaries(config, classifier):
    residents = [(600000 + i, f"居民{i}") for i in range(200)]
    async with sandboxed_bot(
        config, classifier=classifier, residents=residents, limits=True, clock=running_clock()
    ) as (
        sb,
        runtime,
    ):
        for i, (user, _) in enumerate(residents):
            sb.send_message(G1, user, REPORTS[i % len(REPORTS)])
        await sb.wait_until_consumed(timeout=60)
        assert await runtime.settle(timeout=90)
        with runtime.sessions() as session:
            tickets = session.execute(select(func.count()).select_from(Ticket)).scalar_one()
            supporters = session.execute(select(func.count()).select_from(Supporter)).scalar_one()
        group = sb.bot_messages(G1)
        to_worker = sb.bot_messages(WANG) + sb.bot_messages(1002)
        stats = sb.stats
    assert tickets <= 3, "reports of the same power cut must fold into one ticket (a few may open before folding)"
    assert tickets + supporters >= 190  # the residents the classifier reads as reporting it are all counted
    assert len(group) <= 30, f"the group got {len(group)} messages for one power cut"
    assert any("已记为附议" in m["text"] and "位居民" in m["text"] for m in group)
    assert len(to_worker) <= 30, f"the worker got {len(to_worker)} DMs"
    assert stats["rate_limited"] == 0
