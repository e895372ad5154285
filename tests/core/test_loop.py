"""The closed loop through the core, as residents and workers see it: replies, DMs, refusals, the ledger."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.models import OutboxMessage, Supporter, Ticket, TicketEvent, Topic
from tests.conftest import GROUP_1, GROUP_2

RESIDENT, NEIGHBOUR = 501, 502
WANG, LI, ZHAO, LEADER, SECRETARY = 1001, 1002, 1003, 2001, 3001


def texts_to(result, chat) -> list[str]:
    return [o.text for o in result.outbounds if o.chat_id == str(chat)]


def ticket(sessions, number=1) -> Ticket:
    with sessions() as session:
        found = session.get(Ticket, number)
        assert found is not None
        session.expunge(found)
        return found


def test_report_opens_a_ticket_acknowledged_in_the_group_and_sent_to_the_worker(chat, sessions):
    result = chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    group = texts_to(result, GROUP_1)
    assert len(group) == 1
    assert "已受理 #1" in group[0] and "环境卫生" in group[0] and "杂物" in group[0]
    assert "@王芳" in group[0]
    ack = next(o for o in result.outbounds if o.chat_id == GROUP_1)
    assert ack.reply_to_message_id is not None and ack.mentions[0].user_id == str(WANG)
    dm = next(o for o in result.outbounds if o.chat_id == str(WANG))
    assert "3栋楼道堆满杂物" in dm.text and [b.label for b in dm.buttons[0]] == ["认领", "转交"]
    saved = ticket(sessions)
    assert (saved.status, saved.category, saved.grid_id, saved.place) == ("new", "sanitation", "dj-1", "3栋")


def test_routing_spreads_open_work_over_the_grid_workers(chat, sessions):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    chat.say(NEIGHBOUR, "5栋门口的路灯坏了 晚上黑漆漆的")
    assert ticket(sessions, 1).suggested_id == str(WANG)
    assert ticket(sessions, 2).suggested_id == str(LI)


def test_chatter_makes_nothing(chat, sessions):
    for text in ["收到", "谢谢王姐", "【通知】明天上午停水", "早上好[玫瑰]", "👍"]:
        assert chat.say(RESIDENT, text).outbounds == []
    with sessions() as session:
        assert session.execute(select(Ticket)).first() is None


def test_claim_resolve_and_rating_close_the_loop(chat, sessions):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    claimed = chat.say(WANG, "认领 1")
    assert any("#1 已由网格员 王芳 认领" in t for t in texts_to(claimed, GROUP_1))
    resolved = chat.say(WANG, "办结 1 已清理完毕", chat=str(WANG))
    prompt = next(o for o in resolved.outbounds if o.chat_id == GROUP_1)
    assert "已清理完毕" in prompt.text and "@居民501" in prompt.text
    assert [b.label for b in prompt.buttons[0]] == ["满意", "基本满意", "不满意"]
    rated = chat.press(RESIDENT, "rate:1:good")
    assert "已归档" in texts_to(rated, GROUP_1)[0]
    saved = ticket(sessions)
    assert (saved.status, saved.rating, saved.assignee_name) == ("closed", "good", "王芳")
    with sessions() as session:
        actions = [e.action for e in session.execute(select(TicketEvent).order_by(TicketEvent.id)).scalars()]
    assert actions == ["open", "claim", "resolve", "rate"]


def test_bad_rating_reopens_and_escalates_to_the_leader(chat, sessions):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    chat.say(WANG, "认领 1")
    chat.say(WANG, "办结 1 已清理")
    result = chat.say(RESIDENT, "不满意 还是没清干净")
    assert "已重新打开" in texts_to(result, GROUP_1)[0]
    assert any("还是没清干净" in t for t in texts_to(result, LEADER))
    assert any("还是没清干净" in t for t in texts_to(result, WANG))
    saved = ticket(sessions)
    assert (saved.status, saved.rating, saved.escalation_level) == ("reopened", "bad", 1)
    assert saved.resolved_at is None  # the ledger shows no 办结时间 for work that is not done


def test_refusals_are_specific(chat):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    assert "需要本网格的网格员" in texts_to(chat.say(RESIDENT, "认领 1"), GROUP_1)[0]
    assert "不在您负责的网格内" in texts_to(chat.say(ZHAO, "认领 1", chat=str(ZHAO)), ZHAO)[0]
    assert "没有找到工单 #99" in texts_to(chat.say(WANG, "认领 99"), GROUP_1)[0]
    chat.say(WANG, "认领 1")
    assert "已由 王芳 认领" in texts_to(chat.say(LI, "认领 1"), GROUP_1)[0]
    assert "王芳 负责" in texts_to(chat.say(LI, "办结 1 好了"), GROUP_1)[0]
    chat.say(WANG, "办结 1 已清理")
    assert "只有反映人本人" in texts_to(chat.say(NEIGHBOUR, "评价 1 满意"), GROUP_1)[0]
    assert "网格长或社区书记" in texts_to(chat.say(WANG, "延期 1 3 等配件"), GROUP_1)[0]


def test_the_worker_hears_when_a_resident_cancels_and_a_huge_number_is_simply_not_found(chat):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    chat.say(WANG, "认领 1")
    cancelled = chat.say(RESIDENT, "撤销 1")
    assert texts_to(cancelled, WANG) == ["#1 已由 居民501 撤销，无需继续办理。"]
    missing = texts_to(chat.say(RESIDENT, "进度 99999999999999999999999"), GROUP_1)[0]
    assert missing.startswith("没有找到工单 #99999999999999999999999")


def test_an_edit_of_a_reported_message_reaches_the_worker_and_opens_nothing_new(chat, sessions):
    chat.say(RESIDENT, "楼道堆满杂物 好几天了没人管")  # message 1001
    edited = chat.say(RESIDENT, "12栋楼道堆满杂物 好几天了没人管", edited_id="1001")
    assert texts_to(edited, WANG) == ["#1 居民修改了反映内容：12栋楼道堆满杂物 好几天了没人管"]
    with sessions() as session:
        assert session.query(Ticket).count() == 1


def test_chatter_edited_into_a_report_is_heard_as_one_once(chat, sessions):
    chat.say(RESIDENT, "今天天气不错")  # message 1001: chatter, nothing done
    edited = chat.say(RESIDENT, "今天天气不错 但是2栋楼道的垃圾三天没人清了 臭死了", edited_id="1001")
    ack = next(o for o in edited.outbounds if o.chat_id == GROUP_1)
    assert ack.text.startswith("已受理 #1") and ack.reply_to_message_id == "1001"
    assert any("【新工单 #1】" in text for text in texts_to(edited, WANG))
    again = chat.say(RESIDENT, "今天天气不错 但是2栋楼道的垃圾三天没人清了 太臭了", edited_id="1001")
    assert texts_to(again, GROUP_1) == []  # corrects #1 (its worker hears), opens no second ticket
    chat.say(NEIGHBOUR, "2栋楼道的垃圾好几天没人清了")  # message 1004: a 附议 of #1
    assert chat.say(NEIGHBOUR, "2栋楼道的垃圾好几天没人清了 太臭了", edited_id="1004").outbounds == []
    chat.say(503, "天气真好")  # message 1006; edited into a report the bot is less sure of: asked, as if new
    unsure = chat.say(503, "今天天气不错 但是4栋楼道的垃圾三天没人清了", edited_id="1006")
    assert [o.reply_to_message_id for o in unsure.outbounds if o.buttons] == ["1006"]
    with sessions() as session:
        assert session.query(Ticket).count() == 1 and len(session.get(Ticket, 1).supporters) == 1


def test_reassigning_offers_the_people_who_handle_matters_not_the_admin(chat):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    refused = texts_to(chat.say(LEADER, "改派 1 管理员小何"), GROUP_1)[0]
    assert "管理员小何" not in refused.split("可选：")[1] and "李娜" in refused
    assert "#1 已改派给网格员 李娜" in texts_to(chat.say(LEADER, "改派 1 李娜"), GROUP_1)[0]


def test_a_report_placed_by_the_model_alone_shows_no_junk_reason_and_is_not_merged_on_its_pieces(chat, sessions):
    first = texts_to(chat.say(RESIDENT, "门口那个东西能不能弄一下"), GROUP_1)[0]
    assert first.startswith("已受理 #1") and "识别依据" not in first  # not "门口、那个、弄一"
    second = texts_to(chat.say(NEIGHBOUR, "那个东西谁能弄一下"), GROUP_1)[0]
    assert second.startswith("已受理 #2")  # two vague reports are not one matter because both say 那个
    with sessions() as session:
        assert session.query(Ticket).count() == 2


def test_the_owner_hears_when_a_leader_finishes_their_ticket(chat):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    chat.say(WANG, "认领 1")
    done = chat.say(LEADER, "办结 1 已安排保洁清运")
    assert texts_to(done, WANG) == ["#1 已由 陈建国 办结：已安排保洁清运。无需继续办理。"]


def test_a_neighbours_photo_under_a_ticket_they_joined_reaches_the_worker(chat):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")  # message 1001
    chat.say(NEIGHBOUR, "3栋楼道也太乱了 杂物堆得下不去脚")  # 附议
    photo = chat.say(NEIGHBOUR, "我家门口也是", reply_to="1001", photo=True)
    to_worker = [o for o in photo.outbounds if o.chat_id == str(WANG)]
    assert len(to_worker) == 1 and to_worker[0].photo_id == "photo-1"


def test_service_question_is_answered_at_once_without_a_ticket(chat, sessions):
    result = chat.say(RESIDENT, "请问高龄补贴咋申请 要带什么材料")
    answer = texts_to(result, GROUP_1)[0]
    assert "高龄补贴申领" in answer and "身份证" in answer and "民政窗口" in answer
    with sessions() as session:
        assert session.execute(select(Ticket)).first() is None
    helped = chat.say(RESIDENT, "需要帮助")
    assert "已受理 #1" in texts_to(helped, GROUP_1)[0]


def test_where_to_go_is_a_service_question_but_a_stuck_application_is_a_ticket(chat, sessions):
    answer = texts_to(chat.say(RESIDENT, "身份证到期了要去哪换"), GROUP_1)[0]
    assert "身份证" in answer and "已受理" not in answer
    stuck = texts_to(chat.say(NEIGHBOUR, "低保申请三个月了还没批下来 怎么回事"), GROUP_1)[0]
    assert stuck.startswith("已受理 #1") and "社保民政" in stuck


def test_urgent_report_alerts_leader_and_secretary_with_the_emergency_number(chat):
    result = chat.say(RESIDENT, "2栋三楼煤气味很重 好像漏气了")
    group = texts_to(result, GROUP_1)[0]
    assert "119" in group and "紧急" in group
    assert any("【紧急】#1" in t for t in texts_to(result, LEADER))
    assert any("【紧急】#1" in t for t in texts_to(result, SECRETARY))
    to_worker = [o for o in result.outbounds if o.chat_id in (str(WANG), str(LI))]
    assert len(to_worker) == 1 and to_worker[0].text.startswith("【紧急】#1")  # not a plain 【新工单】
    assert to_worker[0].buttons  # still claimed in one tap


def test_the_first_advice_fits_the_emergency_and_the_number_is_given_once(chat):
    cases = [
        ("2栋三楼煤气味很重 好像漏气了", "关闭燃气总阀", "湿毛巾"),
        ("5栋楼道着火了 好大的烟 🔥🔥", "湿毛巾", "燃气"),
        ("3栋电梯卡在6楼 里面有小孩在哭", "不要强行扒门", "燃气"),
    ]
    for n, (report, advice, not_this) in enumerate(cases, start=1):
        reply = next(o for o in chat.say(600 + n, report).outbounds if o.chat_id == GROUP_1)
        assert reply.kind == "urgent_ack"  # carries the advice: never folded into a summary of acks
        assert advice in reply.text and not_this not in reply.text, reply.text
        assert reply.text.count(f"#{n}") == 1, reply.text


def test_second_resident_on_the_same_matter_is_folded_in_as_support(chat, sessions):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    result = chat.say(NEIGHBOUR, "3栋楼道的杂物堆了好几天了 麻烦处理一下")
    assert "附议" in texts_to(result, GROUP_1)[0]
    with sessions() as session:
        assert session.query(Ticket).count() == 1
    chat.say(WANG, "认领 1")
    resolved = chat.say(WANG, "办结 1 已清理")
    prompt = next(o for o in resolved.outbounds if o.chat_id == GROUP_1)
    assert {m.user_id for m in prompt.mentions} == {str(RESIDENT), str(NEIGHBOUR)}


def test_another_fault_in_the_same_building_opens_its_own_ticket(chat, sessions):
    chat.say(RESIDENT, "3栋电梯坏了 困了好几次了")
    lamp = texts_to(chat.say(NEIGHBOUR, "3栋门口的路灯坏了 晚上看不见"), GROUP_1)
    assert lamp[0].startswith("已受理 #2") and "附议" not in lamp[0]
    same_lamp = texts_to(chat.say(503, "3栋楼下的路灯不亮了"), GROUP_1)
    assert "#2" in same_lamp[0] and "附议" in same_lamp[0]  # the same lamp, in other words
    assert "附议" in texts_to(chat.say(504, "3栋电梯又坏了 门都关不上"), GROUP_1)[0]
    with sessions() as session:
        assert [(t.id, len(t.supporters)) for t in session.query(Ticket).order_by(Ticket.id)] == [(1, 1), (2, 1)]


def test_another_fault_with_no_building_named_is_not_folded_into_a_power_cut(chat, sessions):
    chat.say(RESIDENT, "又停电了 什么时候来电啊")
    assert "附议" in texts_to(chat.say(NEIGHBOUR, "停电了 电梯也停了 老人下不了楼"), GROUP_1)[0]
    lamp = texts_to(chat.say(503, "小区的路灯坏了 晚上看不见"), GROUP_1)
    lift = texts_to(chat.say(504, "电梯坏了 困了好几次了"), GROUP_1)
    assert lamp[0].startswith("已受理 #2") and lift[0].startswith("已受理 #3")


def test_follow_up_photo_joins_the_recent_ticket(chat, sessions, clock):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    clock.advance(minutes=2)
    result = chat.say(RESIDENT, "", photo=True)
    assert "已补充到 #1" in texts_to(result, GROUP_1)[0]
    with sessions() as session:
        assert session.query(Ticket).count() == 1


def test_unknown_group_gets_one_notice(chat):
    first = chat.say(RESIDENT, "楼道堆满杂物", chat="-100999")
    second = chat.say(RESIDENT, "路灯坏了", chat="-100999")
    assert "还没有登记" in texts_to(first, "-100999")[0]
    assert second.outbounds == []


def test_group_posts_mask_personal_numbers_but_the_worker_sees_them(chat):
    result = chat.say(RESIDENT, "3栋楼道堆满杂物 没人管 我电话13812345678")
    assert "138****5678" in texts_to(result, GROUP_1)[0] or "13812345678" not in texts_to(result, GROUP_1)[0]
    assert "13812345678" not in "".join(texts_to(result, GROUP_1))
    assert any("13812345678" in t for t in texts_to(result, WANG))


def test_one_message_never_makes_two_tickets(core, chat, sessions):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    with sessions() as session:
        inbox_payload = session.execute(select(OutboxMessage)).scalars().first()
        assert inbox_payload is not None
    from bot.messages import Inbound

    again = Inbound(
        platform="telegram",
        update_id="1",
        chat_id=GROUP_1,
        chat_type="group",
        message_id="1001",
        user_id=str(RESIDENT),
        user_name="居民501",
        text="3栋楼道堆满杂物 好几天了没人管",
    )
    assert core.handle(again).outbounds == []
    with sessions() as session:
        assert session.query(Ticket).count() == 1


def test_other_grid_is_routed_to_its_own_worker(chat, sessions):
    chat.say(RESIDENT, "7栋门口路灯坏了一个月了", chat=GROUP_2)
    assert ticket(sessions).grid_id == "dj-2"
    assert ticket(sessions).suggested_id in (str(ZHAO), "1004")


def test_a_processing_bug_keeps_the_message_and_says_so(chat, core, sessions, monkeypatch):
    from bot.models import InboxMessage

    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(core.intake, "_speech", broken)
    result = chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    assert "您的消息已保存" in texts_to(result, GROUP_1)[0]
    assert any("处理失败" in t for t in texts_to(result, 9001))
    with sessions() as session:
        row = session.execute(select(InboxMessage)).scalar_one()
        assert row.status == "failed" and "simulated bug" in row.error
        assert row.payload["text"] == "3栋楼道堆满杂物 好几天了没人管"


def test_a_reply_to_a_bot_message_not_yet_marked_sent_finds_the_ticket_by_its_quoted_text(chat, core, sessions):
    from bot.messages import Inbound

    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    quick = Inbound(
        platform="telegram",
        update_id="quick-1",
        chat_id=GROUP_1,
        chat_type="group",
        message_id="5000",
        user_id=str(WANG),
        user_name="王芳",
        text="认领",
        reply_to_message_id="4999",
        reply_to_bot=True,
        reply_to_text="已受理 #1（居民501）｜环境卫生",
    )
    result = core.handle(quick)
    assert any("#1 已由网格员 王芳 认领" in t for t in texts_to(result, GROUP_1))


def test_an_emergency_written_as_a_reply_is_an_emergency_not_a_supporter(chat, sessions):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")  # message 1001, ticket #1
    fire = chat.say(NEIGHBOUR, "5栋着火了 快来人啊", reply_to="1001")
    group = texts_to(fire, GROUP_1)
    assert "附议" not in " ".join(group) and any("119" in text for text in group)
    assert any("【紧急】" in o.text for o in fire.outbounds if o.chat_id == str(LEADER))
    assert ticket(sessions, 2).urgent


def test_an_emergency_under_a_cancelled_tickets_message_is_not_told_it_is_archived(chat, sessions):
    chat.say(RESIDENT, "1栋门口路灯坏了")  # message 1001
    chat.say(RESIDENT, "撤销 1")
    fire = chat.say(NEIGHBOUR, "1栋着火了 冒好大的烟", reply_to="1001")
    group = " ".join(texts_to(fire, GROUP_1))
    assert "归档" not in group and "119" in group and ticket(sessions, 2).urgent


def test_a_reply_about_another_matter_opens_its_own_ticket_and_a_me_too_joins(chat, sessions):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")  # message 1001
    lift = chat.say(NEIGHBOUR, "我们5栋的电梯也坏了三天了", reply_to="1001")
    assert texts_to(lift, GROUP_1)[0].startswith("已受理 #2") and ticket(sessions, 2).place == "5栋"
    me_too = chat.say(503, "我家也是", reply_to="1001")
    assert "附议" in texts_to(me_too, GROUP_1)[0]
    more = chat.say(RESIDENT, "在2单元门口", reply_to="1001")  # the reporter's detail stays with her ticket
    assert not any(text.startswith("已受理") for text in texts_to(more, GROUP_1))
    with sessions() as session:
        assert session.query(Ticket).count() == 2


def test_a_topic_and_a_help_request_in_a_private_chat_go_to_the_residents_grid(chat, sessions):
    chat.say(RESIDENT, "谢谢大家")  # in the group: her grid is known
    topic = chat.say(RESIDENT, "议题 小区广场舞音响太大声，能不能定个时间", chat=str(RESIDENT))
    assert texts_to(topic, RESIDENT) == [
        "已收录为说事日议题1：小区广场舞音响太大声，能不能定个时间。说事日会一起商议。"
    ]
    chat.say(RESIDENT, "请问高龄补贴咋申请 要带什么材料", chat=str(RESIDENT))
    helped = chat.say(RESIDENT, "需要帮助", chat=str(RESIDENT))
    assert texts_to(helped, RESIDENT)[0].startswith("已受理 #1")
    with sessions() as session:
        assert session.query(Ticket).count() == 1


def test_a_command_written_before_the_grid_was_known_runs_once_it_is(chat):
    asked = chat.say(RESIDENT, "议题 建议小区多装几个路灯", chat=str(RESIDENT))
    assert [o.kind for o in asked.outbounds] == ["ask_grid"]
    answered = chat.say(RESIDENT, "网格 dj-1", chat=str(RESIDENT))
    assert any(text.startswith("已收录为说事日议题1：建议小区多装几个路灯") for text in texts_to(answered, RESIDENT))


def test_a_worker_claims_however_the_number_is_typed_and_several_at_once(chat, sessions):
    for n in range(1, 8):
        chat.say(500 + n, f"{n}栋楼道堆满杂物 好几天了没人管")
    for typed in ["认领：1", "认领 2号", "认领 ＃ 3", "认领第4单"]:
        assert texts_to(chat.say(WANG, typed), GROUP_1), typed
    several = chat.say(WANG, "认领5、6 7")
    assert sum("已由网格员 王芳 认领" in text for text in texts_to(several, GROUP_1)) == 3
    with sessions() as session:
        claimed = {t.id for t in session.execute(select(Ticket).where(Ticket.assignee_id == str(WANG))).scalars()}
    assert claimed == {1, 2, 3, 4, 5, 6, 7}


def test_claiming_several_tells_why_one_of_them_could_not_be(chat):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    answer = texts_to(chat.say(WANG, "认领 1 99"), GROUP_1)
    assert answer == ["#1 已由网格员 王芳 认领，正在处理。", "没有找到工单 #99，请核对编号后再试。"]


def test_a_reply_under_a_cancelled_ticket_is_not_told_to_reopen_it(chat):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")  # message 1001
    chat.say(RESIDENT, "撤销 1")
    again = texts_to(chat.say(RESIDENT, "又堆上了", reply_to="1001"), GROUP_1)
    assert again == ["#1 已撤销。如果问题还在，请直接在群里把情况（地点、问题）重新说一下，我们会重新受理。"]
    renewed = texts_to(chat.say(RESIDENT, "3栋楼道又堆满杂物了 还是没人管", reply_to="1001"), GROUP_1)
    assert renewed[0].startswith("已受理 #2")


def test_reassigning_to_the_owner_or_to_oneself_reads_right(chat, sessions):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    chat.say(WANG, "认领 1")
    same = chat.say(LEADER, "改派 1 王芳", chat=str(LEADER))
    assert texts_to(same, LEADER) == ["#1 目前就由 王芳 负责，无需改派。"] and not texts_to(same, WANG)
    mine = chat.say(LEADER, "改派 1 陈建国", chat=str(LEADER))
    assert texts_to(mine, WANG) == ["#1 已由 陈建国 接手办理，您无需继续办理。"]
    assert not any("已改派给您" in text for text in texts_to(mine, LEADER))  # no DM to himself
    with sessions() as session:
        assert session.get(Ticket, 1).assignee_name == "陈建国"


def test_my_tickets_says_how_many_it_leaves_out(chat):
    for n in range(1, 51):  # routed in turn to 王芳 and 李娜: 25 each
        chat.say(500 + n, f"{n}栋楼道堆满杂物 好几天了没人管")
    mine = texts_to(chat.say(WANG, "我的工单"), GROUP_1)[0]
    assert mine.count("\n#") == 20 and "另有 5 件未列出" in mine


def test_the_worker_hears_when_the_leader_reassigns_extends_or_archives_her_ticket(chat):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    chat.say(NEIGHBOUR, "2栋门口路灯坏了 晚上黑乎乎的")
    chat.say(WANG, "认领 1")
    chat.say(WANG, "认领 2")
    moved = chat.say(LEADER, "改派 1 李娜", chat=str(LEADER))
    assert texts_to(moved, WANG) == ["#1 已由 陈建国 改派给 李娜，您无需继续办理。"]
    longer = chat.say(LEADER, "延期 2 3 等配件", chat=str(LEADER))
    assert len(texts_to(longer, WANG)) == 1 and "延长 3 天" in texts_to(longer, WANG)[0]
    archived = chat.say(LEADER, "归档 2", chat=str(LEADER))
    assert texts_to(archived, WANG) == ["#2 已由 陈建国 归档，无需继续办理。"]
    own = chat.say(LI, "延期 1 2 等车", chat=str(LI))  # her own ticket now: no DM to herself
    assert len(texts_to(own, LI)) == 1


def test_a_private_report_goes_to_the_grid_that_lists_the_building_it_names(chat, sessions):
    chat.say(RESIDENT, "谢谢大家", chat=GROUP_1)
    chat.say(RESIDENT, "7栋门口有人乱停车", chat=GROUP_2)  # last seen in dj-2
    chat.say(RESIDENT, "3栋的电梯坏了 两天了", chat=str(RESIDENT))  # 3栋 is dj-1's
    chat.say(RESIDENT, "楼下垃圾桶满了 好几天没人收", chat=str(RESIDENT))  # no building: her last group's grid
    with sessions() as session:
        grids = [t.grid_id for t in session.execute(select(Ticket).order_by(Ticket.id)).scalars()]
    assert grids == ["dj-2", "dj-1", "dj-2"]


def test_a_worker_of_several_grids_is_asked_once_or_not_at_all(chat, config):
    several = next(w for w in config.workers if len(w.grids) > 1)
    first = chat.say(several.user_id, "门口垃圾堆了好几天", chat=several.user_id)
    assert [o.kind for o in first.outbounds] == ["ask_grid"]
    chat.say(several.user_id, f"网格 {sorted(several.grids)[0]}", chat=several.user_id)
    again = chat.say(several.user_id, "路边垃圾桶满了 好几天没人收", chat=several.user_id)
    assert "ask_grid" not in [o.kind for o in again.outbounds]


def test_a_new_category_brings_its_own_deadline_and_the_resident_hears_it(chat, sessions):
    chat.say(RESIDENT, "3栋楼道里电动车充电 物业也不管")  # 安全隐患: 4 hours
    chat.say(WANG, "认领 1")
    before = ticket(sessions).deadline_at
    moved = chat.say(WANG, "改类 1 物业管理", chat=str(WANG))
    after = ticket(sessions)
    assert after.category == "property" and after.deadline_at - before == dt.timedelta(hours=44)
    group = texts_to(moved, GROUP_1)
    assert len(group) == 1 and "「物业管理」" in group[0] and "办结时限按新类别调整为" in group[0]


def test_an_urgent_acknowledgement_names_who_was_alerted_to_call_back(chat):
    result = chat.say(RESIDENT, "有小偷正在撬2栋302的门")
    group = texts_to(result, GROUP_1)[0]  # 治安 is the grid leader's: he is the one alerted to call
    assert "网格长陈建国马上联系您" in group and "网格员马上联系您" not in group
    fire = texts_to(chat.say(NEIGHBOUR, "1栋楼道里冒烟了 有焦糊味"), GROUP_1)[0]
    assert "网格员王芳马上联系您" in fire


def test_a_workers_own_emergency_report_promises_no_call_back_from_herself(chat, sessions):
    own = texts_to(chat.say(WANG, "3栋楼道里冒烟了 有焦糊味 我在现场"), GROUP_1)[0]
    assert ticket(sessions).assignee_id == str(WANG)  # hers from the start
    assert "紧急情况" in own and "马上联系您" not in own and "网格长陈建国" in own


def test_a_grid_number_that_does_not_exist_is_named(chat):
    chat.say(RESIDENT, "我家楼下路灯坏了", chat=str(RESIDENT))
    wrong = texts_to(chat.say(RESIDENT, "网格 dj-9", chat=str(RESIDENT)), RESIDENT)
    assert len(wrong) == 1 and wrong[0].startswith("没有编号为“dj-9”的网格")


def test_a_worker_asking_after_another_grids_ticket_is_told_it_is_another_grids(chat):
    chat.say(NEIGHBOUR, "7栋楼下有人乱停车 挡路了", chat=GROUP_2)
    answer = texts_to(chat.say(WANG, "进度 1", chat=str(WANG)), WANG)
    assert len(answer) == 1 and "不在您负责的网格内" in answer[0]


def test_a_workers_photo_of_the_finished_work_reaches_the_residents_and_the_ledger(chat, sessions):
    chat.say(RESIDENT, "2栋门口路灯坏了 晚上黑乎乎的")  # ticket #1
    chat.say(NEIGHBOUR, "3栋楼道堆满杂物 好几天了没人管")  # ticket #2
    chat.say(WANG, "认领 1")
    chat.say(WANG, "认领 2")
    done = chat.say(WANG, "办结 1 路灯已换新", chat=str(WANG), photo=True)
    prompt = [o for o in done.outbounds if o.chat_id == GROUP_1]
    assert len(prompt) == 1 and prompt[0].photo_id == "photo-1" and "路灯已换新" in prompt[0].text
    # A photo alone under her DM about #2: 办结 or 备注? Answered 办结, the photo goes with it.
    with sessions() as session:
        dm_id = session.execute(select(OutboxMessage.id).where(OutboxMessage.chat_id == str(WANG))).scalar()
        session.execute(
            OutboxMessage.__table__.update().where(OutboxMessage.id == dm_id).values(platform_message_id="77",
                                                                                   ticket_id=2)
        )
        session.commit()
    asked = chat.say(WANG, "", chat=str(WANG), photo=True, reply_to="77")
    question = next(o for o in asked.outbounds if o.kind == "ask_note")
    answered = chat.press(WANG, question.buttons[0][0].data, chat=str(WANG))
    assert any(o.photo_id == "photo-1" for o in answered.outbounds if o.chat_id == GROUP_1)
    with sessions() as session:
        attached = session.execute(
            select(TicketEvent.ticket_id).where(TicketEvent.action == "resolve", TicketEvent.attachment == "photo-1")
        ).scalars().all()
    assert sorted(attached) == [1, 2]


def test_an_edited_report_corrects_its_ticket_and_the_neighbours_reports_follow(chat, sessions):
    chat.say(RESIDENT, "2栋门口路灯坏了 晚上黑乎乎的")  # message 1001
    chat.say(RESIDENT, "5栋门口路灯坏了 晚上黑乎乎的（刚才写错了，不是2栋）", edited_id="1001")
    assert (ticket(sessions).place, ticket(sessions).text.startswith("5栋")) == ("5栋", True)
    same = texts_to(chat.say(NEIGHBOUR, "5栋门口的路灯坏了"), GROUP_1)[0]
    other = texts_to(chat.say(503, "2栋门口的路灯也坏了"), GROUP_1)[0]
    assert "附议" in same and other.startswith("已受理 #2")


def test_typing_the_answer_after_pressing_the_button_adds_nothing_to_the_ticket(chat, sessions):
    asked = chat.say(RESIDENT, "楼下那个老是响")  # unsure: the bot asks whether to file it
    question = next(o for o in asked.outbounds if o.buttons)
    chat.press(RESIDENT, question.buttons[0][0].data)
    typed = chat.say(RESIDENT, "立案")
    assert typed.outbounds == []
    with sessions() as session:
        assert session.execute(select(TicketEvent).where(TicketEvent.action == "followup")).first() is None


def test_a_deadline_in_another_year_says_which_year(chat):
    chat.say(RESIDENT, "2栋门口路灯坏了 晚上黑乎乎的")
    chat.say(LEADER, "认领 1", chat=str(LEADER))
    longer = texts_to(chat.say(LEADER, "延期 1 365 等年度预算", chat=str(LEADER)), LEADER)[0]
    assert "新的时限为 2027年11月" in longer
    assert "2026年" not in texts_to(chat.say(NEIGHBOUR, "3栋楼道堆满杂物 好几天了没人管"), GROUP_1)[0]


def test_a_stricter_category_whose_limit_has_passed_counts_from_now_and_the_worker_hears(chat, sessions, clock):
    chat.say(RESIDENT, "2栋门口路灯坏了 晚上黑乎乎的")  # 设施维修: 72 hours
    chat.say(WANG, "认领 1")
    clock.advance(hours=30)
    moved = chat.say(LEADER, "改类 1 安全隐患", chat=str(LEADER))  # 4 hours: from now, not from the report
    assert ticket(sessions).deadline_at.replace(tzinfo=dt.UTC) == clock.now + dt.timedelta(hours=4)
    assert len(texts_to(moved, WANG)) == 1 and "「安全隐患」" in texts_to(moved, WANG)[0]
    same = texts_to(chat.say(LEADER, "改类 1 安全隐患", chat=str(LEADER)), LEADER)
    assert same == ["#1 已经是「安全隐患」类别，无需更改。"]


def test_replies_that_speak_of_the_same_matter_stay_with_the_ticket(chat, sessions):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")  # message 1001
    for n, reply in enumerate(["我也反映过 没人管", "我们5栋也是这样", "+1"], start=1):
        answer = texts_to(chat.say(600 + n, reply, reply_to="1001"), GROUP_1)
        assert answer and "附议" in answer[0], (reply, answer)
    fixed = chat.say(RESIDENT, "不好意思写错了，是5栋不是3栋", reply_to="1001")  # the reporter's own correction
    assert not any(text.startswith("已受理") for text in texts_to(fixed, GROUP_1))
    chat.say(WANG, "改类 1 物业管理", chat=str(WANG))  # a supervisor's 改类 keeps the ticket's first words
    same = texts_to(chat.say(610, "3栋楼道的杂物堆满了 快来清理", reply_to="1001"), GROUP_1)
    assert "附议" in same[0]
    with sessions() as session:
        assert session.query(Ticket).count() == 1


def test_a_grid_named_by_a_building_two_estates_share_is_asked_once(chat, database_url, classifier, clock):
    from bot.core import Core
    from bot.db import session_factory
    from tests.conftest import Chat, example_config

    shared = example_config(database_url, replace=('buildings = ["6栋",', 'buildings = ["3栋", "6栋",'))
    from bot.db import create_db_engine, migrate

    engine = create_db_engine(shared.database.url)
    migrate(engine)
    other = Chat(Core(shared, session_factory(engine), classifier, clock))
    first = other.say(RESIDENT, "3栋的电梯坏了 两天了", chat=str(RESIDENT))
    assert [o.kind for o in first.outbounds] == ["ask_grid"]
    answered = other.say(RESIDENT, "网格 dj-3", chat=str(RESIDENT))  # her own grid, not one of the two
    assert "ask_grid" not in [o.kind for o in answered.outbounds]
    assert any(text.startswith("已受理 #1") for text in texts_to(answered, RESIDENT))


def test_what_a_neighbour_says_under_a_ticket_reaches_the_worker(chat):
    chat.say(RESIDENT, "3栋楼道里冒烟了 有焦糊味")  # urgent ticket #1, message 1001
    more = chat.say(NEIGHBOUR, "是5单元 4楼那家 人还在里面 快点来啊", reply_to="1001")
    assert not any(o.kind == "urgent_ack" for o in more.outbounds)  # the same emergency, not a second one
    to_worker = [o.text for o in more.outbounds if o.kind == "support" and o.chat_id != GROUP_1]
    assert len(to_worker) == 1 and "是5单元 4楼那家" in to_worker[0]


def test_a_request_about_another_building_under_a_ticket_is_that_buildings_own(chat, sessions):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")  # message 1001
    neighbour = texts_to(chat.say(NEIGHBOUR, "5栋楼道也堆满杂物了", reply_to="1001"), GROUP_1)
    assert neighbour[0].startswith("已受理 #2") and ticket(sessions, 2).place == "5栋"
    own = texts_to(chat.say(RESIDENT, "还有4栋门口的垃圾也没人清", reply_to="1001"), GROUP_1)
    assert own[0].startswith("已受理 #3") and ticket(sessions, 3).place == "4栋"


def test_a_reply_under_a_post_about_several_tickets_is_about_none_of_them(chat, sessions):
    from bot.messages import Inbound

    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    agenda = Inbound(
        platform="telegram", update_id="agenda-reply", chat_id=GROUP_1, chat_type="group", message_id="7001",
        user_id="503", user_name="居民503", text="同意", reply_to_message_id="6000", reply_to_bot=True,
        reply_to_text="【周二说事日】\n一、待办事项：\n  #1 环境卫生｜待认领\n  #2 设施维修｜办理中",
    )
    assert chat.core.handle(agenda).outbounds == []
    with sessions() as session:
        assert session.query(Supporter).count() == 0


def test_a_report_edited_into_an_emergency_is_handled_as_one(chat, sessions):
    chat.say(RESIDENT, "2栋楼道有杂物 好几天了")  # message 1001
    chat.say(WANG, "认领 1")
    edited = chat.say(RESIDENT, "2栋楼道着火了 冒烟了 快来人", edited_id="1001")
    group = texts_to(edited, GROUP_1)
    assert len(group) == 1 and "119" in group[0]
    alerted = {o.chat_id for o in edited.outbounds if o.kind == "urgent"}
    assert {str(WANG), str(LEADER), str(SECRETARY)} <= alerted
    assert ticket(sessions).urgent and ticket(sessions).category == "safety"
    chat.say(NEIGHBOUR, "大家早上好")  # message 1004, chatter
    fire = chat.say(NEIGHBOUR, "5栋楼下电动车着火了 快打119", edited_id="1004")
    assert any(o.kind == "urgent_ack" for o in fire.outbounds)


def test_a_worker_finishes_several_tickets_in_one_message(chat, sessions):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    chat.say(NEIGHBOUR, "4栋楼道堆满杂物 好几天了没人管")
    chat.say(503, "5栋门口路灯坏了 晚上黑乎乎的")
    for n in (1, 2, 3):
        chat.say(WANG, f"认领 {n}")
    chat.say(WANG, "办结 1、2 都清理好了", chat=str(WANG))
    chat.say(WANG, "办结 3 2楼灯已换", chat=str(WANG))  # "2楼" is where, not a ticket
    with sessions() as session:
        done = {t.id: t.resolution for t in session.execute(select(Ticket)).scalars()}
    assert done == {1: "都清理好了", 2: "都清理好了", 3: "2楼灯已换"}


def test_a_fault_at_another_unit_of_the_same_building_opens_its_own_ticket(chat, sessions):
    chat.say(RESIDENT, "3栋2单元电梯坏了")
    other_unit = texts_to(chat.say(NEIGHBOUR, "3栋1单元电梯坏了"), GROUP_1)
    assert other_unit[0].startswith("已受理 #2") and "附议" not in other_unit[0]  # each 单元 has its own lift
    same_unit = texts_to(chat.say(503, "3号楼2单元的电梯坏了 门都关不上"), GROUP_1)
    assert "#1" in same_unit[0] and "附议" in same_unit[0]  # 号楼 and 栋 name one building
    assert "附议" in texts_to(chat.say(504, "3栋电梯又坏了"), GROUP_1)[0]  # the building alone: vague, joins
    with sessions() as session:
        assert session.query(Ticket).count() == 2


def test_a_fault_at_another_gate_opens_its_own_ticket(chat, sessions):
    chat.say(505, "小区东门路灯不亮")
    west = texts_to(chat.say(506, "小区西门路灯不亮"), GROUP_1)
    assert west[0].startswith("已受理 #2") and "附议" not in west[0]
    east = texts_to(chat.say(507, "东门的路灯不亮了"), GROUP_1)
    assert "#1" in east[0] and "附议" in east[0]
    with sessions() as session:
        assert session.query(Ticket).count() == 2


def test_a_report_naming_no_building_joins_the_same_matter_reported_at_one(chat, sessions, clock):
    chat.say(RESIDENT, "3栋停电了 冰箱里的东西都要坏了")
    again = texts_to(chat.say(NEIGHBOUR, "又停电了 什么时候来电啊"), GROUP_1)
    assert "#1" in again[0] and "附议" in again[0]  # one power cut, one ticket
    chat.say(503, "路灯坏了 晚上看不见")  # vague first: it may have been any building's lamp
    named = texts_to(chat.say(504, "5栋门口的路灯坏了"), GROUP_1)
    assert named[0].startswith("已受理 #3") and "附议" not in named[0]
    clock.advance(hours=7)  # past the storm window, a vague report is not taken for the old one
    later = texts_to(chat.say(505, "又停电了 这个月第三次了"), GROUP_1)
    assert later[0].startswith("已受理 #4") and "附议" not in later[0]
    with sessions() as session:
        assert session.query(Ticket).count() == 4


def test_me_too_during_a_power_cut_supports_it_even_from_one_who_just_reported_clutter(chat, sessions):
    chat.say(RESIDENT, "3栋停电了 冰箱里的东西都要坏了")
    chat.say(503, "3栋楼道堆满杂物 好几天了没人管")  # 503's own report, a minute before
    for who in (NEIGHBOUR, 503):
        answer = texts_to(chat.say(who, "我家也停电了"), GROUP_1)
        assert answer and "#1" in answer[0] and "附议" in answer[0], answer  # not 已补充到 #2 (the clutter)
    with sessions() as session:
        assert session.query(Ticket).count() == 2


def test_two_words_for_one_fault_are_one_matter(chat, sessions):
    chat.say(RESIDENT, "5栋顶楼渗水 好几天了")
    leak = texts_to(chat.say(NEIGHBOUR, "5栋顶楼漏水了 麻烦看看"), GROUP_1)
    assert "#1" in leak[0] and "附议" in leak[0]
    chat.say(503, "3栋停电了 冰箱里的东西都要坏了")
    power = texts_to(chat.say(504, "3栋断电了 啥时候来电"), GROUP_1)
    assert "#2" in power[0] and "附议" in power[0]
    with sessions() as session:
        assert session.query(Ticket).count() == 2


@pytest.mark.parametrize(
    ("text", "guide"),
    [
        ("高龄补贴", "高龄补贴申领"),  # the name alone
        ("暂住证", "居住证办理"),
        ("孩子的身份证丢了 要补办", "身份证补办换领"),  # a need to apply, not a question
        ("身份证过期了在哪换", "身份证补办换领"),
        ("我妈70岁了坐公交免费吗", "老年出行卡办理"),
        ("高齡補貼怎麼申請", "高龄补贴申领"),  # traditional characters
        ("高齡補貼", "高龄补贴申领"),  # the name alone, in traditional characters
    ],
)
def test_a_service_named_or_needed_gets_the_guide_at_once(chat, sessions, text, guide):
    answer = texts_to(chat.say(RESIDENT, text), GROUP_1)
    assert answer and answer[0].startswith(f"【一次性告知】{guide}"), answer
    with sessions() as session:
        assert session.query(Ticket).count() == 0


def test_a_payment_that_did_not_come_is_a_ticket_not_the_how_to(chat):
    answer = texts_to(chat.say(RESIDENT, "我的高龄补贴这个月怎么没到账"), GROUP_1)
    assert answer[0].startswith("已受理 #1")


def test_each_residents_own_papers_are_their_own_ticket_not_a_support(chat, sessions):
    chat.say(RESIDENT, "我家低保的钱这个月没发")
    other = texts_to(chat.say(NEIGHBOUR, "我家低保这个月也没发 咋回事"), GROUP_1)
    assert other[0].startswith("已受理 #2") and "附议" not in other[0]
    with sessions() as session:
        assert session.query(Ticket).count() == 2


def test_a_repair_in_a_low_income_home_is_a_ticket_not_the_guide(chat):
    answer = texts_to(chat.say(RESIDENT, "5栋低保户刘奶奶家水管漏了 社区想想办法 要换管子"), GROUP_1)
    assert answer[0].startswith("已受理 #1")


def test_commands_in_traditional_characters_work(chat, sessions):
    chat.say(RESIDENT, "5栋门口的路灯坏了 晚上黑漆漆的")
    assert "已由网格员 王芳 认领" in texts_to(chat.say(WANG, "認領 1"), GROUP_1)[0]
    assert "#1 已办结" in texts_to(chat.say(WANG, "辦結 1 路燈已修好"), GROUP_1)[0]
    with sessions() as session:
        assert session.get(Ticket, 1).status == "resolved"


def test_a_question_of_its_own_just_after_another_is_not_folded_into_it(chat, sessions):
    first = texts_to(chat.say(RESIDENT, "我妈今年82了 高龄补贴这个月怎么没到账"), GROUP_1)
    assert first[0].startswith("已受理 #1")
    answer = texts_to(chat.say(RESIDENT, "社保认证在哪里做"), GROUP_1)
    assert answer and not answer[0].startswith("已补充到 #1"), answer


def test_withdrawing_twice_says_it_is_withdrawn_already(chat):
    chat.say(RESIDENT, "5栋门口的路灯坏了 晚上黑漆漆的")
    chat.say(RESIDENT, "撤销 1")
    again = texts_to(chat.say(RESIDENT, "撤销 1"), GROUP_1)[0]
    assert again.startswith("#1 已撤销。") and "不能" not in again, again


def test_asking_after_ones_own_reports_lists_them_instead_of_filing_a_ticket(chat, sessions):
    chat.say(RESIDENT, "5栋门口的路灯坏了 晚上黑漆漆的")
    answer = texts_to(chat.say(RESIDENT, "我前几天反映的事怎么样了"), GROUP_1)
    assert answer and "#1" in answer[0] and not answer[0].startswith("已受理"), answer
    with sessions() as session:
        assert session.query(Ticket).count() == 1


def test_a_chase_that_names_no_matter_opens_no_ticket(chat, sessions, clock):
    # nothing reported yet: asked which matter, not filed as "@赵强 你什么时候来看一下" nor put on the agenda
    for said in ("@赵强 你什么时候来看一下", "@王芳 上次说的那个事怎么样了"):
        answer = texts_to(chat.say(RESIDENT, said), GROUP_1)
        assert answer and answer[0].startswith("没有查到您反映过") and "请问是哪件事" in answer[0], (said, answer)
    with sessions() as session:
        assert session.query(Ticket).count() == 0 and session.query(Topic).count() == 0
    # a report from last week still open: the chase lists it
    chat.say(RESIDENT, "5栋门口的路灯坏了 晚上黑漆漆的")
    clock.advance(days=2)
    answer = texts_to(chat.say(RESIDENT, "你们啥时候过来修"), GROUP_1)
    assert answer and "#1" in answer[0] and "路灯" in answer[0], answer
    with sessions() as session:
        assert session.query(Ticket).count() == 1
    # a chase that says what and where is a report of its own
    answer = texts_to(chat.say(NEIGHBOUR, "7栋的电梯又坏了 什么时候来修"), GROUP_1)
    assert answer and answer[0].startswith("已受理 #2"), answer


def test_a_bare_fault_at_a_numbered_place_is_asked_about_not_ignored(chat, sessions):
    for said, category in (("2栋电梯停了", "设施维修"), ("3栋垃圾桶满了", "环境卫生"), ("10栋地下室漏水", "设施维修")):
        answer = texts_to(chat.say(RESIDENT, said), GROUP_1)
        assert answer and "需要登记为工单" in answer[0] and category in answer[0], answer
    assert texts_to(chat.say(RESIDENT, "立案"), GROUP_1)[0].startswith("已受理 #1")
    # news of a planned cut, or a fault without a place, stays chatter
    for said in ("我们楼也贴通知了 说是周四停水", "停水了", "10栋停水已经恢复了"):
        assert texts_to(chat.say(NEIGHBOUR, said), GROUP_1) == [], said
    with sessions() as session:
        assert session.query(Ticket).count() == 1


def test_a_problem_reported_with_a_service_question_gets_both_the_guide_and_a_ticket(chat, sessions):
    for said in ("17栋门口路灯坏了好几天了，另外问下高龄补贴怎么申请", "问下低保怎么申请？还有我们3栋的电梯又坏了"):
        answer = texts_to(chat.say(RESIDENT, said), GROUP_1)
        assert len(answer) == 2 and answer[0].startswith("【一次性告知】"), answer
        assert answer[1].startswith("已受理 #") and "设施维修" in answer[1], answer
    # a second question about the service, or another service, is no report
    for said in ("高龄补贴怎么申请 需要带什么", "高龄补贴怎么申请 还有低保呢"):
        answer = texts_to(chat.say(NEIGHBOUR, said), GROUP_1)
        assert len(answer) == 1 and answer[0].startswith("【一次性告知】"), answer
    with sessions() as session:
        assert session.query(Ticket).count() == 2


def test_a_newcomer_in_private_gets_service_answers_at_once_and_may_name_their_estate(chat, sessions):
    me = "7001"
    # the service guide is the community's: no grid is needed to answer it
    answer = texts_to(chat.say(me, "你好，养老保险年审在哪弄", chat=me), me)
    assert len(answer) == 1 and answer[0].startswith("【一次性告知】养老保险"), answer
    # two reports wait for the grid; the estate's name answers the question, and both are then heard
    assert "哪个网格" in texts_to(chat.say(me, "我家楼道灯坏了", chat=me), me)[0]
    assert "哪个网格" in texts_to(chat.say(me, "小区门口的垃圾桶满了好几天没人收", chat=me), me)[0]
    answer = texts_to(chat.say(me, "我住桂花苑", chat=me), me)
    assert "东郊社区第一网格（桂花苑）" in answer[0], answer
    assert [a[:6] for a in answer[1:]] == ["已受理 #1", "已受理 #2"], answer
    with sessions() as session:
        filed = [t.text for t in session.query(Ticket).order_by(Ticket.id)]
    assert filed == ["我家楼道灯坏了", "小区门口的垃圾桶满了好几天没人收"]


def test_resolve_without_a_number_as_the_claim_message_teaches(chat, sessions):
    chat.say(RESIDENT, "5栋门口的路灯坏了 晚上黑漆漆的")
    taught = texts_to(chat.say(1001, "认领 1"), 1001)[0]
    assert "“办结 已清理完毕”" in taught
    # one ticket in hand: the note alone finishes it
    assert texts_to(chat.say(1001, "办结 已换新灯泡", chat="1001"), GROUP_1)[0].startswith("#1 已办结：已换新灯泡")
    # two in hand: asked which, nothing finished
    chat.say(RESIDENT, "7栋楼道堆满杂物 好几天了没人管")
    chat.say(NEIGHBOUR, "9栋门口的垃圾桶满了 好几天没人收")
    chat.say(1001, "认领 2")
    chat.say(1001, "认领 3")
    answer = texts_to(chat.say(1001, "办结 已清理完毕", chat="1001"), 1001)
    assert answer and "#3 #2" in answer[0] and "办结哪一件" in answer[0], answer
    with sessions() as session:
        assert [t.status for t in session.query(Ticket).order_by(Ticket.id)] == ["resolved", "claimed", "claimed"]


@pytest.mark.parametrize(
    ("said", "guide"),
    [
        ("80岁老人有补贴吗", "高龄补贴"),
        ("我妈今年81了，能领什么补贴吗", "高龄补贴"),
        ("身份证快过期了去哪换", "身份证"),
        ("我爸70岁了坐公交要钱吗", "老年出行卡"),
    ],
)
def test_service_questions_in_everyday_words_get_the_guide(chat, sessions, said, guide):
    answer = texts_to(chat.say(RESIDENT, said), GROUP_1)
    assert len(answer) == 1 and answer[0].startswith(f"【一次性告知】{guide}"), answer
    with sessions() as session:
        assert session.query(Ticket).count() == 0


def test_my_tickets_marks_no_transferred_ticket_overdue_while_its_clock_is_paused(chat, clock):
    chat.say(RESIDENT, "5栋门口的路灯坏了 晚上黑漆漆的")
    chat.say(1001, "认领 1")
    chat.say(1001, "转交 1 供电所 线路老化")
    clock.advance(days=10)
    listed = texts_to(chat.say(1001, "我的工单", chat="1001"), 1001)[0]
    assert "#1 " in listed and "已超期" not in listed, listed


def test_claiming_a_ticket_already_past_its_deadline_says_so(chat, clock):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")  # 24 hours
    clock.advance(hours=30)
    told = texts_to(chat.say(1001, "认领 1"), 1001)[0]
    assert "已超过办结时限" in told and "前办结" not in told, told


def test_a_worker_in_two_grids_is_offered_only_those_two(chat):
    asked = texts_to(chat.say(1007, "小区门口的垃圾桶满了好几天没人收", chat="1007"), 1007)[0]  # 郑刚: dj-3, dj-4
    assert "dj-3" in asked and "dj-4" in asked and "dj-1" not in asked and "dj-2" not in asked, asked
    assert "哪个网格的事" in asked and "您住在" not in asked  # a worker is asked whose matter, not where he lives


def test_a_resident_may_name_their_grid_in_a_private_chat(chat):
    chat.say(RESIDENT, "楼道堆满杂物 好几天了没人管", chat=str(RESIDENT))
    answer = texts_to(chat.say(RESIDENT, "网格 桂花苑", chat=str(RESIDENT)), RESIDENT)
    assert answer and "没有编号" not in answer[0], answer


def test_a_greeting_in_a_private_chat_is_answered(chat):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")  # known in grid 1 from the group
    for said in ("你好", "在吗"):
        answer = texts_to(chat.say(RESIDENT, said, chat=str(RESIDENT)), RESIDENT)
        assert answer and answer[0].startswith("您好，我是网格助手"), (said, answer)
    for said in ("谢谢", "😊"):
        assert texts_to(chat.say(RESIDENT, said, chat=str(RESIDENT)), RESIDENT) == ["不客气！有事随时告诉我。"]


GROUP_3 = "-1001000000003"  # dj-3 reads only messages addressed to the bot


def group_outbox(sessions, chat) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(OutboxMessage.text).where(OutboxMessage.chat_id == chat)))


def test_prompts_in_an_at_bot_only_group_say_how_to_address_the_bot(chat, sessions):
    chat.say(RESIDENT, "12栋门口的路灯坏了 晚上黑漆漆的", chat=GROUP_3, mention=True)
    chat.say(1005, "认领 1", chat=GROUP_3, mention=True)
    chat.say(1005, "办结 1 已换新灯泡", chat=GROUP_3, mention=True)
    rating = [t for t in group_outbox(sessions, GROUP_3) if "满意" in t and "回复" in t]
    assert rating and all("@我" in t and "回复这条消息" in t for t in rating)
    # A plain "满意" never reaches the bot there; one addressed to it does, as the hint says.
    chat.say(RESIDENT, "满意", chat=GROUP_3, reply_to="9999")
    assert ticket(sessions).status == "closed"


def test_prompts_in_a_group_the_bot_reads_whole_carry_no_address_hint(chat, sessions):
    chat.say(RESIDENT, "3栋门口的路灯坏了 晚上黑漆漆的")
    chat.say(WANG, "认领 1")
    chat.say(WANG, "办结 1 已换新灯泡")
    sent = group_outbox(sessions, GROUP_1)
    assert any("回复“满意”" in t for t in sent)
    assert not any("@我" in t for t in sent)


def test_chatter_edited_into_a_bare_fault_at_a_numbered_place_is_asked_about(chat, sessions):
    assert chat.say(RESIDENT, "2栋").outbounds == []  # message 1001, sent too soon
    edited = texts_to(chat.say(RESIDENT, "2栋电梯停了", edited_id="1001"), GROUP_1)
    assert edited and "需要登记为工单" in edited[0], edited  # as if sent so: asked, not ignored
    assert texts_to(chat.say(RESIDENT, "立案"), GROUP_1)[0].startswith("已受理 #1")


def test_a_newcomer_answering_where_they_live_with_a_building_has_the_waiting_report_filed(chat, sessions):
    asked = texts_to(chat.say(6001, "楼道灯不亮了好几天了", chat="6001"), 6001)
    assert asked and "网格" in asked[0]
    answer = texts_to(chat.say(6001, "我住枫林小区7栋", chat="6001"), 6001)
    assert any("已受理 #1" in t for t in answer), answer  # the report that waited, filed in dj-2
    assert ticket(sessions).grid_id == "dj-2"


def test_a_report_taken_back_is_told_how_to_withdraw_it(chat, sessions):
    chat.say(RESIDENT, "2栋1单元下水道堵了 一直往上冒水")
    answer = texts_to(chat.say(RESIDENT, "不好意思发错了，是我朋友家小区的，不用管了"), GROUP_1)
    assert answer and "撤销 1" in answer[0] and "发错" in answer[0], answer
    assert ticket(sessions).status == "new"  # withdrawn only when the resident says so
    texts_to(chat.say(RESIDENT, "撤销 1"), GROUP_1)
    assert ticket(sessions).status == "cancelled"


def test_a_photo_captioned_as_a_photo_joins_the_report_it_follows(chat):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    for caption in ("这是现场照片", "拍了张照片给你们看看"):
        result = chat.say(RESIDENT, caption, photo=True)
        assert any("已补充到 #1" in t for t in texts_to(result, GROUP_1)), caption
        assert any(o.photo_id for o in result.outbounds if o.chat_id == str(WANG)), caption


def test_a_ticket_withdrawn_by_staff_is_announced_to_the_resident(chat):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    said = chat.say(LEADER, "撤销 1", chat=str(LEADER))
    group = texts_to(said, GROUP_1)
    assert group and "#1 已由 陈建国 撤销" in group[0] and "@居民501" in group[0], group
    assert any("#1 已由 陈建国 撤销" in t for t in texts_to(said, LEADER))  # and the leader sees it done
    mine = texts_to(chat.say(RESIDENT, "撤销 1"), GROUP_1)
    assert mine  # already withdrawn: answered, not crashed
