"""Numbered ticket commands (认领 12, 办结 12 说明 …) turned into actions, with the usage hint on bad arguments."""

from __future__ import annotations

from sqlalchemy import and_, or_, select

from bot import actions, texts
from bot.commands import parse_rating
from bot.messages import Inbound
from bot.models import Ticket
from bot.places import count_of
from bot.tickets import Context, reopen_window, reported_by
from bot.workflow import OPEN_STATUSES, Refusal, Status


def starts_with_number(text: str) -> bool:
    """Whether the arguments start with a number (days, in "延期 12 3 等配件")."""
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    return first.removesuffix("天").replace(".", "", 1).isdigit()


def run_ticket_command(ctx: Context, name: str, number: int, args: str, photo_id: str | None = None) -> None:
    """Run one numbered command; bad arguments raise a Refusal carrying the usage hint."""
    if name == "claim":
        actions.claim(ctx, number)
    elif name == "resolve":
        actions.resolve(ctx, number, args, photo_id)
    elif name == "transfer":
        department, _, reason = args.partition(" ")
        if not department:
            raise Refusal(texts.USAGE["transfer"])
        actions.transfer(ctx, number, department, reason.strip())
    elif name == "progress":
        actions.progress(ctx, number)
    elif name == "rate":
        rating = parse_rating(args)
        if rating is None:
            raise Refusal(texts.USAGE["rate"])
        actions.rate(ctx, number, *rating)
    elif name == "extend":
        days_text, _, reason = args.partition(" ")
        days = count_of(days_text.removesuffix(texts.DAY))  # "延期 3 两天 等垃圾车": 两天 is 2
        if days is None:
            raise Refusal(texts.USAGE["extend"])
        actions.extend(ctx, number, days, reason.strip())
    elif name == "reassign":
        if not args:
            raise Refusal(texts.USAGE["reassign"])
        actions.reassign(ctx, number, args.split()[0])
    elif name == "close":
        actions.close(ctx, number, args.strip())
    elif name == "cancel":
        actions.cancel(ctx, number)
    elif name == "note":
        if not args:
            raise Refusal(texts.USAGE["note"])
        actions.add_note(ctx, number, args)
    elif name == "recategorize":
        if not args:
            raise Refusal(texts.USAGE["recategorize"])
        actions.recategorize(ctx, number, args.split()[0])


def awaiting_rating(ctx: Context, msg: Inbound, rating: str | None) -> list[int]:
    """The sender's tickets a bare 满意/不满意 can be about, newest first.

    The reporter's and every 附议 resident's (all are asked to confirm); one awaiting a rating, or for
    不满意 also one closed lately (the 回访 asks for "不满意 原因") or already back in work.
    """
    mine = reported_by(msg.user_id)
    about = Ticket.status == Status.RESOLVED.value
    if rating == "bad":
        about = or_(
            about,
            Ticket.status == Status.REOPENED.value,
            (Ticket.status == Status.CLOSED.value) & (Ticket.closed_at >= ctx.now - reopen_window(ctx.config)),
        )
    if msg.chat_type == "group":  # said in a group: about a ticket of that group, not of another grid's
        about = and_(about, Ticket.source_chat_id == msg.chat_id)
    return list(
        ctx.session.execute(
            select(Ticket.id).where(mine, about).order_by(Ticket.updated_at.desc(), Ticket.id.desc()).limit(5)
        ).scalars()
    )


def in_hand(ctx: Context) -> list[int]:
    """The tickets the sender has claimed and not finished, newest first: what "办结 已清理完毕" without a number
    is about when there is only one."""
    held = (Status.CLAIMED.value, Status.REOPENED.value, Status.TRANSFERRED.value)
    return list(
        ctx.session.execute(
            select(Ticket.id)
            .where(Ticket.assignee_id == ctx.actor.user_id, Ticket.status.in_(held))
            .order_by(Ticket.id.desc())
            .limit(5)
        ).scalars()
    )


def still_in_work(ctx: Context, msg: Inbound) -> list[int]:
    """The sender's tickets (reported or joined) not finished yet, newest first: what a 满意 typed too early is
    about."""
    return list(
        ctx.session.execute(
            select(Ticket.id)
            .where(reported_by(msg.user_id), Ticket.status.in_([s.value for s in OPEN_STATUSES]))
            .order_by(Ticket.id.desc())
            .limit(5)
        ).scalars()
    )
