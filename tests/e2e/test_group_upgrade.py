"""A grid's group upgraded to a supergroup (its chat id changes): the bot follows it, across a restart."""

from __future__ import annotations

from bot.models import Ticket
from bot.sandbox import Sandbox
from handlers.sandboxed import sandboxed_bot
from tests.conftest import example_config, running_clock
from tests.e2e.conftest import RESIDENTS

G1, UPGRADED = -1001000000001, -1002000000001
AUNT, UNCLE, CHEN = 501, 502, 503
WANG, LEADER, ADMIN = 1001, 2001, 9001


def has(text):
    return lambda m: text in (m.get("text") or "")


async def test_an_upgraded_group_is_served_under_its_new_id_and_the_admins_hear_it_once(config, classifier):
    async with Sandbox() as sb:
        async with sandboxed_bot(
            config, classifier=classifier, residents=RESIDENTS, sandbox=sb, clock=running_clock()
        ) as (_, runtime):
            sb.send_message(G1, AUNT, "3栋楼道堆满杂物 好几天了没人管")
            await sb.wait_for(has("已受理 #1"), chat_id=G1)
            sb.migrate_chat(G1, UPGRADED, ADMIN)  # past 200 members: Telegram gives the group a new id
            told = await sb.wait_for(has("【群已升级】"), chat_id=ADMIN)
            assert str(UPGRADED) in told["text"] and "chat_id" in told["text"]
            await sb.wait_for(has("【群已升级】"), chat_id=LEADER)
            sb.send_message(UPGRADED, UNCLE, "5栋门口的路灯坏了 晚上黑漆漆的")
            await sb.wait_for(has("已受理 #2"), chat_id=UPGRADED)
            sb.send_message(UPGRADED, WANG, "认领 1")  # a ticket from before the upgrade
            await sb.wait_for(has("#1 已由网格员 王芳 认领"), chat_id=UPGRADED)
            sb.send_message(UPGRADED, ADMIN, "/help")
            await sb.wait_for(has("【网格助手使用说明】"), chat_id=UPGRADED)
            await sb.wait_until_consumed()
            assert await runtime.settle()
            assert not any("还没有登记" in (m.get("text") or "") for m in sb.bot_messages(UPGRADED))
            for person in (ADMIN, LEADER):  # told once, though Telegram says it in both chats
                assert len([m for m in sb.bot_messages(person) if "【群已升级】" in m.get("text", "")]) == 1
        # A restart with the config still naming the old id: the move was kept in the database.
        again = example_config(config.database.url)
        async with sandboxed_bot(again, classifier=classifier, sandbox=sb, clock=running_clock()) as (_, second):
            assert any(str(UPGRADED) in warning and "dj-1" in warning for warning in second.warnings)
            sb.send_message(UPGRADED, CHEN, "2栋门口的井盖丢了 晚上很危险")
            await sb.wait_for(has("已受理 #3"), chat_id=UPGRADED)
            await second.settle()
            with second.sessions() as session:
                assert session.get(Ticket, 3).grid_id == "dj-1"
