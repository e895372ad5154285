"""周二说事日: topics collected from the group, the agenda of open matters, and decisions reported back.

The six steps map onto ticket states: 网格问事 (new), 商议说事 (the talk day), 具体解事 (claimed),
反馈息事 (resolved), 回访宁事 (rating and 回访), 归档完事 (closed).
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from bot import texts, tickets
from bot.config import Grid
from bot.models import Ticket, Topic
from bot.tickets import Context, Report
from bot.workflow import OPEN_STATUSES, Refusal

_DECISION_RE = re.compile(r"^议题\s*[#＃]?([0-9]+)\s*(.*)$", re.DOTALL)


def add_topic(ctx: Context, grid: Grid, text: str, message_id: str | None) -> Topic:
    """议题征集: a resident's topic for the next talk day."""
    text = text.strip()
    if not text:
        raise Refusal(texts.USAGE["topic"])
    same = ctx.session.execute(
        select(Topic).where(Topic.grid_id == grid.id, Topic.status == "open", Topic.text == text)
    ).scalar()
    if same is not None:  # sent twice (a resend, or a neighbour's copy): one topic on the agenda
        ctx.reply(texts.topic_already_in(same.id), kind="topic")
        return same
    topic = Topic(
        grid_id=grid.id,
        text=text,
        user_id=ctx.actor.user_id,
        user_name=ctx.actor.name,
        source_message_id=message_id,
        created_at=ctx.now,
    )
    ctx.session.add(topic)
    ctx.session.flush()
    ctx.reply(texts.topic_added(topic.id, text), kind="topic")
    return topic


def decide_topic(ctx: Context, grid: Grid | None, args: str) -> Topic:
    """`决定 议题N 内容` by a leader; with 立案 in front of the content the decision becomes a ticket."""
    match = _DECISION_RE.match(args.strip())
    if not match:
        raise Refusal(texts.USAGE["decide_or_file"])
    number = match.group(1)
    topic = ctx.session.get(Topic, int(number)) if len(number) <= 9 else None  # beyond any integer column
    if topic is None:
        raise Refusal(texts.topic_not_found(match.group(1)))
    if not ctx.actor.supervises(topic.grid_id):
        raise Refusal(texts.REFUSALS["topic_decision_leaders_only"])
    decision = match.group(2).strip()
    if not decision:  # "决定 议题1" alone would lock the topic with no decision in it
        raise Refusal(texts.USAGE["decide_or_file"])
    if topic.status == "decided" and not decision.startswith("立案"):
        # a leader correcting the decision ("决定 议题1 改为下月施工") before it was reported back or filed
        topic.decision, topic.decided_at, topic.reported_at = decision, ctx.now, None
        ctx.reply(texts.decision_updated(topic.id, decision), kind="decision")
        return topic
    if topic.status != "open":
        raise Refusal(texts.topic_already_decided(topic.id, topic.decision))
    topic.status, topic.decision, topic.decided_at = "decided", decision, ctx.now
    make_ticket = decision.startswith("立案")
    if make_ticket:
        decision = decision.removeprefix("立案").strip()
        topic.decision = decision
        grid = ctx.config.grid(topic.grid_id)
        category = ctx.config.category("suggestion") or ctx.config.categories[-1]
        report = Report(
            grid=grid,
            category=category,
            text=texts.topic_ticket_text(topic.id, topic.text, decision),
            why=texts.TOPIC_DECISION_WHY,
            reporter_id=topic.user_id,
            reporter_name=topic.user_name,
        )
        # the resident hears of it, rates and is revisited in the grid's group, wherever the leader typed 决定
        ticket = tickets.open_ticket(ctx, report, grid.chat_id, f"topic-{topic.id}")
        topic.ticket_id, topic.status = ticket.id, "ticket"
    else:
        ctx.reply(texts.decision_recorded(topic.id, decision), kind="decision")
    return topic


def open_topics(session, grid_id: str) -> list[Topic]:
    return list(
        session.execute(
            select(Topic).where(Topic.grid_id == grid_id, Topic.status == "open").order_by(Topic.id)
        ).scalars()
    )


def decisions_to_report(session, grid_id: str) -> list[Topic]:
    return list(
        session.execute(
            select(Topic)
            .where(Topic.grid_id == grid_id, Topic.status != "open", Topic.reported_at.is_(None))
            .order_by(Topic.id)
        ).scalars()
    )


AGENDA_TICKETS = 30  # the most pressing open tickets on one agenda; the rest are counted, not listed


def open_tickets(session, grid_id: str, limit: int = AGENDA_TICKETS) -> list[Ticket]:
    return list(session.execute(_open_in(grid_id, select(Ticket)).order_by(Ticket.deadline_at).limit(limit)).scalars())


def count_open_tickets(session, grid_id: str) -> int:
    return session.execute(_open_in(grid_id, select(func.count()).select_from(Ticket))).scalar_one()


def _open_in(grid_id: str, query):
    return query.where(Ticket.grid_id == grid_id, Ticket.status.in_([s.value for s in OPEN_STATUSES]))
