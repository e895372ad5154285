"""居民点单 and the ticket ledger: opening tickets, looking them up, logging events, telling people."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from bot import routing, texts
from bot.config import Category, Config, Grid, Worker
from bot.deadlines import deadline_for, told_at
from bot.messages import Button, Mention, Outbound
from bot.models import OutboxMessage, Supporter, Ticket, TicketEvent
from bot.outbox import held_for_later
from bot.privacy import mask
from bot.workflow import OPEN_STATUSES, Action, Actor, Refusal, Status, TicketView, check


@dataclass
class Context:
    """Everything a use case needs, passed explicitly: no globals, no platform."""

    session: Session
    config: Config
    now: dt.datetime
    actor: Actor
    platform: str = "telegram"
    chat_id: str | None = None
    message_id: str | None = None
    out: list[Outbound] = field(default_factory=list)

    def when(self, moment: dt.datetime) -> str:
        return texts.when(moment, self.config.tz, self.now)

    def reply(self, text: str, **kwargs) -> None:
        """Answer the actor where they wrote."""
        if self.chat_id is not None:
            self.send(self.chat_id, text, reply_to_message_id=self.message_id, **kwargs)

    def send(self, chat_id: str, text: str, **kwargs) -> None:
        """Queue a message; whatever goes to a group has phone, ID-card and bank-card numbers masked."""
        now = self.config.current_chat(chat_id)
        if now != chat_id:  # a group that moved: its old messages are not there to be replied to
            chat_id, kwargs["reply_to_message_id"] = now, None
        if self.config.grid_for_chat(chat_id) is not None:
            text = mask(text)
        self.out.append(Outbound(chat_id, text, **kwargs))


def view(ticket: Ticket) -> TicketView:
    return TicketView(
        grid_id=ticket.grid_id,
        status=ticket.status,
        reporter_id=ticket.reporter_id,
        assignee_id=ticket.assignee_id,
        supporter_ids=frozenset(s.user_id for s in ticket.supporters),
    )


def load(ctx: Context, number: int, *, lock: bool = False) -> Ticket:
    query = select(Ticket).where(Ticket.id == number)
    if lock:
        query = query.with_for_update()
    ticket = ctx.session.execute(query).scalar_one_or_none()
    if ticket is None:
        raise Refusal(texts.REFUSALS["not_found"].format(n=number))
    return ticket


def reopen_window(config: Config) -> dt.timedelta:
    """How long after it is archived a 不满意 still reopens a ticket: the 回访 (revisit_days after closing) asks
    for one, and a week is left to answer it. Later, the same trouble is a new report, not last year's rating."""
    return dt.timedelta(days=config.follow_up.revisit_days + 7)


def may_reopen(ctx: Context, ticket: Ticket) -> bool:
    """An archived ticket a 不满意 may still reopen (see reopen_window)."""
    closed = ticket.closed_at
    return ticket.status != Status.CLOSED or closed is None or closed >= ctx.now - reopen_window(ctx.config)


def closed_already(ctx: Context, ticket: Ticket) -> str:
    """What to tell someone acting on an archived ticket: 不满意 reopens it only within the reopen window."""
    if may_reopen(ctx, ticket):
        return texts.ticket_closed_already(ticket.id)
    return texts.rating_window_closed(ticket.id)


def authorize(ctx: Context, action: Action, ticket: Ticket) -> None:
    """Raise a Refusal with the specific reason when the actor may not do this."""
    problem = check(action, ctx.actor, view(ticket))
    if problem is None:
        return
    if problem == "bad_status" and ticket.status == Status.CLOSED:
        raise Refusal(closed_already(ctx, ticket))
    if problem == "bad_status" and ticket.status == Status.CANCELLED:  # not "目前是「已撤销」状态，不能撤销"
        raise Refusal(texts.ticket_cancelled_already(ticket.id))
    if problem == "bad_status" and action is Action.RATE and ticket.status in [s.value for s in OPEN_STATUSES]:
        raise Refusal(texts.rate_after_done([ticket.id]))
    grid = ctx.config.grid(ticket.grid_id)
    raise Refusal(
        texts.REFUSALS[problem].format(
            n=ticket.id,
            grid=grid.name if grid else ticket.grid_id,
            owner=ticket.assignee_name or texts.OTHER_WORKER,
            status=texts.STATUS_NAMES.get(ticket.status, ticket.status),
            action=texts.ACTION_NAMES[action.value],
        )
    )


def log(
    ctx: Context,
    ticket: Ticket,
    action: str,
    detail: str = "",
    before: str | None = None,
    attachment: str | None = None,
) -> None:
    """Append to the ticket's 台账; every change goes through here."""
    ticket.updated_at = ctx.now
    ctx.session.add(
        TicketEvent(
            ticket=ticket,  # not ticket.id: a new ticket's first events are written in the same flush as it
            action=action,
            actor_id=ctx.actor.user_id,
            actor_name=ctx.actor.name,
            actor_role=ctx.actor.role,
            from_status=before,
            to_status=ticket.status,
            detail=detail,
            attachment=attachment,
            source_chat_id=ctx.chat_id,
            source_message_id=ctx.message_id,
            created_at=ctx.now,
        )
    )


def grid_chat(ctx: Context, ticket: Ticket) -> str:
    """The ticket's group, under the id it has now."""
    grid = ctx.config.grid(ticket.grid_id)
    return ctx.config.current_chat(grid.chat_id if grid else ticket.source_chat_id)


def tell_reporters(
    ctx: Context,
    ticket: Ticket,
    text: str | Callable[[str], str],
    *,
    kind: str,
    buttons=None,
    mention: bool = False,
    photo_id: str | None = None,
) -> None:
    """Tell the reporter (and 附议 supporters) where they reported: in the group, quoting their message."""
    people = [(ticket.reporter_id, ticket.reporter_name, ticket.source_chat_id, ticket.source_message_id)]
    people += [(s.user_id, s.user_name, s.chat_id, s.message_id) for s in ticket.supporters]
    by_chat: dict[str, list[tuple[str, str, str]]] = {}
    for user_id, name, chat_id, message_id in people:
        by_chat.setdefault(chat_id, []).append((user_id, name, message_id))
    for chat_id, members in by_chat.items():
        is_group = ctx.config.grid_for_chat(chat_id) is not None
        mentions = [Mention(user_id, name) for user_id, name, _ in members] if mention and is_group else []
        who = "、".join(f"@{m.name}" for m in mentions) or texts.YOU
        body = text(who) if callable(text) else text
        ctx.send(
            chat_id,
            body,
            reply_to_message_id=members[0][2],
            ticket_id=ticket.id,
            kind=kind,
            buttons=buttons or [],
            mentions=mentions,
            photo_id=photo_id,  # the worker's photo of the finished work, the text as its caption
        )


def dm(
    ctx: Context, worker: Worker | None, ticket: Ticket, text: str, *, kind: str, buttons=None, photo_id=None
) -> None:
    if worker is not None:
        ctx.send(worker.user_id, text, ticket_id=ticket.id, kind=kind, buttons=buttons or [], photo_id=photo_id)


def claim_buttons(ticket: Ticket) -> list[list[Button]]:
    return [
        [
            Button(texts.BUTTONS["claim"], f"claim:{ticket.id}"),
            Button(texts.BUTTONS["transfer"], f"transfer:{ticket.id}"),
        ]
    ]


def rating_buttons(ticket: Ticket) -> list[list[Button]]:
    return [
        [
            Button(texts.BUTTONS["good"], f"rate:{ticket.id}:good"),
            Button(texts.BUTTONS["fair"], f"rate:{ticket.id}:fair"),
            Button(texts.BUTTONS["bad"], f"rate:{ticket.id}:bad"),
        ]
    ]


@dataclass(frozen=True)
class Report:
    """A resident's report as the intake understood it."""

    grid: Grid
    category: Category
    text: str
    urgent: bool = False
    emergency: str | None = None
    why: str = ""
    place: str = ""
    matter: str = ""
    # Whose matter it is, when not the sender's: a talk-day topic filed by the leader is the resident's report.
    reporter_id: str | None = None
    reporter_name: str | None = None
    photo_id: str | None = None  # sent with it: the worker sees what the resident saw
    handler: Worker | None = None  # who takes it when routing may not choose (a complaint about staff goes above them)


def first_of(session: Session, ids, values: dict | None = None) -> Ticket | None:
    """The ticket whose id a one-row select of Ticket.id finds: ids first, so the common miss stays cheap."""
    found = session.execute(ids, values or {}).scalar()
    return None if found is None else session.get(Ticket, found)


BY_SOURCE = select(Ticket.id).where(
    Ticket.platform == bindparam("platform"),
    Ticket.source_chat_id == bindparam("chat"),
    Ticket.source_message_id == bindparam("message"),
)


def reported_by(user_id: str):
    """Where-clause: the tickets a person reported or joined (附议); all of them are asked to confirm."""
    return or_(
        Ticket.reporter_id == user_id,
        Ticket.id.in_(select(Supporter.ticket_id).where(Supporter.user_id == user_id)),
    )


def has_reported(ticket: Ticket, user_id: str) -> bool:
    """The person reported the ticket or joined it (附议)."""
    return user_id == ticket.reporter_id or any(s.user_id == user_id for s in ticket.supporters)


def owner_of(config: Config, ticket: Ticket) -> Worker | None:
    """Who works on it: whoever claimed it, else the worker it was routed to."""
    return config.worker(ticket.assignee_id or ticket.suggested_id or "")


def find_by_source(session: Session, platform: str, chat_id: str, message_id: str) -> Ticket | None:
    return first_of(session, BY_SOURCE, {"platform": platform, "chat": chat_id, "message": message_id})


def open_ticket(ctx: Context, report: Report, source_chat_id: str, source_message_id: str) -> Ticket:
    """Open a ticket from a report (one source message never makes two) and route it."""
    # The checks read tickets only; earlier messages' writes are flushed when each is done (Core._act), so this
    # message's own pending rows (its inbox mark, the resident) wait for the one flush below.
    with ctx.session.no_autoflush:
        existing = find_by_source(ctx.session, ctx.platform, source_chat_id, source_message_id)
        if existing is not None:
            return existing
        worker = report.handler or routing.choose_worker(ctx.session, ctx.config, report.grid.id, report.category)
    # 首问负责: a worker filing a matter that is theirs to handle (a leader's 立案 decision) owns it at once,
    # instead of being pinged to claim their own ticket.
    owned = worker is not None and worker.user_id == ctx.actor.user_id
    ticket = Ticket(
        grid_id=report.grid.id,
        category=report.category.id,
        handling=report.category.handling.value,
        urgent=report.urgent,
        platform=ctx.platform,
        reporter_id=report.reporter_id or ctx.actor.user_id,
        reporter_name=report.reporter_name or ctx.actor.name,
        source_chat_id=source_chat_id,
        source_message_id=source_message_id,
        text=report.text,
        place=report.place,
        matter=report.matter,
        suggested_id=worker.user_id if worker else None,
        department=report.category.department or None,
        status=Status.CLAIMED.value if owned else Status.NEW.value,
        assignee_id=worker.user_id if owned else None,
        assignee_name=worker.name if owned else None,
        claimed_at=ctx.now if owned else None,
        deadline_at=deadline_for(
            report.category,
            told_at(ctx.now, report.urgent, ctx.config.quiet_hours, ctx.config.tz),
            ctx.config.tz,
            ctx.config.calendar,
        ),
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.session.add(ticket)
    log(ctx, ticket, "open", report.why, attachment=report.photo_id)
    if owned:
        log(ctx, ticket, "claim", "", Status.NEW.value)
    ctx.session.flush()  # one flush for the ticket, its events and the message's other rows; gives its number
    _announce(ctx, ticket, report, worker, ask_to_claim=not owned)
    return ticket


def _announce(ctx: Context, ticket: Ticket, report: Report, worker: Worker | None, ask_to_claim: bool) -> None:
    """The group's acknowledgement naming `worker`, and, when `ask_to_claim`, the worker's "please claim" DM."""
    deadline = ctx.when(ticket.deadline_at)
    in_group = ctx.config.grid_for_chat(ticket.source_chat_id) is not None
    group_text = texts.ticket_opened_group(
        ticket.id,
        ticket.reporter_name,
        report.category.name,
        report.why,
        ticket.handling,
        worker.name if worker else texts.ROLE_NAMES["grid_worker"],
        deadline,
        ticket.department or "",
        in_group=in_group,
    )
    urgent_text = texts.urgent_dm(ticket.id, report.grid.name, ticket.reporter_name, ticket.text)
    if report.urgent:
        leaders = routing.leaders_of(ctx.config, ticket.grid_id) + routing.secretaries(ctx.config)
        own = worker is not None and worker.user_id == ticket.reporter_id  # a worker's own report
        contact = "" if own else texts.titled([worker] if worker else [])
        head = texts.urgent_group(report.emergency, ticket.text, texts.titled(leaders), contact)
        group_text = head + "\n" + group_text
        for person in leaders:
            if person is worker and ask_to_claim:
                continue  # the routed worker hears it below
            dm(ctx, person, ticket, urgent_text, kind="urgent", buttons=claim_buttons(ticket))
    ctx.send(
        ticket.source_chat_id,
        group_text,
        reply_to_message_id=ticket.source_message_id,
        ticket_id=ticket.id,
        kind="urgent_ack" if report.urgent else "ack",  # an urgent one carries safety advice: never folded
        mentions=[Mention(worker.user_id, worker.name)] if worker and in_group else [],
    )
    if ask_to_claim:
        dm(
            ctx,
            worker,
            ticket,
            urgent_text
            if report.urgent
            else texts.ticket_opened_dm(
                ticket.id, report.grid.name, report.category.name, ticket.reporter_name, ticket.text, deadline
            ),
            kind="urgent" if report.urgent else "assign",
            buttons=claim_buttons(ticket),
            photo_id=report.photo_id,
        )


HELD_NEWS = ("support", "followup")  # 附议 and 补充 DMs: news for whoever works on the ticket


def drop_held_asks(ctx: Context, ticket: Ticket) -> None:
    """DMs about a ticket held for the morning that the night changed (claimed, withdrawn, closed): at 07:00 a
    worker would be asked to claim what a colleague claimed at 23:40, and hear its 附议 instead of her."""
    held = (held_for_later(ctx.now), OutboxMessage.ticket_id == ticket.id)
    finished = ticket.status in (Status.CLOSED.value, Status.CANCELLED.value)
    pointless = ("assign", "unclaimed", *HELD_NEWS) if finished else ("assign", "unclaimed")
    ctx.session.execute(
        update(OutboxMessage).where(*held, OutboxMessage.kind.in_(pointless)).values(status="superseded")
    )
    if not finished and ticket.assignee_id:
        ctx.session.execute(
            update(OutboxMessage)
            .where(*held, OutboxMessage.kind.in_(HELD_NEWS), OutboxMessage.chat_id != ticket.assignee_id)
            .values(chat_id=ticket.assignee_id)
        )


def raise_to_urgent(
    ctx: Context, ticket: Ticket, category: Category | None, emergency: str | None, why: str
) -> None:
    """A report that turned out to be an emergency (edited into "着火了"): advice in the group, 【紧急】 to the
    worker on it, the leaders and the secretary, and the shorter deadline of its category if it has one."""
    ticket.urgent = True
    if category is not None and category.id != ticket.category:
        ticket.category, ticket.handling = category.id, category.handling.value
        ticket.department = category.department or None
    category = ctx.config.category(ticket.category) or ctx.config.categories[-1]
    sooner = deadline_for(category, ctx.now, ctx.config.tz, ctx.config.calendar)
    ticket.deadline_at = min(ticket.deadline_at, sooner)
    grid = ctx.config.grid(ticket.grid_id)
    if grid is None:  # a grid since removed from the config: nobody to alert through it
        return
    owner = owner_of(ctx.config, ticket)
    report = Report(
        grid=grid, category=category, text=ticket.text, urgent=True, emergency=emergency, why=why,
        place=ticket.place, matter=ticket.matter,
    )
    claimed = ticket.assignee_id is not None
    _announce(ctx, ticket, report, owner, ask_to_claim=not claimed)
    if claimed and owner is not None and owner not in routing.leaders_of(ctx.config, ticket.grid_id):
        urgent_text = texts.urgent_dm(ticket.id, grid.name, ticket.reporter_name, ticket.text)
        dm(ctx, owner, ticket, urgent_text, kind="urgent")


def add_supporter(ctx: Context, ticket: Ticket, chat_id: str, message_id: str, words: str = "") -> None:
    """附议: a second resident reporting the same matter joins the ticket instead of opening another; what they
    said ("是5栋3单元 4楼那家") is in the 台账 and reaches the worker with their name."""
    if has_reported(ticket, ctx.actor.user_id):
        ctx.reply(texts.followup_joined(ticket.id), ticket_id=ticket.id, kind="followup")
        return
    ticket.supporters.append(
        Supporter(
            user_id=ctx.actor.user_id,
            user_name=ctx.actor.name,
            chat_id=chat_id,
            message_id=message_id,
            created_at=ctx.now,
        )
    )
    words = words.strip()
    log(ctx, ticket, "support", texts.support_detail(words))
    count = 1 + len(ticket.supporters)
    ctx.reply(
        texts.supported(ticket.id, count),
        ticket_id=ticket.id,
        kind="support",
        mentions=[Mention(ctx.actor.user_id, ctx.actor.name)],
    )
    owner = owner_of(ctx.config, ticket)
    if owner is not None:
        ctx.send(
            owner.user_id,
            texts.supporter_dm(ticket.id, ctx.actor.name, count, words),
            ticket_id=ticket.id,
            kind="support",  # a storm's 附议 fold into one summary of names; one alone keeps its words
            mentions=[Mention(ctx.actor.user_id, ctx.actor.name)],
        )


def add_followup(ctx: Context, ticket: Ticket, text: str, photo_id: str | None, answer: str | None = None) -> None:
    """A photo or more detail from the reporter joins the ticket and reaches its worker; `answer`: what the
    resident is told instead of "已补充到"."""
    detail = texts.followup_detail(text, photo=bool(photo_id))
    log(ctx, ticket, "followup", detail.strip(), attachment=photo_id)
    if ticket.status == Status.RESOLVED.value:
        # "又堆上了" under a ticket the worker has finished: whether it is solved is the resident's to say.
        ctx.reply(
            texts.followup_joined(ticket.id) + "\n" + texts.confirm_rating_prompt(ticket.id),
            ticket_id=ticket.id,
            kind="rating_prompt",
            buttons=rating_buttons(ticket),
        )
    else:
        ctx.reply(answer or texts.followup_joined(ticket.id), ticket_id=ticket.id, kind="followup")
    owner = owner_of(ctx.config, ticket)
    dm(ctx, owner, ticket, texts.followup_dm(ticket.id, detail.strip()), kind="followup", photo_id=photo_id)
