"""The 三单 loop in a sandbox group, through the real python-telegram-bot HTTP stack."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.models import Ticket
from handlers.sandboxed import sandboxed_bot
from tests.conftest import running_clock
from tests.e2e.conftest import RESIDENTS

G1, G2 = -1001000000001, -1001000000002
AUNT, UNCLE, CHEN = 501, 502, 503
WANG, LI, ZHAO, LEADER, SECRETARY = 1001, 1002, 1003, 2001, 3001


def has(text):
    return lambda m: text in (m.get("text") or "")


class MovableClock:
    """Real time from the quiet Thursday, which the test can move on by months."""

    def __init__(self):
        self.real, self.later = running_clock(), dt.timedelta()

    def __call__(self) -> dt.datetime:
        return self.real() + self.later


async def toast(sb, query_id: str) -> str | None:
    for _ in range(500):
        for answer in sb.callback_answers:
            if answer.get("callback_query_id") == query_id:
                return answer.get("text")
        await asyncio.sleep(0.02)
    raise AssertionError(f"button press {query_id} was never answered")


async def report(sb, text="3栋楼道堆满杂物 好几天了没人管", user=AUNT, chat=G1):
    msg = sb.send_message(chat, user, text)
    ack = await sb.wait_for(has("已受理"), chat_id=chat)
    return msg, ack


async def test_report_claim_by_button_resolve_and_rate_by_button(bot):
    sb, _ = bot
    msg, ack = await report(sb)
    assert ack["reply_to_message"]["message_id"] == msg["message_id"]
    assert "#1" in ack["text"] and "环境卫生" in ack["text"]
    mention = [e for e in ack.get("entities", []) if e["type"] == "text_mention"]
    assert mention and mention[0]["user"]["id"] == WANG
    dm = await sb.wait_for(has("【新工单 #1】"), chat_id=WANG)
    sb.press_button(WANG, WANG, dm["message_id"], "claim:1")
    await sb.wait_for(has("已由网格员 王芳 认领"), chat_id=G1)
    await sb.wait_until_consumed()
    assert any(a.get("text") == "已认领 #1" for a in sb.callback_answers)
    sb.send_message(WANG, WANG, "办结 1 已清理完毕")
    prompt = await sb.wait_for(has("已办结"), chat_id=G1)
    buttons = [b["text"] for b in prompt["reply_markup"]["inline_keyboard"][0]]
    assert buttons == ["满意", "基本满意", "不满意"]
    sb.press_button(G1, AUNT, prompt["message_id"], "rate:1:good")
    await sb.wait_for(has("#1 已归档"), chat_id=G1)


async def test_text_commands_claim_and_progress(bot):
    sb, _ = bot
    await report(sb)
    sb.send_message(G1, WANG, "认领 1")
    await sb.wait_for(has("已由网格员 王芳 认领"), chat_id=G1)
    sb.send_message(G1, AUNT, "进度 1")
    progress = await sb.wait_for(has("办理中"), chat_id=G1)
    assert "王芳" in progress["text"]
    sb.send_message(G1, WANG, "/mine")
    mine = await sb.wait_for(has("您名下的工单"), chat_id=G1)
    assert "#1" in mine["text"]


async def test_refusals_reach_the_person(bot):
    sb, _ = bot
    await report(sb)
    sb.send_message(G1, AUNT, "认领 1")
    await sb.wait_for(has("需要本网格的网格员"), chat_id=G1)
    sb.send_message(ZHAO, ZHAO, "认领 1")
    await sb.wait_for(has("不在您负责的网格内"), chat_id=ZHAO)
    sb.send_message(G1, WANG, "认领 42")
    await sb.wait_for(has("没有找到工单 #42"), chat_id=G1)
    dm = await sb.wait_for(has("【新工单 #1】"), chat_id=WANG)
    # A resident cannot use a worker's button either: the toast says why, nothing changes.
    sb.press_button(WANG, WANG, dm["message_id"], "claim:1")
    await sb.wait_for(has("已由网格员 王芳 认领"), chat_id=G1)
    sb.send_message(G1, LI, "办结 1 已处理")
    await sb.wait_for(has("由 王芳 负责"), chat_id=G1)
    sb.send_message(G1, WANG, "办结 1 已处理")
    await sb.wait_for(has("已办结"), chat_id=G1)
    sb.send_message(G1, UNCLE, "评价 1 满意")
    await sb.wait_for(has("只有反映人本人才能评价"), chat_id=G1)


async def test_unknown_group_hears_once_and_is_ignored(bot):
    sb, _ = bot
    sb.add_chat(-100777, "陌生群")
    sb.send_message(-100777, AUNT, "楼道堆满杂物 没人管")
    sb.send_message(-100777, AUNT, "路灯坏了 谁来修")
    await sb.wait_for(has("还没有登记"), chat_id=-100777)
    await sb.wait_until_consumed()
    assert len(sb.bot_messages(-100777)) == 1


async def test_an_old_rating_button_months_after_archiving_reopens_nothing(config, classifier):
    clock = MovableClock()
    async with sandboxed_bot(config, classifier=classifier, residents=RESIDENTS, clock=clock) as (sb, runtime):
        await report(sb)
        sb.send_message(G1, WANG, "认领 1")
        sb.send_message(G1, WANG, "办结 1 已清理")
        prompt = await sb.wait_for(has("已办结"), chat_id=G1)
        assert await toast(sb, sb.press_button(G1, AUNT, prompt["message_id"], "rate:1:good")) == "感谢评价"
        await sb.wait_for(has("#1 已归档"), chat_id=G1)
        for days in (60, 400):
            clock.later = dt.timedelta(days=days)
            answer = await toast(sb, sb.press_button(G1, AUNT, prompt["message_id"], "rate:1:bad"))
            assert "评价已经截止" in answer and "重新说一下" in answer
            await runtime.settle()
            with runtime.sessions() as session:
                ticket = session.get(Ticket, 1)
                assert (ticket.status, ticket.rating) == ("closed", "good")
        seen = [m.get("text") or "" for chat in (G1, LEADER, WANG) for m in sb.bot_messages(chat)]
        assert not any("重新打开" in text or "【督办】" in text for text in seen)
