"""网格接单 onwards: what workers, leaders and residents do to a ticket, each step logged and announced."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import func, or_, select

from bot import routing, texts
from bot.config import Role, Worker
from bot.deadlines import add_working_days, deadline_for, past_deadline
from bot.models import Ticket, TicketEvent
from bot.tickets import (
    Context,
    authorize,
    claim_buttons,
    closed_already,
    dm,
    drop_held_asks,
    grid_chat,
    load,
    log,
    may_reopen,
    owner_of,
    rating_buttons,
    reported_by,
    tell_reporters,
)
from bot.workflow import ACTIVE_STATUSES, OPEN_STATUSES, Action, Refusal, Status

GOOD_RATINGS = ("good", "fair")


def _resume_clock(ctx: Context, ticket: Ticket) -> None:
    """Time spent with another department does not count against the grid's deadline."""
    if ticket.paused_at is not None:
        ticket.deadline_at += ctx.now - ticket.paused_at
        ticket.paused_at = None


def claim(ctx: Context, number: int) -> Ticket:
    ticket = load(ctx, number, lock=True)
    if ticket.status == Status.CLAIMED and ctx.actor.is_staff:
        if ticket.assignee_id == ctx.actor.user_id:
            raise Refusal(texts.REFUSALS["already_yours"].format(n=ticket.id))
        raise Refusal(texts.REFUSALS["already_claimed"].format(n=ticket.id, owner=ticket.assignee_name))
    authorize(ctx, Action.CLAIM, ticket)
    before = ticket.status
    ticket.status = Status.CLAIMED.value
    ticket.assignee_id = ctx.actor.user_id
    ticket.assignee_name = ctx.actor.name
    ticket.claimed_at = ticket.claimed_at or ctx.now
    log(ctx, ticket, "claim", "", before)
    drop_held_asks(ctx, ticket)
    tell_reporters(
        ctx, ticket, texts.claimed_group(ticket.id, ctx.actor.name, texts.ROLE_NAMES[ctx.actor.role]), kind="claimed"
    )
    told = texts.claimed_dm(ticket.id, ctx.when(ticket.deadline_at), overdue=ticket.deadline_at < ctx.now)
    if ctx.chat_id != ctx.actor.user_id:
        ctx.send(ctx.actor.user_id, told, ticket_id=ticket.id, kind="claimed_dm")
    else:
        ctx.reply(told, ticket_id=ticket.id, kind="claimed_dm")
    return ticket


def resolve(ctx: Context, number: int, note: str, photo_id: str | None = None) -> Ticket:
    ticket = load(ctx, number, lock=True)
    authorize(ctx, Action.RESOLVE, ticket)
    before = ticket.status
    _resume_clock(ctx, ticket)
    if ticket.assignee_id is None:
        ticket.assignee_id, ticket.assignee_name = ctx.actor.user_id, ctx.actor.name
    ticket.status = Status.RESOLVED.value
    ticket.resolved_at = ctx.now
    ticket.resolution = note
    log(ctx, ticket, "resolve", note, before, attachment=photo_id)
    owner = ctx.config.worker(ticket.assignee_id or "")
    _tell_owner(ctx, ticket, owner, texts.resolved_by_other_dm(ticket.id, ctx.actor.name, note), "resolved_dm")
    tell_reporters(
        ctx,
        ticket,
        lambda who: texts.resolved_group(ticket.id, ctx.actor.name, note, who, texts.ROLE_NAMES[ctx.actor.role]),
        kind="rating_prompt",
        buttons=rating_buttons(ticket),
        mention=True,
        photo_id=photo_id,  # residents see the finished work and rate it
    )
    if ctx.chat_id != grid_chat(ctx, ticket):
        ctx.reply(texts.resolved_dm(ticket.id), ticket_id=ticket.id, kind="resolved_dm")
    return ticket


def transfer(ctx: Context, number: int, department: str, reason: str) -> Ticket:
    ticket = load(ctx, number, lock=True)
    authorize(ctx, Action.TRANSFER, ticket)
    known = ctx.config.departments
    if known and department not in known:
        raise Refusal(texts.unknown_department(department, "、".join(known)))
    before = ticket.status
    if ticket.assignee_id is None:
        ticket.assignee_id, ticket.assignee_name = ctx.actor.user_id, ctx.actor.name
        ticket.claimed_at = ticket.claimed_at or ctx.now
    ticket.status = Status.TRANSFERRED.value
    ticket.department = department
    ticket.paused_at = ctx.now
    log(ctx, ticket, "transfer", f"{department} {reason}".strip(), before)
    tell_reporters(ctx, ticket, texts.transferred_group(ticket.id, department, reason), kind="transferred")
    if ctx.chat_id != grid_chat(ctx, ticket):
        ctx.reply(
            texts.transferred_dm(ticket.id, department),
            ticket_id=ticket.id,
            kind="transferred_dm",
        )
    return ticket


def rate(ctx: Context, number: int, rating: str, reason: str = "") -> Ticket:
    """满意/基本满意 archive the ticket; 不满意 reopens it and escalates to the grid leader."""
    ticket = load(ctx, number, lock=True)
    if rating == "bad" and ticket.status in (Status.NEW, Status.CLAIMED, Status.REOPENED):
        return _complain_again(ctx, ticket, reason)
    if rating == "bad":
        return reopen(ctx, ticket, reason)
    if ticket.status == Status.CLOSED:
        raise Refusal(closed_already(ctx, ticket))
    authorize(ctx, Action.RATE, ticket)
    before = ticket.status
    ticket.status = Status.CLOSED.value
    ticket.rating = rating
    ticket.rating_reason = reason
    ticket.closed_at = ctx.now
    log(ctx, ticket, "rate", texts.RATING_NAMES[rating] + (f" {reason}" if reason else ""), before)
    ctx.reply(texts.rated_good(ticket.id, texts.RATING_NAMES[rating]), ticket_id=ticket.id, kind="rated")
    return ticket


def reopen(ctx: Context, ticket: Ticket, reason: str) -> Ticket:
    authorize(ctx, Action.REOPEN, ticket)
    if not may_reopen(ctx, ticket):  # an old rating button, or "评价 1 不满意", long after it was archived
        raise Refusal(texts.rating_window_closed(ticket.id))
    before = ticket.status
    ticket.status = Status.REOPENED.value
    ticket.rating = "bad"
    ticket.rating_reason = reason
    ticket.escalation_level = max(ticket.escalation_level, 1)
    ticket.closed_at = ticket.resolved_at = None  # back in work: the ledger shows no 办结时间 until it is done again
    grid_tz = ctx.config.tz
    category = ctx.config.category(ticket.category)
    if category is not None and category.working_days:
        ticket.deadline_at = add_working_days(ctx.now, category.working_days, grid_tz, ctx.config.calendar)
    elif category is not None:
        ticket.deadline_at = ctx.now + dt.timedelta(hours=category.deadline_hours)
    log(ctx, ticket, "reopen", texts.rated_bad_detail(reason), before)
    supervisors = routing.leaders_of(ctx.config, ticket.grid_id) or routing.secretaries(ctx.config)
    ctx.reply(texts.rated_bad_group(ticket.id, texts.titled(supervisors)), ticket_id=ticket.id, kind="reopened")
    owner = ctx.config.worker(ticket.assignee_id or "")
    note = texts.reopened_dm(ticket.id, reason, ticket.assignee_name or texts.OWNER_WHEN_UNCLAIMED)
    dm(ctx, owner, ticket, note, kind="reopened_dm", buttons=claim_buttons(ticket) if owner is None else None)
    for leader in supervisors:
        if leader is not owner:
            dm(ctx, leader, ticket, note, kind="escalation")
    return ticket


def _complain_again(ctx: Context, ticket: Ticket, reason: str) -> Ticket:
    """不满意 about a ticket still in work (back in work, or never finished): the complaint reaches its owner, or
    the grid's leaders while nobody has claimed it, instead of being lost."""
    authorize(ctx, Action.COMPLAIN, ticket)
    log(ctx, ticket, "complaint", texts.rated_bad_detail(reason))
    owner = ctx.config.worker(ticket.assignee_id or "")
    if owner is not None:
        told = [owner]
    else:  # nobody has claimed it: those who 督办
        told = routing.leaders_of(ctx.config, ticket.grid_id) or routing.secretaries(ctx.config)
    again = ticket.status == Status.REOPENED
    if again:
        answer = texts.complaint_on_reopened(ticket.id)
    else:
        answer = texts.complaint_before_done(ticket.id, texts.titled(told))
    ctx.reply(answer, ticket_id=ticket.id, kind="complaint")
    text = texts.complaint_dm(ticket.id, ctx.actor.name, reason, reopened=again)
    for worker in told:
        dm(ctx, worker, ticket, text, kind="complaint_dm")
    return ticket


def extend(ctx: Context, number: int, days: float, reason: str) -> Ticket:
    ticket = load(ctx, number, lock=True)
    authorize(ctx, Action.EXTEND, ticket)
    if not 1 <= days <= 365:
        raise Refusal(texts.REFUSALS["extend_days_range"])
    ticket.deadline_at += dt.timedelta(days=days)
    log(ctx, ticket, "extend", texts.extended_detail(days, reason), ticket.status)
    message = texts.extended(ticket.id, days, reason, ctx.when(ticket.deadline_at))
    tell_reporters(ctx, ticket, message, kind="extended")
    if ctx.chat_id != grid_chat(ctx, ticket):
        ctx.reply(message, ticket_id=ticket.id, kind="extended")
    _tell_owner(ctx, ticket, owner_of(ctx.config, ticket), message, kind="extended_dm")
    return ticket


def _tell_owner(ctx: Context, ticket: Ticket, owner: Worker | None, text: str, kind: str) -> None:
    """首问负责: the worker on a ticket hears of what a supervisor changed on it."""
    if owner is not None and owner.user_id != ctx.actor.user_id:
        dm(ctx, owner, ticket, text, kind=kind)


def reassign(ctx: Context, number: int, worker_name: str) -> Ticket:
    ticket = load(ctx, number, lock=True)
    authorize(ctx, Action.REASSIGN, ticket)
    # Whoever works the grid's matters: its workers and leaders, and the secretary; the admin runs the bot.
    handlers = [w for w in ctx.config.workers_of(ticket.grid_id) if w.role is not Role.ADMIN]
    worker = next((w for w in handlers if w.name == worker_name), None)
    if worker is None:
        raise Refusal(texts.unknown_worker(worker_name, "、".join(w.name for w in handlers)))
    before, previous = ticket.status, owner_of(ctx.config, ticket)
    if previous is worker and ticket.assignee_id == worker.user_id and ticket.status in ACTIVE_STATUSES:
        raise Refusal(texts.already_assigned(ticket.id, worker.name))  # nothing changes: no news to anyone
    _resume_clock(ctx, ticket)
    ticket.assignee_id, ticket.assignee_name = worker.user_id, worker.name
    ticket.status = Status.CLAIMED.value
    ticket.claimed_at = ticket.claimed_at or ctx.now
    log(ctx, ticket, "reassign", worker.name, before)
    told = texts.reassigned(ticket.id, worker.name, texts.ROLE_NAMES[worker.role.value])
    tell_reporters(ctx, ticket, told, kind="reassigned")
    takes_over = worker.user_id == ctx.actor.user_id  # a leader taking the ticket on himself
    if not takes_over:
        dm(
            ctx,
            worker,
            ticket,
            texts.reassigned_dm(ticket.id, ticket.text, ctx.when(ticket.deadline_at)),
            kind="assign",
        )
    if ctx.chat_id != grid_chat(ctx, ticket):
        ctx.reply(told, ticket_id=ticket.id, kind="reassigned")
    if previous is not worker:
        away = (
            texts.taken_over_dm(ticket.id, worker.name)
            if takes_over
            else texts.reassigned_away_dm(ticket.id, ctx.actor.name, worker.name)
        )
        _tell_owner(ctx, ticket, previous, away, "reassigned_dm")
    return ticket


def close(ctx: Context, number: int, reason: str = "") -> Ticket:
    ticket = load(ctx, number, lock=True)
    authorize(ctx, Action.CLOSE, ticket)
    before = ticket.status
    ticket.status = Status.CLOSED.value
    ticket.closed_at = ctx.now
    log(ctx, ticket, "close", reason, before)
    drop_held_asks(ctx, ticket)
    if before not in (Status.RESOLVED.value, Status.CLOSED.value):  # still being worked on: the worker stops
        owner = owner_of(ctx.config, ticket)
        _tell_owner(ctx, ticket, owner, texts.closed_dm(ticket.id, ctx.actor.name), "closed_dm")
    # archived over the resident's head (a reopened, disputed one above all): they are named and told why
    _announce_staff_decision(ctx, ticket, lambda who: texts.closed_by_staff(ticket.id, ctx.actor.name, reason, who),
                             "closed")
    return ticket


def _announce_staff_decision(ctx: Context, ticket: Ticket, say: Callable[[str], str], kind: str) -> None:
    """A leader's 归档 or 撤销 over the residents' heads: they are @-named where they reported it, and the leader,
    typing elsewhere, sees it done (`say("")`: the same words, naming nobody)."""
    tell_reporters(ctx, ticket, say, kind=kind, mention=True)
    if ctx.chat_id != grid_chat(ctx, ticket):
        ctx.reply(say(""), ticket_id=ticket.id, kind=kind)


def cancel(ctx: Context, number: int) -> Ticket:
    ticket = load(ctx, number, lock=True)
    authorize(ctx, Action.CANCEL, ticket)
    before = ticket.status
    ticket.status = Status.CANCELLED.value
    ticket.closed_at = ctx.now
    log(ctx, ticket, "cancel", "", before)
    drop_held_asks(ctx, ticket)
    if ctx.actor.user_id == ticket.reporter_id:
        ctx.reply(texts.cancelled(ticket.id), ticket_id=ticket.id, kind="cancelled")
    else:  # withdrawn by staff: the residents who reported it hear it where they reported it
        _announce_staff_decision(ctx, ticket, lambda who: texts.cancelled_by_staff(ticket.id, ctx.actor.name, who),
                                 "cancelled")
    owner = owner_of(ctx.config, ticket)
    _tell_owner(ctx, ticket, owner, texts.cancelled_dm(ticket.id, ctx.actor.name), "cancelled_dm")
    return ticket


def add_note(ctx: Context, number: int, note: str, photo_id: str | None = None) -> Ticket:
    ticket = load(ctx, number)
    authorize(ctx, Action.NOTE, ticket)
    log(ctx, ticket, "note", note, ticket.status, attachment=photo_id)
    ctx.reply(texts.note_added(ticket.id), ticket_id=ticket.id, kind="noted")
    return ticket


def recategorize(ctx: Context, number: int, category_name: str) -> Ticket:
    ticket = load(ctx, number, lock=True)
    authorize(ctx, Action.RECATEGORIZE, ticket)
    category = next((c for c in ctx.config.categories if category_name in (c.name, c.id)), None)
    if category is None:
        raise Refusal(texts.unknown_category(category_name, "、".join(c.name for c in ctx.config.categories)))
    if category.id == ticket.category:
        ctx.reply(texts.same_category(ticket.id, category.name), ticket_id=ticket.id, kind="recategorized")
        return ticket
    old = ctx.config.category(ticket.category)
    old_name = old.name if old else ticket.category  # a category since removed from the config: its id
    ticket.category, ticket.handling = category.id, category.handling.value
    # 限时办结 by the new category's limit from the report, keeping any extension or pause granted since; a
    # stricter limit already past counts from now (the ticket was not late under the category it had).
    tz, calendar = ctx.config.tz, ctx.config.calendar
    shift = ticket.deadline_at - deadline_for(old, ticket.created_at, tz, calendar) if old else dt.timedelta()
    by_report = deadline_for(category, ticket.created_at, tz, calendar) + shift
    ticket.deadline_at = by_report if by_report > ctx.now else deadline_for(category, ctx.now, tz, calendar)
    log(ctx, ticket, "recategorize", f"{old_name} → {category.name}", ticket.status)
    told = texts.recategorized(ticket.id, category.name, ctx.when(ticket.deadline_at))
    tell_reporters(ctx, ticket, told, kind="recategorized")
    if ctx.chat_id != grid_chat(ctx, ticket):
        ctx.reply(told, ticket_id=ticket.id, kind="recategorized")
    _tell_owner(ctx, ticket, owner_of(ctx.config, ticket), told, "recategorized_dm")
    return ticket


def progress(ctx: Context, number: int) -> Ticket:
    ticket = load(ctx, number)
    authorize(ctx, Action.PROGRESS, ticket)
    category = ctx.config.category(ticket.category)
    latest = ctx.session.execute(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id.desc()).limit(1)
    ).scalar_one_or_none()
    latest_text = "—"
    if latest is not None:
        latest_text = f"{ctx.when(latest.created_at)} {latest.actor_name} {texts.ACTION_NAMES.get(latest.action, '')}"
        action_name = texts.ACTION_NAMES.get(latest.action, "")
        if latest.detail and latest.action != "open" and latest.detail not in action_name:  # not "附议：附议"
            latest_text += f"：{latest.detail}"
    ctx.reply(
        texts.progress(
            ticket.id,
            category.name if category else ticket.category,
            texts.status_with_step(ticket.status),
            ticket.assignee_name or texts.OWNER_WHEN_UNCLAIMED,
            ctx.when(ticket.deadline_at),
            latest_text.replace("  ", " ").strip(),
        ),
        ticket_id=ticket.id,
        kind="progress",
    )
    return ticket


def my_tickets(ctx: Context, limit: int = 20, vague: bool = False) -> None:
    """A worker's open tickets, or the reports a resident made or joined (附议). `vague`: asked after "that
    matter" without naming it; with none open, the resident is asked which one they mean."""
    query = select(Ticket).where(Ticket.status.in_([s.value for s in OPEN_STATUSES] + [Status.RESOLVED.value]))
    if ctx.actor.is_staff:
        query = query.where(or_(Ticket.assignee_id == ctx.actor.user_id, Ticket.suggested_id == ctx.actor.user_id))
        query = query.where(or_(Ticket.assignee_id.is_(None), Ticket.assignee_id == ctx.actor.user_id))
    else:
        query = query.where(reported_by(ctx.actor.user_id))
    tickets = ctx.session.execute(query.order_by(Ticket.deadline_at).limit(limit)).scalars().all()
    unlisted = 0
    if len(tickets) == limit:
        unlisted = ctx.session.execute(select(func.count()).select_from(query.subquery())).scalar_one() - limit
    lines = []
    for ticket in tickets:
        category = ctx.config.category(ticket.category)
        overdue = past_deadline(ticket, ctx.now)
        lines.append(
            texts.my_tickets_line(
                ticket.id,
                category.name if category else ticket.category,
                texts.STATUS_NAMES.get(ticket.status),
                ctx.when(ticket.deadline_at),
                overdue,
                texts.clip(ticket.text, 20),
            )
        )
    ctx.reply(texts.my_tickets(lines, unlisted) if lines or not vague else texts.WHICH_MATTER, kind="mine")
