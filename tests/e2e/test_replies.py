"""Answering the bot's prompts by replying to them (引用): no ticket number needed, same permissions."""

from __future__ import annotations

from sqlalchemy import select

from bot.models import Ticket, TicketEvent

G1 = -1001000000001
AUNT, UNCLE = 501, 502
WANG, LI, ZHAO, LEADER = 1001, 1002, 1003, 2001


def has(text):
    return lambda m: text in (m.get("text") or "")


async def opened(sb, text="3栋楼道堆满杂物 好几天了没人管", user=AUNT):
    sb.send_message(G1, user, text)
    ack = await sb.wait_for(has("已受理"), chat_id=G1)
    dm = await sb.wait_for(has("【新工单"), chat_id=WANG if "杂物" in text else LI)
    return ack, dm


def events(runtime, number=1) -> list[str]:
    with runtime.sessions() as session:
        return [
            e.action
            for e in session.execute(
                select(TicketEvent).where(TicketEvent.ticket_id == number).order_by(TicketEvent.id)
            ).scalars()
        ]


async def test_worker_claims_and_resolves_by_replying_in_the_group_and_dm(bot):
    sb, runtime = bot
    ack, dm = await opened(sb)
    sb.send_message(G1, WANG, "认领", reply_to=ack["message_id"])
    await sb.wait_for(has("已由网格员 王芳 认领"), chat_id=G1)
    sb.send_message(WANG, WANG, "办结 已清理完毕", reply_to=dm["message_id"])
    prompt = await sb.wait_for(has("#1 已办结：已清理完毕"), chat_id=G1)
    sb.send_message(G1, AUNT, "满意", reply_to=prompt["message_id"])
    await sb.wait_for(has("#1 已归档"), chat_id=G1)
    assert events(runtime) == ["open", "claim", "resolve", "rate"]


async def test_transfer_and_extend_by_reply(bot):
    sb, runtime = bot
    _, dm = await opened(sb)
    sb.send_message(WANG, WANG, "转交 城管执法中队 占道堆放", reply_to=dm["message_id"])
    await sb.wait_for(has("#1 已转交 城管执法中队 办理（占道堆放）"), chat_id=G1)
    leader_view = sb.send_message(LEADER, LEADER, "进度 1")
    del leader_view
    progress = await sb.wait_for(has("已转交"), chat_id=LEADER)
    sb.send_message(LEADER, LEADER, "延期 3 等城管排期", reply_to=progress["message_id"])
    await sb.wait_for(has("办结时限已延长 3 天"), chat_id=G1)
    assert events(runtime)[-2:] == ["transfer", "extend"]


async def test_free_text_reply_to_a_dm_asks_whether_it_is_the_resolution(bot):
    sb, runtime = bot
    _, dm = await opened(sb)
    sb.press_button(WANG, WANG, dm["message_id"], "claim:1")
    await sb.wait_for(has("已由网格员 王芳 认领"), chat_id=G1)
    sb.send_message(WANG, WANG, "已经联系物业 明天上午来清", reply_to=dm["message_id"])
    question = await sb.wait_for(has("办结说明，还是只是备注"), chat_id=WANG)
    sb.press_button(
        WANG, WANG, question["message_id"], question["reply_markup"]["inline_keyboard"][0][1]["callback_data"]
    )
    await sb.wait_for(has("已将备注记入 #1"), chat_id=WANG)
    sb.send_message(WANG, WANG, "物业已经清走了", reply_to=dm["message_id"])
    await sb.wait_for(
        lambda m: "办结说明，还是只是备注" in m.get("text", "") and m["message_id"] > question["message_id"],
        chat_id=WANG,
    )
    sb.send_message(WANG, WANG, "办结")
    await sb.wait_for(has("#1 已办结：物业已经清走了"), chat_id=G1)
    sb.send_message(AUNT, AUNT, "进度 1")
    progress = await sb.wait_for(has("#1"), chat_id=AUNT)
    assert "已办结待评价" in progress["text"]
    assert events(runtime) == ["open", "claim", "note", "resolve"]


async def test_bad_rating_by_reply_passes_the_reason_to_worker_and_leader(bot):
    sb, runtime = bot
    ack, dm = await opened(sb)
    sb.send_message(G1, WANG, "认领", reply_to=ack["message_id"])
    sb.send_message(G1, WANG, "办结 1 已清理")
    prompt = await sb.wait_for(has("#1 已办结"), chat_id=G1)
    sb.send_message(G1, AUNT, "不满意 还是没修好", reply_to=prompt["message_id"])
    await sb.wait_for(has("#1 已重新打开"), chat_id=G1)
    await sb.wait_for(has("还是没修好"), chat_id=WANG)
    await sb.wait_for(has("还是没修好"), chat_id=LEADER)
    with runtime.sessions() as session:
        assert session.get(Ticket, 1).status == "reopened"


async def test_replies_keep_the_permissions_of_the_commands(bot):
    sb, runtime = bot
    ack, _ = await opened(sb)
    sb.send_message(G1, UNCLE, "认领", reply_to=ack["message_id"])
    await sb.wait_for(has("需要本网格的网格员"), chat_id=G1)
    sb.send_message(G1, ZHAO, "认领", reply_to=ack["message_id"])
    await sb.wait_for(has("不在您负责的网格内"), chat_id=G1)
    sb.send_message(G1, WANG, "认领", reply_to=ack["message_id"])
    await sb.wait_for(has("已由网格员 王芳 认领"), chat_id=G1)
    sb.send_message(G1, WANG, "办结 1 已清理")
    prompt = await sb.wait_for(has("#1 已办结"), chat_id=G1)
    sb.send_message(G1, UNCLE, "满意", reply_to=prompt["message_id"])
    await sb.wait_for(has("只有反映人本人才能评价 #1"), chat_id=G1)
    with runtime.sessions() as session:
        assert session.get(Ticket, 1).status == "resolved"


def captioned(text):
    return lambda m: text in (m.get("caption") or "")


async def test_resident_adds_a_photo_by_replying_to_the_acknowledgement(bot):
    sb, runtime = bot
    ack, _ = await opened(sb)
    sent = sb.send_message(G1, AUNT, photo=True, caption="你们看 就是这样", reply_to=ack["message_id"])
    await sb.wait_for(has("已补充到 #1"), chat_id=G1)
    passed_on = await sb.wait_for(captioned("#1 居民补充"), chat_id=WANG)  # the worker sees the photo itself
    assert passed_on["photo"][-1]["file_id"] == sent["photo"][-1]["file_id"]
    with runtime.sessions() as session:
        assert session.query(Ticket).count() == 1


async def test_a_report_made_with_a_photo_reaches_the_worker_with_the_photo(bot):
    sb, _ = bot
    sent = sb.send_message(G1, AUNT, photo=True, caption="3栋楼道堆满杂物 好几天了没人管")
    await sb.wait_for(has("已受理 #1"), chat_id=G1)
    dm = await sb.wait_for(captioned("【新工单 #1】"), chat_id=WANG)
    assert dm["photo"][-1]["file_id"] == sent["photo"][-1]["file_id"]
    assert dm["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "claim:1"  # still claimed in one tap


async def test_reply_about_a_closed_ticket_says_how_to_reopen(bot):
    sb, runtime = bot
    ack, _ = await opened(sb)
    sb.send_message(G1, WANG, "认领 1")
    sb.send_message(G1, WANG, "办结 1 已清理")
    prompt = await sb.wait_for(has("#1 已办结"), chat_id=G1)
    sb.press_button(G1, AUNT, prompt["message_id"], "rate:1:good")
    await sb.wait_for(has("#1 已归档"), chat_id=G1)
    sb.send_message(G1, WANG, "认领", reply_to=ack["message_id"])
    closed = await sb.wait_for(has("#1 已经归档"), chat_id=G1)
    assert "不满意" in closed["text"] and "重新反映" in closed["text"]
