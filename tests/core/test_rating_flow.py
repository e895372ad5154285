"""满意/不满意 as residents actually send them: after 回访, from a 附议 neighbour, again while it is redone."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from bot.models import OutboxMessage, Ticket, TicketEvent
from tests.conftest import GROUP_1

RESIDENT, NEIGHBOUR, WANG, LEADER = 501, 502, 1001, 2001
REPORT = "3栋楼道堆满杂物 好几天了没人管"


def texts_to(result, chat) -> list[str]:
    return [o.text for o in result.outbounds if o.chat_id == str(chat)]


def status_and_count(sessions) -> tuple[str, int]:
    with sessions() as session:
        return session.get(Ticket, 1).status, session.scalar(select(func.count()).select_from(Ticket))


def resolved(chat) -> None:
    chat.say(RESIDENT, REPORT)
    chat.say(WANG, "认领 1")
    chat.say(WANG, "办结 1 已清理")


def test_answering_the_revisit_as_it_asks_reopens_the_closed_ticket(chat, sessions, clock):
    resolved(chat)
    chat.say(RESIDENT, "满意")
    assert status_and_count(sessions) == ("closed", 1)
    clock.now += dt.timedelta(days=7)  # the 回访: "如果问题又出现了，请回复“不满意 原因”"
    result = chat.say(RESIDENT, "不满意 又堆满了")
    assert status_and_count(sessions) == ("reopened", 1)  # the same ticket, not a new one
    assert "#1" in texts_to(result, GROUP_1)[0] and "重新打开" in texts_to(result, GROUP_1)[0]
    assert any("又堆满了" in text for text in texts_to(result, LEADER))


def test_a_closed_ticket_long_past_its_revisit_is_not_reopened_by_a_bare_complaint(chat, sessions, clock):
    resolved(chat)
    chat.say(RESIDENT, "满意")
    clock.now += dt.timedelta(days=60)
    chat.say(RESIDENT, "不满意 又堆满了")
    assert status_and_count(sessions)[0] == "closed"


def test_an_old_rating_button_long_after_archiving_changes_nothing_and_says_why(chat, sessions, clock):
    resolved(chat)
    chat.press(RESIDENT, "rate:1:good")
    for days in (60, 400):
        clock.now += dt.timedelta(days=days)
        pressed = chat.press(RESIDENT, "rate:1:bad")  # the same message's 不满意, months later
        assert "评价已经截止" in pressed.toast and "重新说一下" in pressed.toast
        assert pressed.outbounds == []  # no 已重新打开 in the group, no 【督办】 to the leader or the worker
        typed = texts_to(chat.say(RESIDENT, "评价 1 不满意 又堆满了"), GROUP_1)
        assert len(typed) == 1 and "评价已经截止" in typed[0]
        with sessions() as session:
            ticket = session.get(Ticket, 1)
            assert (ticket.status, ticket.rating) == ("closed", "good")  # the 满意率 keeps its figure
    late = texts_to(chat.say(RESIDENT, "满意 1"), GROUP_1)[0]
    assert "不满意 原因" not in late  # no longer offered as a way to reopen it


def test_the_rating_button_still_reopens_within_the_revisit_window(chat, sessions, clock):
    resolved(chat)
    chat.press(RESIDENT, "rate:1:good")
    clock.now += dt.timedelta(days=7)  # the 回访 asks whether it stayed fixed
    pressed = chat.press(RESIDENT, "rate:1:bad")
    assert "重新打开" in texts_to(pressed, GROUP_1)[0] and texts_to(pressed, LEADER)
    assert status_and_count(sessions) == ("reopened", 1)


def test_a_rating_typed_before_the_work_is_done_is_not_passed_on_as_more_detail(chat, sessions):
    chat.say(RESIDENT, REPORT)
    early = chat.say(RESIDENT, "满意")
    assert texts_to(early, WANG) == []  # not 居民补充：满意 to the worker
    assert "#1 还在办理中" in texts_to(early, GROUP_1)[0] and "办好后会请您确认并评价" in texts_to(early, GROUP_1)[0]
    assert "#1 还在办理中" in texts_to(chat.say(RESIDENT, "评价 1 满意"), GROUP_1)[0]
    with sessions() as session:
        assert session.scalars(select(TicketEvent.action)).all() == ["open"]
    chat.say(WANG, "认领 1")
    chat.say(WANG, "办结 1 已清理")
    assert "已归档" in texts_to(chat.say(RESIDENT, "满意"), GROUP_1)[0]  # now it is the rating


def test_a_neighbour_who_joined_with_a_support_may_rate_as_the_prompt_asks(chat, sessions):
    chat.say(RESIDENT, REPORT)
    chat.say(NEIGHBOUR, "3栋楼道也太乱了 杂物堆得下不去脚")  # 附议
    chat.say(WANG, "认领 1")
    prompt = texts_to(chat.say(WANG, "办结 1 已清理"), GROUP_1)[0]
    assert "@居民502" in prompt  # asked to confirm…
    result = chat.say(NEIGHBOUR, "不满意 没清干净")  # …so the answer counts
    assert status_and_count(sessions) == ("reopened", 1)
    assert any("没清干净" in text for text in texts_to(result, LEADER))


def test_a_second_complaint_while_it_is_redone_reaches_the_owner(chat, sessions):
    resolved(chat)
    chat.say(RESIDENT, "不满意 3栋还是没清干净")  # "3栋" is a building, not ticket #3
    result = chat.say(RESIDENT, "不满意 今天又堆上了")
    assert "正在重新办理" in texts_to(result, GROUP_1)[0]
    assert any("今天又堆上了" in text for text in texts_to(result, WANG))
    with sessions() as session:
        kinds = session.scalars(select(TicketEvent.action).order_by(TicketEvent.id)).all()
    assert kinds[-1] == "complaint" and status_and_count(sessions) == ("reopened", 1)


def test_a_rating_said_in_a_group_is_about_that_groups_ticket(chat, sessions):
    chat.say(RESIDENT, REPORT)
    chat.say(RESIDENT, "5栋门口的路灯坏了一个多月了", chat="-1001000000002")
    for n in (1, 2):
        chat.say(1003 if n == 2 else WANG, f"认领 {n}", chat="-1001000000002" if n == 2 else GROUP_1)
        chat.say(1003 if n == 2 else WANG, f"办结 {n} 好了", chat="-1001000000002" if n == 2 else GROUP_1)
    reply = texts_to(chat.say(RESIDENT, "满意"), GROUP_1)[0]
    assert "#1" in reply and "#2" not in reply  # not "您有几件工单（#1 #2）" with another grid's ticket
    with sessions() as session:
        assert [t.status for t in session.scalars(select(Ticket).order_by(Ticket.id))] == ["closed", "resolved"]


def test_with_two_tickets_awaiting_a_rating_the_bot_asks_which(chat, sessions):
    chat.say(RESIDENT, REPORT)
    chat.say(RESIDENT, "5栋门口的路灯坏了一个多月了")
    for n in (1, 2):
        chat.say(WANG, f"认领 {n}")
        chat.say(WANG, f"办结 {n} 好了")
    reply = texts_to(chat.say(RESIDENT, "满意"), GROUP_1)[0]
    assert "#1" in reply and "#2" in reply and "评价" in reply
    assert "您有 2 件工单待评价" in reply and "满意。" in reply, reply  # counted
    assert "不满意" not in reply  # the example echoes what was said
    with sessions() as session:
        assert {t.status for t in session.scalars(select(Ticket))} == {"resolved"}
    chat.say(RESIDENT, "满意 1")  # the answer to "which one?"
    chat.say(RESIDENT, "不满意 #2 灯还是不亮")
    with sessions() as session:
        assert [(t.status, t.rating_reason) for t in session.scalars(select(Ticket).order_by(Ticket.id))] == [
            ("closed", ""),
            ("reopened", "灯还是不亮"),
        ]


def test_thanks_under_a_ticket_is_not_a_support_but_me_too_is(chat, sessions):
    chat.say(RESIDENT, REPORT)  # message 1001
    for thanks in ("谢谢", "👍", "谢谢王姐！"):
        assert not chat.say(NEIGHBOUR, thanks, reply_to="1001").outbounds
    assert not chat.say(RESIDENT, "谢谢", reply_to="1001").outbounds  # nor "more detail" from the reporter
    joined = texts_to(chat.say(NEIGHBOUR, "我家也是", reply_to="1001"), GROUP_1)
    assert joined and "附议" in joined[0] and "共 2 人" in joined[0]
    with sessions() as session:
        assert [s.user_id for s in session.get(Ticket, 1).supporters] == [str(NEIGHBOUR)]
        actions = session.scalars(select(TicketEvent.action)).all()
    assert "followup" not in actions


def test_a_few_words_just_after_a_report_join_it_but_chatter_and_thanks_do_not(chat, sessions):
    chat.say(RESIDENT, "3栋后面垃圾堆了好几天 臭得很")
    for more in ("在2单元门口", "味道很大"):
        assert "#1" in texts_to(chat.say(RESIDENT, more), GROUP_1)[0]
    for chatter in ("今天天气真好", "谢谢", "大家早上好"):
        assert not chat.say(RESIDENT, chatter).outbounds
    with sessions() as session:
        details = session.scalars(select(TicketEvent.detail).where(TicketEvent.action == "followup")).all()
    assert details == ["在2单元门口", "味道很大"]


def test_more_words_under_a_finished_ticket_ask_the_resident_to_say_whether_it_is_solved(chat):
    resolved(chat)  # the 办结 prompt quotes the report, message 1001
    reply = chat.say(RESIDENT, "又堆上了", reply_to="1001", photo=True).outbounds
    in_group = [o for o in reply if o.chat_id == GROUP_1]
    assert "已补充到 #1" in in_group[0].text and "不满意 原因" in in_group[0].text
    assert [b.data for b in in_group[0].buttons[0]] == ["rate:1:good", "rate:1:fair", "rate:1:bad"]
    assert any(o.chat_id == str(WANG) and o.photo_id for o in reply)  # the worker sees the photo too


@pytest.mark.parametrize(
    "complaint", ["很不满意", "差评", "没解决", "还没修好啊", "评价 1 很不满意", "差评！根本没扫干净"]
)
def test_a_complaint_in_everyday_words_reopens_the_ticket(chat, sessions, complaint):
    resolved(chat)
    result = chat.say(RESIDENT, complaint)
    assert status_and_count(sessions) == ("reopened", 1)  # not a new ticket, and never 默认满意 later
    assert "重新打开" in texts_to(result, GROUP_1)[0]


@pytest.mark.parametrize("praise", ["很满意", "好评", "非常满意！辛苦了"])
def test_praise_in_everyday_words_archives_the_ticket(chat, sessions, praise):
    resolved(chat)
    chat.say(RESIDENT, praise)
    with sessions() as session:
        assert (session.get(Ticket, 1).status, session.get(Ticket, 1).rating) == ("closed", "good")


def test_the_words_of_a_complaint_without_a_finished_ticket_are_still_heard_as_a_report(chat, sessions):
    result = chat.say(RESIDENT, "没修好的路灯还有好几盏 5栋门口晚上黑漆漆的")
    assert texts_to(result, GROUP_1)[0].startswith("已受理 #1")


def test_a_complaint_about_a_ticket_nobody_has_claimed_reaches_the_leader(chat, sessions):
    chat.say(RESIDENT, REPORT)
    result = chat.say(RESIDENT, "评价 1 不满意 都三天了没人来")
    assert texts_to(result, GROUP_1) == ["#1 还没有办结，您的意见已转告网格长陈建国，办好后会请您确认。"]
    assert texts_to(result, LEADER) == ["#1 还没有办结，居民501 反映：都三天了没人来。请抓紧处理。"]
    assert status_and_count(sessions) == ("new", 1)  # still waiting to be claimed, nothing reopened


def test_saying_in_the_group_that_it_is_still_not_fixed_reopens_it(chat, sessions, clock):
    resolved(chat)
    clock.now += dt.timedelta(minutes=20)  # not a reply to the bot, and past the follow-up window
    result = chat.say(RESIDENT, "3栋楼道里杂物还是没清干净啊 根本没弄好")
    assert status_and_count(sessions) == ("reopened", 1)  # no second ticket, no 默认满意 three days later
    assert "重新打开" in texts_to(result, GROUP_1)[0]
    assert any("根本没弄好" in text for text in texts_to(result, LEADER))


def test_chasing_ones_own_report_points_to_it_instead_of_a_second_ticket(chat, sessions, clock):
    chat.say(RESIDENT, REPORT)
    chat.say(WANG, "认领 1")
    clock.now += dt.timedelta(hours=3)
    result = chat.say(RESIDENT, "3栋楼道的杂物怎么还没人来清啊")
    assert status_and_count(sessions) == ("claimed", 1)
    group = texts_to(result, GROUP_1)
    assert group[0].startswith("已补充到 #1") and any("#1" in text and "王芳" in text for text in group[1:]), group
    assert any("怎么还没人来清" in text for text in texts_to(result, WANG))  # the worker hears he is chased


@pytest.mark.parametrize(
    ("said", "status", "rating"),
    [
        ("灯是修好了 亮堂多了 谢谢王芳！", "closed", "good"),  # in the resident's own words, under the prompt
        ("还行吧", "closed", "fair"),
        ("根本没弄好 就是挪了个地方", "reopened", "bad"),
    ],
)
def test_a_reply_under_the_request_to_confirm_is_read_as_a_rating(chat, sessions, said, status, rating):
    resolved(chat)
    chat.say(RESIDENT, said, reply_to="1001")  # a reply in the thread of the report, now marked done
    with sessions() as session:
        saved = session.get(Ticket, 1)
        assert (saved.status, saved.rating) == (status, rating)


def test_solved_meanwhile_just_after_reporting_is_passed_on_with_how_to_withdraw(chat, sessions):
    chat.say(RESIDENT, "1栋下水道堵了 污水往外冒")
    result = chat.say(RESIDENT, "不用了，刚刚物业已经通好了")
    answer = texts_to(result, GROUP_1)
    assert answer and "撤销 1" in answer[0], answer
    chat.say(RESIDENT, "撤销 1")
    assert status_and_count(sessions) == ("cancelled", 1)


def test_chatter_that_opens_with_a_word_of_praise_is_no_rating(chat, sessions):
    resolved(chat)
    for said in ("很好，那周末一起去爬山", "挺好，今天天气真好，出去走走"):
        assert texts_to(chat.say(RESIDENT, said), GROUP_1) == [], said
        assert status_and_count(sessions) == ("resolved", 1)
    # alone, with thanks or said of the work, it still rates
    assert texts_to(chat.say(RESIDENT, "不错 师傅很利索"), GROUP_1)[0].startswith("感谢您的评价（满意）")
    assert status_and_count(sessions) == ("closed", 1)


def test_answering_the_revisit_in_plain_words_reopens_the_closed_ticket(chat, sessions, clock):
    resolved(chat)
    chat.say(RESIDENT, "满意")
    clock.now += dt.timedelta(days=7)
    with sessions() as session:  # the 回访 as it went out: a bot message about #1 in the group
        session.add(
            OutboxMessage(
                chat_id=GROUP_1, text="【回访】", kind="revisit", ticket_id=1, platform_message_id="880",
                status="sent", due_at=clock.now, created_at=clock.now,
            )
        )
        session.commit()
    # a neighbour's "又堆满了" under it is not theirs to reopen
    assert status_and_count(sessions) == ("closed", 1)
    chat.say(NEIGHBOUR, "又堆满了", reply_to="880")
    assert status_and_count(sessions) == ("closed", 1)
    result = chat.say(RESIDENT, "又堆满了，楼道都过不去人", reply_to="880")
    assert status_and_count(sessions) == ("reopened", 1)
    assert "重新打开" in texts_to(result, GROUP_1)[0]


def test_a_leader_archiving_a_disputed_ticket_names_the_resident_and_says_why(chat, sessions):
    resolved(chat)
    chat.say(RESIDENT, "不满意 还是堆着")
    assert status_and_count(sessions) == ("reopened", 1)
    result = chat.say(LEADER, "归档 1 杂物属个人物品，已与业主约定本周自行清走", chat=str(LEADER))
    told = [o for o in result.outbounds if o.chat_id == GROUP_1]
    assert len(told) == 1 and told[0].text.startswith("@居民501 #1 已由 陈建国 归档，说明：杂物属个人物品"), told
    assert [m.user_id for m in told[0].mentions] == [str(RESIDENT)]
    with sessions() as session:
        logged = session.scalars(select(TicketEvent.detail).where(TicketEvent.action == "close")).all()
    assert logged == ["杂物属个人物品，已与业主约定本周自行清走"]  # in the 台账 too


def test_still_not_fixed_in_other_words_after_the_work_was_marked_done_is_a_bad_rating(chat, sessions):
    chat.say(RESIDENT, "5栋门口的路灯坏了 晚上黑漆漆的")
    chat.say(WANG, "认领 1")
    chat.say(WANG, "办结 1 已换灯泡")
    answer = texts_to(chat.say(RESIDENT, "晚上看了还是不亮"), GROUP_1)
    assert answer and "#1" in answer[0] and "重新" in answer[0], answer
    with sessions() as session:
        assert [(t.status, t.rating) for t in session.scalars(select(Ticket))] == [("reopened", "bad")]


def test_words_like_still_that_name_no_fault_do_not_rate_a_finished_ticket(chat, sessions):
    chat.say(RESIDENT, "5栋门口的路灯坏了 晚上黑漆漆的")
    chat.say(WANG, "认领 1")
    chat.say(WANG, "办结 1 已换灯泡")
    for said in ("这个小区还是不错的", "我还是不太懂高龄补贴怎么申请"):
        chat.say(RESIDENT, said)
    with sessions() as session:
        assert [t.status for t in session.scalars(select(Ticket))] == ["resolved"]
