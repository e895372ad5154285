"""A backlog folded into one message never grows past what the platform delivers whole."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.models import OutboxMessage
from bot.outbox import OutboxSender

GROUP = "-1001000000001"


class Telegramish:
    platform = "telegram"
    max_text = 4096


def queue_followups(sessions, now, count: int) -> list[int]:
    with sessions() as session, session.begin():
        rows = [
            OutboxMessage(
                chat_id=GROUP,
                text=f"#{n} 居民补充了情况：楼道里的杂物还没有清走，晚上上下楼很不方便，希望尽快安排人来处理。\n详情",
                buttons=[],
                mentions=[],
                kind="followup",
                ticket_id=n,
                due_at=now,
                created_at=now,
            )
            for n in range(1, count + 1)
        ]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def test_a_long_backlog_is_summarised_in_whole_messages_and_nothing_is_cut(sessions, config, clock):
    ids = queue_followups(sessions, clock(), 150)  # ~60 characters a line: far more than one message holds

    async def run_db(fn, *args):
        return fn(*args)

    sender = OutboxSender(sessions, Telegramish(), config, run_db, clock)
    covered: list[int] = []
    messages = []
    while len(covered) < len(ids):
        message, row_ids = sender._load(ids[len(covered)])
        sender._sent(row_ids, str(len(messages) + 1))
        covered += row_ids
        messages.append(message.text)
    assert covered == ids  # every row exactly once, in order
    assert 2 <= len(messages) <= 4  # folded: a few messages rather than 150, or one cut short
    assert all(len(text) <= 4096 for text in messages)
    with sessions() as session:
        heads = [t.splitlines()[0] for t in session.scalars(select(OutboxMessage.text).order_by(OutboxMessage.id))]
    shown = "\n".join(messages).splitlines()
    assert shown == heads  # each notice's line whole, none cut off with "…"


def test_the_same_notice_twice_in_a_backlog_is_read_once(sessions, config, clock):
    now = clock()
    with sessions() as session, session.begin():
        added, claimed = "已补充到 #2，网格员会一并查看。", "#3 已由网格员 王芳 认领，正在处理。"
        for text in (added, claimed, added):
            session.add(
                OutboxMessage(
                    chat_id=GROUP, text=text, buttons=[], mentions=[], kind="followup", due_at=now, created_at=now
                )
            )
        session.flush()

    async def run_db(fn, *args):
        return fn(*args)

    sender = OutboxSender(sessions, Telegramish(), config, run_db, clock)
    with sessions() as session:
        first = session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id))
    message, ids = sender._load(first)
    assert message.text.splitlines() == ["已补充到 #2，网格员会一并查看。", "#3 已由网格员 王芳 认领，正在处理。"]
    assert len(ids) == 3


def test_a_round_of_re_pings_reaches_the_group_as_one_message_naming_every_ticket(chat, sessions, config, clock):
    from sqlalchemy import update

    from bot.scheduler import run_due

    for n in range(1, 6):
        chat.say(600 + n, f"{n}栋楼道堆满杂物 好几天了没人管")
    with sessions() as session, session.begin():
        session.execute(update(OutboxMessage).values(status="sent"))  # the acks went out when they were made
    clock.now += dt.timedelta(minutes=31)
    run_due(sessions, config, clock.now)

    async def run_db(fn, *args):
        return fn(*args)

    sender = OutboxSender(sessions, Telegramish(), config, run_db, clock)
    with sessions() as session:
        first = session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.chat_id == GROUP, OutboxMessage.status == "pending")
        )
    message, ids = sender._load(first)
    assert len(ids) == 5
    assert "#1 #2 #3 #4 #5 共 5 件还没有人认领" in message.text
    assert {m.name for m in message.mentions} == {"王芳", "李娜"}  # each worker notified once


def test_a_workers_summary_of_supporters_is_written_for_the_worker(sessions, config, clock):
    from bot.models import OutboxMessage
    from bot.outbox import summarize

    now = clock()
    rows = [
        OutboxMessage(chat_id="1001", text=f"#1 新增附议：居民{n}", kind="support", ticket_id=1,
                      mentions=[{"user_id": str(700 + n), "name": f"居民{n}"}], buttons=[], due_at=now, created_at=now)
        for n in range(3)
    ]
    assert summarize(rows).text == "#1 新增 3 位居民附议：居民0、居民1、居民2。"


def test_a_summary_in_an_at_bot_only_group_still_says_how_to_address_the_bot(clock):
    from bot import texts
    from bot.models import OutboxMessage
    from bot.outbox import summarize

    now = clock()
    rows = [
        OutboxMessage(chat_id="-1001000000003", kind="unclaimed",
                      text=f"@周磊 #{n} 还没有人认领，请尽快认领：回复“认领 {n}”。\n{texts.ADDRESS_ME}",
                      ticket_id=n, mentions=[{"user_id": "1005", "name": "周磊"}], buttons=[], due_at=now,
                      created_at=now)
        for n in (1, 2)
    ]
    text = summarize(rows).text
    assert "#1 #2 共 2 件还没有人认领" in text and text.count(texts.ADDRESS_ME) == 1
