"""Talk day, the 催办/督办 ladder, 回访 and the digest: each fires once, at its time, across restarts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.models import OutboxMessage, Ticket, Topic
from bot.scheduler import Scheduler, run_due
from tests.conftest import GROUP_1

TZ = dt.timezone(dt.timedelta(hours=8))
RESIDENT, WANG, LEADER, SECRETARY, ADMIN = 501, 1001, 2001, 3001, 9001


def local(day: str, clock_time: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{clock_time}:00").replace(tzinfo=TZ).astimezone(dt.UTC)


def sent(sessions, kind: str | None = None, chat: str | None = None) -> list[OutboxMessage]:
    with sessions() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        if chat:
            query = query.where(OutboxMessage.chat_id == chat)
        return list(session.execute(query).scalars())


def tick(sessions, config, clock, when: dt.datetime) -> int:
    clock.now = when
    return run_due(sessions, config, when)


def test_topics_notice_agenda_and_decision_report_back(chat, sessions, config, clock):
    # Monday 2026-11-23; talk day Tuesday 09:00, topics invited Monday 18:00 (grid dj-4 talks on Wednesday).
    tick(sessions, config, clock, local("2026-11-23", "17:59"))
    assert not sent(sessions, "talk_notice")
    tick(sessions, config, clock, local("2026-11-23", "18:00"))
    notices = sent(sessions, "talk_notice")
    assert {n.chat_id for n in notices} == {"-1001000000001", "-1001000000002", "-1001000000003"}
    assert "议题征集" in notices[0].text
    tick(sessions, config, clock, local("2026-11-23", "18:30"))
    assert len(sent(sessions, "talk_notice")) == 3
    chat.say(RESIDENT, "议题 建议在3栋门口加装一盏路灯")
    chat.say(RESIDENT, "5栋门口的路灯坏了一个多月了 晚上黑漆漆的")
    tick(sessions, config, clock, local("2026-11-24", "09:00"))
    agenda = sent(sessions, "agenda", GROUP_1)
    assert len(agenda) == 1
    text = agenda[0].text
    assert "议题1 建议在3栋门口加装一盏路灯" in text and "#1" in text and "网格问事" in text
    decision = chat.say(LEADER, "决定 议题1 下周安排施工")
    assert "已记录议题1的决定" in decision.outbounds[0].text
    assert "需要本网格的网格长" in chat.say(RESIDENT, "决定 议题1 不装了").outbounds[0].text
    tick(sessions, config, clock, local("2026-12-01", "09:00"))
    next_agenda = sent(sessions, "agenda", GROUP_1)[-1].text
    assert "上周决定的反馈" in next_agenda and "下周安排施工" in next_agenda


def test_a_decision_typed_without_a_space_is_recorded_and_can_be_corrected(chat, sessions, config, clock):
    chat.say(RESIDENT, "议题 建议在3栋门口加装一盏路灯")
    assert "已记录议题1的决定：下周安排施工" in chat.say(LEADER, "决定议题1 下周安排施工").outbounds[0].text
    empty = chat.say(LEADER, "决定 议题1").outbounds[0].text
    assert "请写明议题编号和决定" in empty  # nothing to record: said so, the decision kept
    corrected = chat.say(LEADER, "决定 议题1 改为下月施工").outbounds[0].text
    assert "已更新议题1的决定：改为下月施工" in corrected
    tick(sessions, config, clock, local("2026-12-01", "09:00"))
    agenda = sent(sessions, "agenda", GROUP_1)[-1].text
    assert "改为下月施工" in agenda and "下周安排施工" not in agenda


def test_a_topic_proposed_in_plain_words_is_collected_once(chat, sessions):

    first = chat.say(RESIDENT, "我想提个议题：小区广场舞太吵了 晚上十点还在跳").outbounds[0].text
    assert first.startswith("已收录为说事日议题1：小区广场舞太吵了")  # a topic, not a 邻里纠纷 ticket
    again = chat.say(RESIDENT, "议题 小区广场舞太吵了 晚上十点还在跳").outbounds[0].text
    assert "已经收录过了（议题1）" in again
    with sessions() as session:
        assert session.query(Topic).count() == 1 and session.query(Ticket).count() == 0


def test_a_decision_may_name_its_topic_by_number_alone(chat, sessions):
    chat.say(RESIDENT, "议题 广场舞音乐太响 建议晚上八点半结束")
    result = chat.say(LEADER, "决定 1 广场舞晚上八点半结束")
    assert any("议题1" in o.text and "八点半" in o.text for o in result.outbounds), [o.text for o in result.outbounds]
    with sessions() as session:
        assert session.get(Topic, 1).status == "decided"
    assert any("没有" in o.text and "99" in o.text for o in chat.say(LEADER, "决定 99 随便").outbounds)


def test_a_decision_can_become_a_ticket(chat, sessions):
    chat.say(RESIDENT, "议题 小区东门晚上太黑 建议加装路灯")
    result = chat.say(LEADER, "决定 议题1 立案 由网格员联系物业加装路灯")
    assert any("已受理 #1" in o.text for o in result.outbounds)
    with sessions() as session:
        assert session.get(Ticket, 1).category == "suggestion"


def test_a_decision_filed_from_the_leaders_private_chat_is_followed_in_the_group(chat, sessions):
    chat.say(RESIDENT, "议题 小区东门晚上太黑 建议加装路灯")
    result = chat.say(LEADER, "决定 议题1 立案 向街道申请加装路灯", chat=str(LEADER))
    acks = [o for o in result.outbounds if o.text.startswith("已受理 #1")]
    assert [o.chat_id for o in acks] == [GROUP_1]  # the resident hears it where they raised it
    done = chat.say(LEADER, "办结 1 已报街道 下月施工", chat=str(LEADER))  # his own: 首问负责
    # the rating prompt goes to the group for the resident, not to the leader's private chat
    prompts = [o for o in done.outbounds if "确认是否解决" in o.text]
    assert prompts and all(o.chat_id == GROUP_1 for o in prompts), [(o.chat_id, o.text) for o in done.outbounds]
    with sessions() as session:
        assert session.get(Ticket, 1).source_chat_id == GROUP_1


def test_the_deadline_ladder_fires_each_step_once(chat, sessions, config, clock):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")  # 24 h deadline, opened Mon 09:30
    chat.say(WANG, "认领 1")
    deadline = clock.now + dt.timedelta(hours=24)
    tick(sessions, config, clock, deadline - dt.timedelta(hours=3))
    assert not [m for m in sent(sessions, "reminder") if m.chat_id == str(WANG)]
    tick(sessions, config, clock, deadline - dt.timedelta(hours=1))
    tick(sessions, config, clock, deadline - dt.timedelta(minutes=30))
    chased = [m for m in sent(sessions, "reminder") if m.chat_id == str(WANG)]
    assert len(chased) == 1 and "【催办】#1" in chased[0].text
    tick(sessions, config, clock, deadline + dt.timedelta(minutes=1))
    tick(sessions, config, clock, deadline + dt.timedelta(minutes=40))
    due = sent(sessions, "due", GROUP_1)
    assert len(due) == 1 and "@王芳" in due[0].text
    to_leader = [m for m in sent(sessions, "reminder") if m.chat_id == str(LEADER)]
    assert len(to_leader) == 1 and "【督办】#1" in to_leader[0].text
    assert not [m for m in sent(sessions, "reminder") if m.chat_id == str(SECRETARY)]
    # 首问负责: the worker who owns it hears it went over his head, and to whom
    told = [m.text for m in sent(sessions, "reminder") if m.chat_id == str(WANG)][1:]
    assert len(told) == 1 and told[0].startswith("【督办】#1 已超过办结时限，已报网格长") and "办结 1" in told[0]
    tick(sessions, config, clock, deadline + dt.timedelta(hours=24, minutes=1))
    tick(sessions, config, clock, deadline + dt.timedelta(hours=25))
    assert len([m for m in sent(sessions, "reminder") if m.chat_id == str(SECRETARY)]) == 1
    told = [m.text for m in sent(sessions, "reminder") if m.chat_id == str(WANG)][1:]
    assert len(told) == 2 and "已报社区书记" in told[1], told
    with sessions() as session:
        assert session.get(Ticket, 1).escalation_level == 2


def test_a_ticket_extended_after_reaching_the_secretary_climbs_the_ladder_again(chat, sessions, config, clock):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    chat.say(WANG, "认领 1")
    first = clock.now + dt.timedelta(hours=24)
    tick(sessions, config, clock, first + dt.timedelta(hours=25))
    tick(sessions, config, clock, first + dt.timedelta(days=2, hours=1))  # long past: nothing new for the old deadline
    assert len([m for m in sent(sessions, "reminder") if m.chat_id == str(SECRETARY)]) == 1
    clock.now = first + dt.timedelta(days=2, hours=2)
    chat.say(LEADER, "延期 1 3 等施工队")
    with sessions() as session:
        second = session.get(Ticket, 1).deadline_at
    assert second > clock.now
    tick(sessions, config, clock, second + dt.timedelta(minutes=1))
    assert len(sent(sessions, "due", GROUP_1)) == 2
    tick(sessions, config, clock, second + dt.timedelta(hours=24, minutes=1))
    to_secretary = [m for m in sent(sessions, "reminder") if m.chat_id == str(SECRETARY)]
    assert len(to_secretary) == 2 and "【督办】#1" in to_secretary[1].text


def test_unclaimed_tickets_are_repinged_then_reported_to_the_leader(chat, sessions, config, clock):
    opened = clock.now
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    tick(sessions, config, clock, opened + dt.timedelta(minutes=29))
    assert not sent(sessions, "unclaimed")
    tick(sessions, config, clock, opened + dt.timedelta(minutes=31))
    tick(sessions, config, clock, opened + dt.timedelta(minutes=45))
    assert len(sent(sessions, "unclaimed")) == 1
    tick(sessions, config, clock, opened + dt.timedelta(minutes=121))
    # One re-ping per round the bot is up for; rounds missed while down are not sent in a burst.
    assert len(sent(sessions, "unclaimed")) == 2
    assert len([m for m in sent(sessions, "reminder") if m.chat_id == str(LEADER)]) == 1


def test_a_report_at_night_starts_its_clocks_when_the_worker_is_told_in_the_morning(chat, sessions, config, clock):
    clock.now = local("2026-11-23", "23:00")  # quiet hours 22:00-07:00: the worker's ping waits for 07:00
    ack = [o.text for o in chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管").outbounds if o.chat_id == GROUP_1]
    assert "11月25日 07:00" in ack[0], ack  # 24 hours from 07:00, not from 23:00
    for when in ("07:00", "07:20"):
        tick(sessions, config, clock, local("2026-11-24", when))
    # neither "unclaimed for 8 hours" to the group nor to the leader the moment the worker first hears of it
    assert not sent(sessions, "unclaimed")
    assert not [m for m in sent(sessions, "reminder") if m.chat_id == str(LEADER)]
    tick(sessions, config, clock, local("2026-11-24", "07:31"))
    assert len(sent(sessions, "unclaimed")) == 1


def test_a_ticket_nobody_claims_is_repinged_once_a_day_after_the_leader_is_told(chat, sessions, config, clock):
    opened = clock.now
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    for minutes in range(30, 3 * 24 * 60, 30):  # a tick every half hour for three days
        tick(sessions, config, clock, opened + dt.timedelta(minutes=minutes, seconds=1))
    pings = sent(sessions, "unclaimed")
    # Rounds at 30, 60 and 90 minutes, then at 2 hours (with the leader's DM), then one a day.
    assert len(pings) == 6
    daily = [p.created_at - opened for p in pings[3:]]
    assert daily[1] - daily[0] >= dt.timedelta(hours=21) and daily[2] - daily[1] >= dt.timedelta(hours=23)


def test_a_ticket_nobody_claims_climbs_the_overdue_ladder_to_the_secretary(chat, sessions, config, clock):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")  # sanitation: 24 hours to finish
    with sessions() as session:
        deadline = session.get(Ticket, 1).deadline_at
    tick(sessions, config, clock, deadline - dt.timedelta(minutes=1))
    assert not [m for m in sent(sessions, "reminder") if "已超过办结时限" in m.text]
    tick(sessions, config, clock, deadline + dt.timedelta(minutes=1))
    to_leader = [m.text for m in sent(sessions, "reminder") if m.chat_id == str(LEADER) and "办结时限" in m.text]
    assert to_leader == [
        "【督办】#1（待认领）已超过办结时限，请督促办理。\n网格：东郊社区第一网格（桂花苑）\n"
        "内容：3栋楼道堆满杂物 好几天了没人管"
    ]
    assert not [m for m in sent(sessions, "reminder") if m.chat_id == str(SECRETARY)]
    tick(sessions, config, clock, deadline + dt.timedelta(hours=24, minutes=1))
    to_secretary = [m.text for m in sent(sessions, "reminder") if m.chat_id == str(SECRETARY)]
    assert len(to_secretary) == 1
    assert to_secretary[0].startswith("【督办】#1（待认领）已超期 24 小时，请书记督办。\n网格：东郊社区第一网格")
    # Still nobody's: the group keeps hearing about it once a day, long after the secretary was told.
    pings = len(sent(sessions, "unclaimed"))
    tick(sessions, config, clock, deadline + dt.timedelta(days=4))
    assert len(sent(sessions, "unclaimed")) == pings + 1


def test_a_leaders_decision_to_file_a_topic_is_his_own_ticket_not_a_ping_to_himself(chat, sessions, config, clock):
    chat.say(RESIDENT, "议题 建议在3栋门口加装一盏路灯")
    decided = chat.say(LEADER, "决定 议题1 立案 安排施工队加装路灯")
    assert not [o for o in decided.outbounds if o.chat_id == str(LEADER) and "【新工单" in o.text]
    with sessions() as session:
        ticket = session.get(Ticket, 1)
        assert (ticket.status, ticket.assignee_name, ticket.reporter_id) == ("claimed", "陈建国", str(RESIDENT))
        deadline = ticket.deadline_at
    tick(sessions, config, clock, clock.now + dt.timedelta(hours=3))
    assert not sent(sessions, "unclaimed")
    assert not [m for m in sent(sessions, "reminder") if "无人认领" in m.text]
    tick(sessions, config, clock, deadline + dt.timedelta(minutes=1))
    assert not [m for m in sent(sessions, "reminder") if m.chat_id == str(LEADER) and "督办" in m.text]
    done = chat.say(LEADER, "办结 1 路灯已装好")
    prompt = next(o for o in done.outbounds if o.kind == "rating_prompt")
    assert [m.user_id for m in prompt.mentions] == [str(RESIDENT)]  # who raised the topic confirms, not he


def test_a_talk_day_post_caught_up_after_downtime_does_not_wake_the_group_at_night(chat, sessions, config, clock):
    # Down over Monday 18:00 (议题征集) and the 17:00 digest; back at 22:30, inside both graces but in quiet hours.
    tick(sessions, config, clock, local("2026-11-23", "22:30"))
    assert not sent(sessions, "talk_notice") and not sent(sessions, "digest")
    tick(sessions, config, clock, local("2026-11-23", "18:05"))  # on time it goes out as ever
    assert len(sent(sessions, "talk_notice")) == 3


def test_a_late_ticket_finished_after_a_reopen_is_not_counted_on_time_in_the_digest(chat, sessions, config, clock):
    from bot.digest import figures, week_of

    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    chat.say(RESIDENT + 1, "5栋门口的路灯坏了一个多月了")
    chat.say(WANG, "认领 1")
    chat.say(WANG, "办结 1 已清理")  # on time
    chat.say(1002, "认领 2")
    with sessions() as session:
        deadline = session.get(Ticket, 2).deadline_at
    tick(sessions, config, clock, deadline + dt.timedelta(hours=1))  # overdue: the leader is told
    chat.say(1002, "办结 2 换好了")
    chat.say(RESIDENT + 1, "不满意 还有一盏不亮")  # reopened with a fresh deadline…
    chat.say(1002, "办结 2 两盏都换好了")  # …and finished well inside it
    with sessions() as session:
        week = figures(session, config, "dj-1", week_of(clock.now), clock.now)
    assert (week.resolved_in_time, week.resolved) == (1, 2)


def test_a_bad_rating_that_reopened_a_ticket_counts_in_the_weeks_satisfaction(chat, sessions, config, clock):
    from bot.digest import figures, week_of

    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    chat.say(RESIDENT + 1, "5栋门口的路灯坏了一个多月了")
    for n in (1, 2):
        chat.say(WANG, f"认领 {n}")
        chat.say(WANG, f"办结 {n} 处理好了")
    chat.say(RESIDENT, "满意")
    chat.say(RESIDENT + 1, "不满意 只修了一盏")  # reopened: the ticket is not closed, the complaint still counts
    with sessions() as session:
        week = figures(session, config, "dj-1", week_of(clock.now), clock.now)
    assert (week.satisfied, week.rated) == (1, 2)
    chat.say(WANG, "办结 2 两盏都换好了")
    chat.say(RESIDENT + 1, "满意")
    with sessions() as session:
        week = figures(session, config, "dj-1", week_of(clock.now), clock.now)
    assert (week.satisfied, week.rated) == (2, 3)  # each rating given that week, the 不满意 included


def test_quiet_hours_hold_pings_but_not_urgent_ones(chat, sessions, config, clock):
    clock.now = local("2026-11-23", "21:00")
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    chat.say(RESIDENT, "2栋三楼煤气味特别重 好像漏气了", chat="-1001000000002")
    tick(sessions, config, clock, local("2026-11-23", "23:00"))
    pinged = {m.ticket_id for m in sent(sessions, "unclaimed")}
    assert pinged == {2}
    tick(sessions, config, clock, local("2026-11-24", "07:05"))
    assert {m.ticket_id for m in sent(sessions, "unclaimed")} == {1, 2}


def test_extension_moves_the_deadline_and_tells_the_resident(chat, sessions, clock):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    chat.say(WANG, "认领 1")
    with sessions() as session:
        before = session.get(Ticket, 1).deadline_at
    result = chat.say(LEADER, "延期 1 2 等清运车")
    assert any("延长 2 天" in o.text and o.chat_id == GROUP_1 for o in result.outbounds)
    with sessions() as session:
        assert session.get(Ticket, 1).deadline_at == before + dt.timedelta(days=2)
    chat.say(LEADER, "延期 1 两天 等垃圾车")  # the days as people write them
    with sessions() as session:
        assert session.get(Ticket, 1).deadline_at == before + dt.timedelta(days=4)


def test_transfer_pauses_the_clock(chat, sessions, clock):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    with sessions() as session:
        before = session.get(Ticket, 1).deadline_at
    chat.say(WANG, "转交 1 城管执法中队 占道堆放")
    clock.advance(hours=10)
    chat.say(WANG, "办结 1 城管已清理")
    with sessions() as session:
        assert session.get(Ticket, 1).deadline_at == before + dt.timedelta(hours=10)


def test_a_default_close_falling_in_quiet_hours_waits_for_the_morning(chat, sessions, config, clock):
    clock.now = local("2026-11-23", "22:30")
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    chat.say(WANG, "认领 1")
    chat.say(WANG, "办结 1 已清理")
    tick(sessions, config, clock, local("2026-11-26", "22:35"))  # three days on, at night
    assert not sent(sessions, "auto_closed")
    tick(sessions, config, clock, local("2026-11-27", "07:05"))
    assert len(sent(sessions, "auto_closed")) == 1


def test_rating_reminder_default_close_and_revisit(chat, sessions, config, clock):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    chat.say(WANG, "认领 1")
    chat.say(WANG, "办结 1 已清理")
    resolved = clock.now
    tick(sessions, config, clock, resolved + dt.timedelta(hours=25))
    tick(sessions, config, clock, resolved + dt.timedelta(hours=30))
    assert len(sent(sessions, "rating_prompt")) == 2  # the prompt at 办结 and one reminder
    assert sent(sessions, "rating_prompt")[1].text.startswith(f"@居民{RESIDENT} #1 已办结")  # the resident is pinged
    assert "11月26日 09:30 前未评价将按默认满意归档" in sent(sessions, "rating_prompt")[1].text  # by when, as a date
    tick(sessions, config, clock, resolved + dt.timedelta(days=3, minutes=1))
    with sessions() as session:
        ticket = session.get(Ticket, 1)
        assert (ticket.status, ticket.rating) == ("closed", "default")
    assert len(sent(sessions, "auto_closed")) == 1
    tick(sessions, config, clock, resolved + dt.timedelta(days=10, minutes=2))
    tick(sessions, config, clock, resolved + dt.timedelta(days=10, hours=5))
    revisit = sent(sessions, "revisit")
    assert len(revisit) == 1 and "【回访】" in revisit[0].text
    result = chat.say(RESIDENT, "评价 1 不满意 又堆满了")
    assert any("已重新打开" in o.text for o in result.outbounds)


def test_weekly_digest_goes_to_groups_and_admins_before_the_talk_day(chat, sessions, config, clock):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    chat.say(WANG, "认领 1")
    chat.say(WANG, "办结 1 已清理")
    chat.say(RESIDENT, "满意")
    tick(sessions, config, clock, local("2026-11-30", "17:00"))
    digests = sent(sessions, "digest")
    group = [d for d in digests if d.chat_id == GROUP_1]
    assert len(group) == 1 and any(d.chat_id == str(ADMIN) for d in digests)
    text = group[0].text
    assert "新受理 1 件" in text and "办结归档 1 件" in text and "响应率 100%" in text and "满意率 100%" in text
    tick(sessions, config, clock, local("2026-11-30", "17:30"))
    assert len(sent(sessions, "digest")) == len(digests)


def test_posts_missed_while_down_go_out_within_grace_and_are_dropped_after(chat, sessions, config, clock, caplog):
    chat.say(RESIDENT, "你好")  # Monday 09:30: the bot was running, then went down before the 18:00 notice
    tick(sessions, config, clock, local("2026-11-23", "21:30"))  # notice was due 18:00; grace 6 h
    assert len(sent(sessions, "talk_notice")) == 3
    caplog.clear()
    tick(sessions, config, clock, local("2026-11-24", "14:00"))  # Tuesday agenda was due 09:00; grace 4 h
    assert not [a for a in sent(sessions, "agenda") if a.chat_id == GROUP_1]
    assert "dropped agenda:dj-1:2026-11-24" in caplog.text


def test_posts_due_before_the_bot_first_ran_are_skipped_without_a_warning(sessions, config, clock, caplog):
    """A first start (or the demo) after Tuesday's agenda time has missed nothing: no "missed while down" warning."""
    import logging

    caplog.set_level(logging.INFO, logger="bot.reminders")
    tick(sessions, config, clock, local("2026-11-24", "14:00"))  # a new database; the agenda was due 09:00
    assert not [a for a in sent(sessions, "agenda") if a.chat_id == GROUP_1]
    assert "skipped agenda:dj-1:2026-11-24" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and "dropped" in r.getMessage()]


def test_a_first_start_within_a_posts_grace_does_not_open_with_it(sessions, config, clock):
    """A new deployment started on Monday evening: last week's digest (all zeros) and the notice due an hour ago
    were never missed; the groups' first post from the bot is not an empty 每周简报."""
    tick(sessions, config, clock, local("2026-11-23", "18:30"))  # digest due 17:00, notice 18:00
    assert not sent(sessions, "digest") and not sent(sessions, "talk_notice")
    tick(sessions, config, clock, local("2026-11-24", "09:00"))  # what falls due after the start goes out
    assert [a.chat_id for a in sent(sessions, "agenda")].count(GROUP_1) == 1


async def test_scheduler_jobs_use_day_names_and_rebuild_on_start(config, sessions, clock):
    async def run_db(fn, *args):
        return fn(*args)

    clock.now = local("2026-11-23", "18:05")
    pokes = []
    scheduler = Scheduler(config, sessions, run_db, clock, lambda: pokes.append(1))
    jobs = dict(scheduler.jobs())
    assert set(jobs) == {"tick", "agenda:tue-0900", "notice:tue-0900", "agenda:wed-1930", "notice:wed-1930"}
    assert "day_of_week='tue'" in str(jobs["agenda:tue-0900"]) and "day_of_week='wed'" in str(jobs["agenda:wed-1930"])
    assert "day_of_week='mon'" in str(jobs["notice:tue-0900"])
    await scheduler.start()
    await scheduler.stop()
    assert len(sent(sessions, "talk_notice")) == 3 and pokes
    pokes.clear()
    again = Scheduler(config, sessions, run_db, clock, lambda: pokes.append(1))
    await again.start()  # a restart: the catch-up tick queues nothing twice
    await again.stop()
    assert len(sent(sessions, "talk_notice")) == 3 and not pokes


def test_a_report_at_night_reaches_the_worker_in_the_morning_unless_urgent_or_she_is_awake(chat, sessions, clock):
    clock.now = local("2026-11-24", "01:10")
    chat.say(501, "3栋楼道堆满杂物 好几天了没人管")
    chat.say(502, "1栋楼道里冒烟了 有焦糊味")
    by_kind = {(row.kind, row.chat_id): row.due_at for row in sent(sessions)}
    assert by_kind[("ack", GROUP_1)] == clock.now  # the resident hears at once
    assert by_kind[("assign", "1001")] == local("2026-11-24", "07:00")  # 王芳's 新工单 waits for the morning
    urgent = sent(sessions, kind="urgent")
    assert len(urgent) == 3 and all(row.due_at == clock.now for row in urgent)  # worker, leader, secretary
    chat.say(1001, "我的工单", chat="1001")  # she is up: nothing of hers waits any longer
    assert all(row.due_at <= clock.now for row in sent(sessions, chat="1001"))


def test_a_reply_to_the_call_for_topics_is_a_topic(chat, sessions, config, clock):
    tick(sessions, config, clock, local("2026-11-23", "18:00"))
    notice = sent(sessions, "talk_notice", GROUP_1)[0]
    with sessions() as session, session.begin():
        session.get(OutboxMessage, notice.id).platform_message_id = "880"
    topic = chat.say(502, "小区里的健身器材太少了，能不能多装几个", reply_to="880")
    assert [o.text for o in topic.outbounds] == [
        "已收录为说事日议题1：小区里的健身器材太少了，能不能多装几个。说事日会一起商议。"
    ]
    assert chat.say(503, "好的", reply_to="880").outbounds == []
    assert chat.say(2001, "好的大家积极提", reply_to="880").outbounds == []  # the leader is not proposing a topic
    report = chat.say(505, "5栋电梯坏了三天了 老人下不了楼 赶紧派人修", reply_to="880")  # a report, not a topic
    assert [o.text[:6] for o in report.outbounds if o.chat_id == GROUP_1] == ["已受理 #1"]
    fire = chat.say(504, "3栋着火了 快来人", reply_to="880")
    assert any(o.kind == "urgent_ack" for o in fire.outbounds)
    with sessions() as session:
        assert session.query(Ticket).count() == 2


def test_a_dm_held_for_the_morning_holds_up_nothing_behind_it(chat, sessions, config, clock):
    from bot.outbox import OutboxSender

    async def run_db(fn, *args):
        return fn(*args)

    clock.now = local("2026-11-24", "01:10")
    chat.say(501, "3栋楼道堆满杂物 好几天了没人管")  # 王芳's 新工单 waits for the morning
    chat.say(505, "4栋楼道堆满杂物 好几天了没人管")  # and 李娜's
    clock.now = local("2026-11-24", "01:40")
    fire = chat.say(502, "3栋楼道里冒烟了 有焦糊味")
    routed = next(o.chat_id for o in fire.outbounds if o.kind == "urgent" and o.chat_id in ("1001", "1002"))
    assert [row.kind for row in sent(sessions, chat=routed)][0] == "assign"  # a held DM heads her chat
    chat.say(503, "3栋楼道里杂物太多了 都堆到门口了")  # a 附议 of the litter: about no urgent ticket, held
    sender = OutboxSender(sessions, None, config, run_db, clock)
    due = {row_id: chat_id for row_id, chat_id in sender._due()}
    urgent = [row for row in sent(sessions, kind="urgent", chat=routed)]
    assert urgent and all(row.id in due for row in urgent)  # not stuck behind the held 新工单
    assert sender._load(urgent[0].id) is not None
    assert [row.kind for row in sent(sessions, chat="1001") if row.id not in due] != []  # the held ones still wait
    # The worker acting at night is awake: her own confirmation is not held.
    claimed = chat.say(1001, "认领 1")
    assert all(o.due_at is None for o in claimed.outbounds if o.chat_id == "1001")


def test_an_ask_to_claim_held_overnight_is_dropped_once_a_colleague_claims(chat, sessions, clock):
    clock.now = local("2026-11-24", "23:30")
    chat.say(501, "3栋楼道堆满杂物 好几天了没人管")  # 王芳's 新工单 held for 07:00
    chat.say(502, "4栋楼道堆满杂物 好几天了没人管")  # 李娜's
    chat.say(503, "3栋楼道也太乱了 杂物堆得下不去脚")  # a 附议 of #1 for 王芳, held too
    clock.now = local("2026-11-24", "23:40")
    chat.say(1002, "认领 1")  # 李娜 takes 王芳's at night
    chat.say(502, "撤销 2")  # and the second is withdrawn
    waiting = [(row.chat_id, row.ticket_id) for row in sent(sessions, kind="assign") if row.status == "pending"]
    assert waiting == []
    assert {row.status for row in sent(sessions, kind="assign")} == {"superseded"}
    news = [
        (row.chat_id, row.status)
        for row in sent(sessions, kind="support")
        if row.ticket_id == 1 and not row.chat_id.startswith("-")
    ]
    assert news == [("1002", "pending")]  # the 附议 reaches 李娜, who now works on it


def test_the_secretary_is_told_how_late_a_ticket_really_is(chat, sessions, config, clock):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    with sessions() as session:
        deadline = session.get(Ticket, 1).deadline_at
    tick(sessions, config, clock, deadline + dt.timedelta(days=5, minutes=1))  # first look in five days (a restart)
    to_secretary = [m.text for m in sent(sessions, "reminder") if m.chat_id == str(SECRETARY)]
    assert len(to_secretary) == 1 and "已超期 5 天，请书记督办" in to_secretary[0], to_secretary
