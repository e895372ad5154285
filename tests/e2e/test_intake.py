"""Intake modes, privacy mode, direct messages, unsure reports, category corrections and the command menu."""

from __future__ import annotations

from sqlalchemy import select

from bot.models import Ticket
from bot.sandbox import Sandbox
from handlers.sandboxed import sandboxed_bot
from tests.conftest import example_config, running_clock

G1, G3 = -1001000000001, -1001000000003
AUNT = 501
ZHOU = 1005  # grid worker of dj-3


def has(text):
    return lambda m: text in (m.get("text") or "")


async def test_mention_mode_grid_reads_only_mentions_and_replies(bot):
    sb, runtime = bot
    sb.send_message(G3, AUNT, "12栋楼道堆满杂物 好几天了没人管")
    await sb.wait_until_consumed()
    await runtime.settle()
    assert sb.bot_messages(G3) == []
    sb.send_message(G3, AUNT, "@gridbot_sandbox_bot 12栋楼道堆满杂物 好几天了没人管")
    ack = await sb.wait_for(has("已受理 #1"), chat_id=G3)
    assert "环境卫生" in ack["text"]
    sb.send_message(G3, ZHOU, "认领", reply_to=ack["message_id"])
    await sb.wait_for(has("已由网格员 周磊 认领"), chat_id=G3)
    await runtime.settle()
    with runtime.sessions() as session:  # the address to the bot is not part of what was reported
        assert session.get(Ticket, 1).text == "12栋楼道堆满杂物 好几天了没人管"
    # What the bot's own prompts ask for, and an emergency, are heard without an @.
    sb.send_message(G3, ZHOU, "办结 1 已清理")
    await sb.wait_for(has("#1 已办结"), chat_id=G3)
    sb.send_message(G3, AUNT, "满意")
    await sb.wait_for(has("#1 已归档"), chat_id=G3)
    sb.send_message(G3, AUNT, "12栋三楼煤气味特别重 好像漏气了")
    await sb.wait_for(has("紧急情况"), chat_id=G3)


async def test_mention_mode_grid_hears_the_bot_addressed_by_name_and_its_prompts_say_so(bot):
    sb, runtime = bot
    # Typed as WeChat users do, by the bot's name: Telegram makes no mention entity of it.
    sb.send_message(G3, AUNT, "@网格助手 12栋门口的路灯坏了 晚上黑漆漆的")
    ack = await sb.wait_for(has("已受理 #1"), chat_id=G3)
    assert "网格助手" not in ack["text"]
    sb.send_message(G3, ZHOU, "@网格助手 认领 1")
    await sb.wait_for(has("已由网格员 周磊 认领"), chat_id=G3)
    sb.send_message(G3, ZHOU, "@网格助手 办结 1 已换新灯泡")
    done = await sb.wait_for(has("#1 已办结"), chat_id=G3)
    assert "请 @我，或直接回复这条消息" in done["text"]


async def test_privacy_mode_on_is_reported_plainly(config, classifier):
    async with Sandbox(can_read_all_group_messages=False) as sandbox:
        async with sandboxed_bot(config, classifier=classifier, sandbox=sandbox, clock=running_clock()) as (_, runtime):
            assert runtime.warnings
            assert "/setprivacy" in runtime.warnings[0] and "dj-1" in runtime.warnings[0]
            assert "dj-3" not in runtime.warnings[0]  # a mention-mode grid needs no change


async def test_the_command_menu_is_set(bot):
    sb, _ = bot
    commands = {c["command"] for c in sb.commands()}
    assert {"help", "mine", "status", "claim", "done"} <= commands


async def test_a_resident_writing_privately_is_asked_for_their_grid_once(bot):
    sb, runtime = bot
    sb.send_message(AUNT, AUNT, "楼道堆满杂物 好几天了没人管")  # no building named: which grid?
    await sb.wait_for(has("请问您住在哪个网格"), chat_id=AUNT)
    sb.send_message(AUNT, AUNT, "网格 dj-1")
    await sb.wait_for(has("已记下您属于东郊社区第一网格"), chat_id=AUNT)
    ack = await sb.wait_for(has("已受理 #1"), chat_id=AUNT)
    assert "王芳" in ack["text"]
    await sb.wait_for(has("【新工单 #1】"), chat_id=1001)
    sb.send_message(AUNT, AUNT, "5栋门口的路灯坏了一个多月了 晚上黑漆漆的")
    await sb.wait_for(has("已受理 #2"), chat_id=AUNT)
    assert len([m for m in sb.bot_messages(AUNT) if "哪个网格" in m["text"]]) == 1


async def test_unsure_reports_are_confirmed_before_a_ticket_opens(database_url, classifier):
    # Every report below full certainty is confirmed first (a message is never exactly 1.0 sure).
    config = example_config(database_url, replace=("confirm_below = 0.55", "confirm_below = 1.0"))
    residents = [(AUNT, "张阿姨"), (502, "李大爷")]
    async with sandboxed_bot(config, classifier=classifier, residents=residents, clock=running_clock()) as (
        sb,
        runtime,
    ):
        sb.send_message(G1, AUNT, "5栋门口的路灯好像不太亮")
        question = await sb.wait_for(has("需要登记为工单"), chat_id=G1)
        labels = [b["text"] for b in question["reply_markup"]["inline_keyboard"][0]]
        assert labels == ["立案", "不是"]
        with runtime.sessions() as session:
            assert session.execute(select(Ticket)).first() is None
        sb.press_button(
            G1, AUNT, question["message_id"], question["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        )
        await sb.wait_for(has("已受理 #1"), chat_id=G1)
        ack = await sb.wait_for(has("已受理 #1"), chat_id=G1)
        assert "路灯" in ack["text"]  # the reason is kept through the question
        sb.send_message(G1, 502, "8栋楼道堆满杂物 好几天了没人管")
        await sb.wait_for(lambda m: "需要登记为工单" in m["text"] and m["message_id"] > ack["message_id"], chat_id=G1)
        sb.send_message(G1, 502, "不是")
        await sb.wait_for(has("好的，不登记工单"), chat_id=G1)
        with runtime.sessions() as session:
            assert session.query(Ticket).count() == 1


async def test_the_resident_corrects_the_category(bot):
    sb, runtime = bot
    sb.send_message(G1, AUNT, "3栋楼道堆满杂物 好几天了没人管")
    await sb.wait_for(has("已受理 #1"), chat_id=G1)
    sb.send_message(G1, AUNT, "改类 1 安全隐患")
    await sb.wait_for(has("#1 的类别已改为「安全隐患」"), chat_id=G1)
    sb.send_message(G1, AUNT, "改类 1 天气")
    await sb.wait_for(has("没有“天气”这个类别"), chat_id=G1)
    with runtime.sessions() as session:
        assert session.get(Ticket, 1).category == "safety"


async def test_a_command_addressed_to_another_bot_is_left_to_it(bot):
    sb, runtime = bot
    sb.send_message(G1, AUNT, "/start@some_other_bot")
    sb.send_message(G1, AUNT, "/help@gridbot_sandbox_bot")
    await sb.wait_for(has("认领"), chat_id=G1)  # the help addressed to this bot is answered
    await runtime.settle()
    assert len(sb.bot_messages(G1)) == 1  # and only that one


async def test_open_tickets_of_a_grid_renamed_in_the_config_are_reported_at_start(chat, database_url, classifier):
    chat.say(AUNT, "3栋楼道堆满杂物 好几天了没人管")  # ticket #1 of dj-1, through the core on the same database
    renamed = example_config(database_url, replace=('"dj-1"', '"dj-1b"'))
    async with Sandbox() as sandbox:
        started = sandboxed_bot(renamed, classifier=classifier, sandbox=sandbox, clock=running_clock())
        async with started as (_, runtime):
            orphaned = [w for w in runtime.warnings if "grid dj-1," in w]
            assert len(orphaned) == 1 and orphaned[0].startswith("1 open ticket(s)"), runtime.warnings


async def test_open_tickets_of_a_worker_gone_from_the_config_are_reported_at_start(chat, database_url, classifier):
    chat.say(AUNT, "3栋楼道堆满杂物 好几天了没人管")
    chat.say(1001, "认领 1")  # 王芳 claims it, then leaves: her entry now names someone else
    left = example_config(database_url, replace=("telegram_id = 1001\n", "telegram_id = 1099\n"))
    async with Sandbox() as sandbox:
        started = sandboxed_bot(left, classifier=classifier, sandbox=sandbox, clock=running_clock())
        async with started as (_, runtime):
            stranded = [w for w in runtime.warnings if "no longer among the config's workers" in w]
            assert len(stranded) == 1 and "#1 " in stranded[0] and "王芳 (id 1001)" in stranded[0], runtime.warnings
            assert "reassign" in stranded[0]
