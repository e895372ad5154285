"""Wording a resident reads: no English ids, no doubled words or punctuation, the grid's own talk day."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from bot.models import OutboxMessage, Ticket
from bot.scheduler import run_due
from tests.conftest import GROUP_1

RESIDENT, NEIGHBOUR, WANG, LEADER = 501, 502, 1001, 2001
GROUP_4 = "-1001000000004"  # dj-4 talks on Wednesday


def test_progress_after_a_category_change_names_the_categories(chat):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    chat.say(LEADER, "改类 1 设施维修")
    progress = chat.say(RESIDENT, "进度 1").outbounds[0].text
    assert "环境卫生 → 设施维修" in progress and "sanitation" not in progress


def test_progress_after_a_supporter_does_not_repeat_the_step(chat):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    chat.say(NEIGHBOUR, "3栋楼道也太乱了 杂物堆得下不去脚")  # the same place and matter: 附议
    progress = chat.say(RESIDENT, "进度 1").outbounds[0].text
    assert "附议" in progress and "附议：附议" not in progress


def test_a_topic_ending_in_a_full_stop_is_not_doubled(chat):
    reply = chat.say(RESIDENT, "议题 建议在3栋门口加装路灯。").outbounds[0].text
    assert "加装路灯。说事日" in reply and "。。" not in reply


def test_the_agenda_names_the_grids_own_talk_day(chat, sessions, config, clock):
    tuesday_9am = dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC)
    wednesday_7_30pm = dt.datetime(2026, 11, 25, 11, 30, tzinfo=dt.UTC)
    for moment in (tuesday_9am, wednesday_7_30pm):
        clock.now = moment
        run_due(sessions, config, moment)
    with sessions() as session:
        agendas = {
            m.chat_id: m.text.splitlines()[0]
            for m in session.query(OutboxMessage).filter(OutboxMessage.kind == "agenda")
        }
    assert agendas[GROUP_1].startswith("【周二说事日·议程】")
    assert agendas[GROUP_4].startswith("【周三说事日·议程】")


def test_an_unclaimed_overdue_ticket_reads_the_same_to_the_leader_and_on_the_agenda(chat, sessions, config, clock):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")  # sanitation: 24 hours to finish
    with sessions() as session:
        deadline = session.get(Ticket, 1).deadline_at
    for moment in (deadline + dt.timedelta(minutes=1), dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC)):
        clock.now = moment
        run_due(sessions, config, moment)
    with sessions() as session:
        to_leader = session.scalars(
            select(OutboxMessage.text).where(
                OutboxMessage.chat_id == str(LEADER), OutboxMessage.text.contains("【督办】#1")
            )
        ).all()
        agenda = session.scalars(
            select(OutboxMessage.text).where(OutboxMessage.kind == "agenda", OutboxMessage.chat_id == GROUP_1)
        ).one()
    # One word for "nobody has claimed it" and one for "past its deadline", wherever they are shown.
    assert sorted(text.splitlines()[0] for text in to_leader) == [
        "【督办】#1 已 24 小时无人认领，请安排。",
        "【督办】#1（待认领）已超过办结时限，请督促办理。",
    ]
    line = next(line for line in agenda.splitlines() if "#1 " in line)
    # "待认领" once, not "待认领｜待认领"; and the step of the six it stands at (网格问事: asked, not yet taken up)
    assert line.startswith("  ⚠️已超期 #1 环境卫生｜待认领（网格问事）｜3栋楼道")
    assert line.endswith("｜3栋楼道堆满杂物 好几天了没人管")  # whole when short…
    sections = [line[:2] for line in agenda.splitlines() if line[:2] in ("一、", "二、", "三、")]
    assert sections == ["一、", "二、", "三、"]  # numbered from one though no decision is reported back


def test_an_agenda_with_more_open_tickets_than_it_lists_says_how_many_more(chat, sessions, config, clock):
    for n in range(1, 33):
        chat.say(600 + n, f"{n}栋楼道堆满杂物 好几天了没人管")
    clock.now = dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC)  # Tuesday 09:00
    run_due(sessions, config, clock.now)
    with sessions() as session:
        agenda = session.scalars(
            select(OutboxMessage.text).where(OutboxMessage.kind == "agenda", OutboxMessage.chat_id == GROUP_1)
        ).one()
        opened = session.scalar(select(func.count()).select_from(Ticket).where(Ticket.grid_id == "dj-1"))
    listed = [line for line in agenda.splitlines() if line.lstrip().startswith(("#", "⚠️"))]
    assert opened == 32 and len(listed) == 30
    assert "另有 2 件未列出" in agenda


def test_people_are_named_with_their_own_title(chat):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    claimed = chat.say(3001, "认领 1").outbounds  # the secretary claims it himself
    assert any(o.text.startswith("#1 已由社区书记 张书记 认领") for o in claimed if o.chat_id == GROUP_1)
    chat.say(3001, "办结 1 已清理")
    reopened = [o.text for o in chat.say(RESIDENT, "不满意 没清干净").outbounds if o.chat_id == GROUP_1]
    assert "已请网格长陈建国督办" in reopened[0]


def test_a_resident_writing_privately_hears_progress_where_they_wrote(chat):
    resident = "777"
    chat.say(resident, "网格 dj-1", chat=resident)
    reported = chat.say(resident, "3栋楼道堆满杂物 好几天了没人管", chat=resident)
    ack = [o.text for o in reported.outbounds if o.chat_id == resident]
    assert "办理进展会在这里告诉您" in ack[0] and "群里" not in ack[0]
    chat.say(1001, "认领 1")
    prompt = [o.text for o in chat.say(1001, "办结 1 已清理").outbounds if o.chat_id == resident]
    assert "请您确认是否解决" in prompt[0]


def test_a_long_report_is_cut_with_an_ellipsis_in_one_line_listings(chat):
    long = "3栋楼道堆满杂物 好几天了没人管 电动车也推进来充电 消防通道都堵死了 晚上黑灯瞎火的"
    chat.say(RESIDENT, long)
    mine = chat.say(RESIDENT, "我的工单").outbounds[0].text
    assert f"｜{long[:20]}…" in mine
