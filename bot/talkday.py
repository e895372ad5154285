"""周二说事日: topics collected from the group, the agenda of open matters, and decisions reported back.

The six steps map onto ticket states: 网格问事 (new), 商议说事 (the talk day), 具体解事 (claimed),
反馈息事 (resolved), 回访宁事 (rating and 回访), 归档完事 (closed).
"""

from __future__ import annotations

import re

from sqlalchemy import select

from bot import tickets
from bot.config import Grid
from bot.models import Ticket, Topic
from bot.tickets import Context, Report
from bot.workflow import OPEN_STATUSES, Refusal

SIX_STEPS = "网格问事 → 商议说事 → 具体解事 → 反馈息事 → 回访宁事 → 归档完事"
_DECISION_RE = re.compile(r"^议题\s*[#＃]?([0-9]+)\s*(.*)$", re.DOTALL)


def add_topic(ctx: Context, grid: Grid, text: str, message_id: str | None) -> Topic:
    """议题征集: a resident's topic for the next talk day."""
    text = text.strip()
    if not text:
        raise Refusal("请写上议题内容，例如：议题 建议在3栋门口加装路灯")
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
    ctx.reply(f"已收录为说事日议题{topic.id}：{text}。说事日会一起商议。", kind="topic")
    return topic


def decide_topic(ctx: Context, grid: Grid | None, args: str) -> Topic:
    """`决定 议题N 内容` by a leader; with 立案 in front of the content the decision becomes a ticket."""
    match = _DECISION_RE.match(args.strip())
    if not match:
        raise Refusal("请写明议题编号和决定，例如：决定 议题3 下周安排施工（要派单办理就写：决定 议题3 立案 内容）")
    number = match.group(1)
    topic = ctx.session.get(Topic, int(number)) if len(number) <= 9 else None  # beyond any integer column
    if topic is None:
        raise Refusal(f"没有找到议题{match.group(1)}。")
    if not ctx.actor.supervises(topic.grid_id):
        raise Refusal("抱歉，议题的决定需要本网格的网格长或社区书记记录。")
    if topic.status != "open":
        raise Refusal(f"议题{topic.id} 已经有决定了：{topic.decision}")
    decision = match.group(2).strip()
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
            text=f"议题{topic.id}：{topic.text}（决定：{decision}）",
            why="说事日决定",
        )
        ticket = tickets.open_ticket(ctx, report, ctx.chat_id or grid.chat_id, f"topic-{topic.id}")
        topic.ticket_id, topic.status = ticket.id, "ticket"
    else:
        ctx.reply(f"已记录议题{topic.id}的决定：{decision or '已商议'}。下次说事日向大家反馈。", kind="decision")
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


def open_tickets(session, grid_id: str, limit: int = 30) -> list[Ticket]:
    return list(
        session.execute(
            select(Ticket)
            .where(Ticket.grid_id == grid_id, Ticket.status.in_([s.value for s in OPEN_STATUSES]))
            .order_by(Ticket.deadline_at)
            .limit(limit)
        ).scalars()
    )
