"""What is due now: the 催办/督办 ladder, unclaimed re-pings, 回访, talk-day posts and the weekly digest.

Everything is derived from the database at each tick, and each send carries an idempotency key
(grid or ticket, kind, period), so a restart neither double-posts nor forgets.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import routing, texts
from bot.config import Config, Grid, Role, Worker
from bot.core import known_keys
from bot.db import found_in
from bot.deadlines import past_deadline, told_at
from bot.digest import digest_text, week_of
from bot.messages import Mention, Outbound
from bot.models import InboxMessage, Notice, OutboxMessage, Ticket
from bot.talkday import AGENDA_TICKETS, count_open_tickets, decisions_to_report, open_tickets, open_topics
from bot.tickets import Context, log, rating_buttons
from bot.workflow import Actor, Status

logger = logging.getLogger(__name__)
SYSTEM = Actor(user_id="system", name=texts.BOT_NAME, role="system")
WEEKDAY_INDEX = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
# How late a missed talk-day post may still go out after a restart; past that it is dropped with a log line.
ON_TIME = dt.timedelta(minutes=10)  # a post this late is a catch-up after downtime, held in quiet hours
GRACE = {
    "talk_notice": dt.timedelta(hours=6),
    "agenda": dt.timedelta(hours=4),
    "digest": dt.timedelta(hours=12),
}


def talk_slot(config: Config, grid: Grid) -> tuple[int, dt.time]:
    weekday = (grid.talk_day.weekday if grid.talk_day and grid.talk_day.weekday else None) or config.talk_day.weekday
    at = (grid.talk_day.time if grid.talk_day and grid.talk_day.time else None) or config.talk_day.time
    return WEEKDAY_INDEX[weekday], at


def next_talk_day(config: Config, grid: Grid, now: dt.datetime) -> dt.datetime:
    """This week's talk day start (local), or next week's once a day has passed since this week's."""
    weekday, at = talk_slot(config, grid)
    local = now.astimezone(config.tz)
    day = local.date() + dt.timedelta(days=(weekday - local.weekday()) % 7)
    start = dt.datetime.combine(day, at, tzinfo=config.tz)
    if start + dt.timedelta(days=1) < local:
        start += dt.timedelta(days=7)
    return start


def _first_record(session: Session) -> dt.datetime | None:
    """When the bot first took in or queued a message in this database; None on a new one. The first row by
    primary key, not MIN() over a column no index covers: a county's outbox holds millions of rows."""
    times = [
        session.scalar(select(OutboxMessage.created_at).order_by(OutboxMessage.id).limit(1)),
        session.scalar(select(InboxMessage.received_at).order_by(InboxMessage.id).limit(1)),
    ]
    known = [t for t in times if t is not None]
    return min(known) if known else None


class Reminders:
    """Computes and queues every due send for one moment; pure over (database, config, now)."""

    def __init__(self, config: Config):
        self.config = config
        # Idempotency keys already in the outbox, fetched in a few IN queries per tick: a county has tens of
        # thousands of open ladder steps, and a query per key made a tick longer than the tick interval.
        self._known: set[str] = set()
        self._dropped: set[str] = set()
        self._first_seen: dt.datetime | None = None  # the bot's first recorded message: before it, nothing was "missed"

    def due(
        self, session: Session, now: dt.datetime, grids: list[Grid] | None = None, tickets: bool = True
    ) -> list[Outbound]:
        """Sends due at `now`: talk-day posts of `grids` (default all), and the ticket ladder and 回访."""
        ctx = Context(session=session, config=self.config, now=now, actor=SYSTEM, chat_id=None)
        quiet = self.config.quiet_hours.contains(now.astimezone(self.config.tz).time())
        grids = self.config.grids if grids is None else grids
        talk_keys = [key for grid in grids for key in self._talk_day_keys(grid, now)]
        self._known = known_keys(session, talk_keys)
        if self._first_seen is None:
            self._first_seen = _first_record(session) or now
        self._dropped = {
            key.removeprefix("dropped:")
            for key in found_in(session, Notice.key, Notice.key, [f"dropped:{key}" for key in talk_keys])
        }
        for grid in grids:
            self._talk_day(ctx, grid, now)
        if tickets:
            self._ladder(ctx, now, quiet)
            self._follow_up(ctx, now, quiet)
        return ctx.out

    # -- talk day ---------------------------------------------------------------------------------------
    def _talk_day_keys(self, grid: Grid, now: dt.datetime) -> list[str]:
        period = next_talk_day(self.config, grid, now).date().isoformat()
        return [f"{kind}:{grid.id}:{period}" for kind in GRACE]

    def _talk_day(self, ctx: Context, grid: Grid, now: dt.datetime) -> None:
        start = next_talk_day(self.config, grid, now)
        period = start.date().isoformat()
        notice_at = dt.datetime.combine(
            start.date() - dt.timedelta(days=1), self.config.talk_day.notice_time, tzinfo=self.config.tz
        )
        digest_at = notice_at - dt.timedelta(hours=1)
        if self._window(ctx.session, now, digest_at, "digest", grid, period) and self._new(ctx, "digest", grid, period):
            text = digest_text(ctx.session, self.config, grid, week_of(start - dt.timedelta(days=7)), now)
            ctx.send(grid.chat_id, text, kind="digest", idempotency_key=f"digest:{grid.id}:{period}")
            for admin in self.config.with_roles(Role.ADMIN):
                ctx.send(
                    admin.user_id,
                    text,
                    kind="digest",
                    idempotency_key=f"digest:{grid.id}:{period}:{admin.user_id}",
                )
        if self._window(ctx.session, now, notice_at, "talk_notice", grid, period) and self._new(
            ctx, "talk_notice", grid, period
        ):
            ctx.send(
                grid.chat_id,
                texts.talk_day_notice(start),
                kind="talk_notice",
                idempotency_key=f"talk_notice:{grid.id}:{period}",
            )
        if self._window(ctx.session, now, start, "agenda", grid, period) and self._new(ctx, "agenda", grid, period):
            ctx.send(
                grid.chat_id,
                self._agenda(ctx, grid, now),
                kind="agenda",
                idempotency_key=f"agenda:{grid.id}:{period}",
            )

    def _new(self, ctx: Context, kind: str, grid: Grid, period: str) -> bool:
        """Not yet queued: checked before the text is built, so that ticks inside a window stay cheap."""
        return f"{kind}:{grid.id}:{period}" not in self._known

    def _window(self, session: Session, now: dt.datetime, at: dt.datetime, kind: str, grid: Grid, period: str) -> bool:
        """Due from `at` until its grace runs out; a post missed beyond the grace is dropped with one log line."""
        if now < at:
            return False
        if self._first_seen is not None and at + ON_TIME < self._first_seen:
            # due before the bot ever ran in this database (a first start, the demo): not missed, so not caught
            # up either; a new deployment's groups do not open with last week's empty digest
            key = f"{kind}:{grid.id}:{period}"
            if key not in self._dropped:
                self._dropped.add(key)
                logger.info("skipped %s: due before the bot's first start", key)
            return False
        if now <= at + GRACE[kind]:
            # On time, or caught up after the bot was down; a catch-up does not wake the group at night.
            return now - at <= ON_TIME or not self.config.quiet_hours.contains(now.astimezone(self.config.tz).time())
        if at + GRACE[kind] + dt.timedelta(days=1) > now:
            key = f"{kind}:{grid.id}:{period}"
            if key not in self._dropped and key not in self._known:
                self._dropped.add(key)
                session.add(Notice(key=f"dropped:{key}", created_at=now))
                logger.warning(
                    "dropped %s: missed while the bot was down and now past its grace of %s", key, GRACE[kind]
                )
        return False

    def _agenda(self, ctx: Context, grid: Grid, now: dt.datetime) -> str:
        lines = texts.agenda_head(grid.name, talk_slot(self.config, grid)[0])
        reported = decisions_to_report(ctx.session, grid.id)
        lines.append(texts.agenda_decisions(bool(reported)))
        for topic in reported:
            lines.append(texts.agenda_decision(topic.id, topic.text, topic.decision, topic.ticket_id))
            topic.reported_at = now
        topics = open_topics(ctx.session, grid.id)
        lines.append(texts.agenda_topics(bool(topics)))
        lines.extend(texts.agenda_topic(t.id, t.text, t.user_name) for t in topics)
        pending = open_tickets(ctx.session, grid.id)
        lines.append(texts.agenda_pending(bool(pending)))
        for ticket in pending:
            category = self.config.category(ticket.category)
            overdue = past_deadline(ticket, now)
            lines.append(
                texts.agenda_ticket(
                    ticket.id,
                    category.name if category else ticket.category,
                    texts.status_with_step(ticket.status),
                    ticket.assignee_name or "",
                    texts.clip(ticket.text, 24),
                    overdue,
                )
            )
        if len(pending) == AGENDA_TICKETS:
            unlisted = count_open_tickets(ctx.session, grid.id) - len(pending)
            if unlisted:
                lines.append(texts.agenda_unlisted(unlisted, len(pending)))
        lines.append(texts.AGENDA_FOOTER)
        return "\n".join(lines)

    # -- the deadline ladder ------------------------------------------------------------------------------
    def _ladder(self, ctx: Context, now: dt.datetime, quiet: bool) -> None:
        esc = self.config.escalation
        horizon = now + dt.timedelta(hours=esc.remind_before_hours)
        # A day past the secretary's step: a ticket extended after reaching the top still gets its new steps.
        settled = now - dt.timedelta(hours=esc.secretary_after_hours) - dt.timedelta(days=1)
        active = list(
            ctx.session.execute(
                select(Ticket)
                .where(Ticket.status.in_([Status.NEW.value, Status.CLAIMED.value, Status.REOPENED.value]))
                .where((Ticket.deadline_at <= horizon) | (Ticket.status == Status.NEW.value))
                # Up the whole ladder long ago: every step of this deadline is sent, nothing more can fall due.
                # (An unclaimed one stays: its group is re-pinged once a day for as long as nobody claims it.)
                .where(
                    ~(
                        (Ticket.escalation_level >= 2)
                        & (Ticket.deadline_at < settled)
                        & (Ticket.status != Status.NEW.value)
                    )
                )
            ).scalars()
        )
        self._learn_keys(ctx.session, active)
        for ticket in active:
            if quiet and not ticket.urgent:
                continue
            grid = self.config.grid(ticket.grid_id)
            if grid is None:
                continue
            stamp = ticket.deadline_at.strftime("%Y%m%d%H%M")
            if ticket.status == Status.NEW.value:
                self._unclaimed(ctx, ticket, grid, now)
                if now < ticket.deadline_at:
                    continue
                # Nobody claimed it and its time is up: it climbs the 督办 ladder like any overdue ticket.
            owner = self.config.worker(ticket.assignee_id or "")
            if now < ticket.deadline_at:
                self._dm(
                    ctx,
                    owner,
                    ticket,
                    texts.deadline_near_dm(ticket.id, ctx.when(ticket.deadline_at)),
                    f"remind:{ticket.id}:{stamp}",
                )
                continue
            if owner is not None:
                self._once(
                    ctx,
                    grid.chat_id,
                    texts.deadline_reached_group(owner.name, ticket.id),
                    ticket_id=ticket.id,
                    kind="due",
                    mentions=[Mention(owner.user_id, owner.name)],
                    idempotency_key=f"due:{ticket.id}:{stamp}",
                )
            late = now - ticket.deadline_at
            owner_name = ticket.assignee_name or texts.OWNER_WHEN_UNCLAIMED
            if late >= dt.timedelta(hours=esc.leader_after_hours):
                leaders = routing.leaders_of(self.config, grid.id)
                for leader in leaders:
                    if leader is owner:
                        continue  # his own ticket: the 催办 has told him; the secretary's step still comes
                    self._dm(
                        ctx,
                        leader,
                        ticket,
                        texts.overdue_leader_dm(ticket.id, grid.name, owner_name, ticket.text),
                        f"supervise:{ticket.id}:{stamp}:{leader.user_id}",
                    )
                self._tell_owner(ctx, owner, ticket, leaders, 1, stamp)
                self._escalate(ctx, ticket, 1)
            if late >= dt.timedelta(hours=esc.secretary_after_hours):
                secretaries = routing.secretaries(self.config)
                for secretary in secretaries:
                    if secretary is owner:
                        continue
                    self._dm(
                        ctx,
                        secretary,
                        ticket,
                        texts.overdue_secretary_dm(
                            ticket.id, grid.name, owner_name, int(late.total_seconds() // 60), ticket.text
                        ),
                        f"supervise2:{ticket.id}:{stamp}:{secretary.user_id}",
                    )
                self._tell_owner(ctx, owner, ticket, secretaries, 2, stamp)
                self._escalate(ctx, ticket, 2)

    def _unclaimed(self, ctx: Context, ticket: Ticket, grid: Grid, now: dt.datetime) -> None:
        esc = self.config.escalation
        # counted from when the workers were told: a report at 23:00 is not "unclaimed for 8 hours" at 07:00
        waited = now - told_at(ticket.created_at, ticket.urgent, self.config.quiet_hours, self.config.tz)
        repeat = dt.timedelta(minutes=esc.unclaimed_repeat_minutes)
        if waited >= repeat:
            if waited < dt.timedelta(minutes=esc.unclaimed_leader_minutes):
                round_no = str(int(waited / repeat))
            else:  # the leader has been told: the group hears it once a day, not every half hour for weeks
                round_no = f"day{int(waited / dt.timedelta(days=1))}"
            workers = self.config.workers_of(
                grid.id,
                routing.candidates(
                    self.config, grid.id, self.config.category(ticket.category) or self.config.categories[-1]
                )[0].role,
            )
            names = " ".join(f"@{w.name}" for w in workers)
            self._once(
                ctx,
                grid.chat_id,
                texts.unclaimed_group(names, ticket.id),
                ticket_id=ticket.id,
                kind="unclaimed",
                mentions=[Mention(w.user_id, w.name) for w in workers],
                idempotency_key=f"unclaimed:{ticket.id}:{round_no}",
            )
        if waited >= dt.timedelta(minutes=esc.unclaimed_leader_minutes):
            for leader in routing.leaders_of(self.config, grid.id):
                self._dm(
                    ctx,
                    leader,
                    ticket,
                    texts.unclaimed_leader_dm(ticket.id, grid.name, int(waited.total_seconds() // 60), ticket.text),
                    f"unclaimed_leader:{ticket.id}:{leader.user_id}",
                )

    def _tell_owner(
        self, ctx: Context, owner: Worker | None, ticket: Ticket, above: list[Worker], level: int, stamp: str
    ) -> None:
        """The worker hears that his ticket went up the ladder, and to whom, unless it went to himself."""
        others = [person for person in above if person is not owner]
        if owner is None or not others:
            return
        text = texts.escalated_owner_dm(ticket.id, texts.titled(others))
        self._dm(ctx, owner, ticket, text, f"escalated:{ticket.id}:{stamp}:{level}")

    def _escalate(self, ctx: Context, ticket: Ticket, level: int) -> None:
        if ticket.escalation_level < level:
            ticket.escalation_level = level
            log(ctx, ticket, "escalate", texts.escalation_detail(level), ticket.status)

    def _dm(self, ctx: Context, worker: Worker | None, ticket: Ticket, text: str, key: str) -> None:
        if worker is not None:
            self._once(ctx, worker.user_id, text, ticket_id=ticket.id, kind="reminder", idempotency_key=key)

    def _once(self, ctx: Context, chat_id: str, text: str, *, idempotency_key: str, **kwargs) -> None:
        """Send unless this step was queued at an earlier tick (checked before any work is done on it)."""
        if idempotency_key not in self._known:
            self._known.add(idempotency_key)
            ctx.send(chat_id, text, idempotency_key=idempotency_key, **kwargs)

    def _learn_keys(self, session: Session, tickets: list[Ticket]) -> None:
        self._known |= found_in(
            session,
            OutboxMessage.idempotency_key,
            OutboxMessage.ticket_id,
            [ticket.id for ticket in tickets],
            OutboxMessage.idempotency_key.is_not(None),
        )

    # -- 回访 -----------------------------------------------------------------------------------------------
    def _follow_up(self, ctx: Context, now: dt.datetime, quiet: bool) -> None:
        fu = self.config.follow_up
        resolved = list(ctx.session.execute(select(Ticket).where(Ticket.status == Status.RESOLVED.value)).scalars())
        self._learn_keys(ctx.session, resolved)
        for ticket in resolved:
            waited = now - (ticket.resolved_at or now)
            if waited >= dt.timedelta(days=fu.auto_close_days):
                if quiet:
                    continue  # closed, and the group told, when quiet hours end
                before = ticket.status
                ticket.status, ticket.rating, ticket.closed_at = Status.CLOSED.value, "default", now
                log(ctx, ticket, "auto_close", texts.RATING_NAMES["default"], before)
                self._once(
                    ctx,
                    ticket.source_chat_id,
                    texts.auto_closed(ticket.id),
                    ticket_id=ticket.id,
                    kind="auto_closed",
                    reply_to_message_id=ticket.source_message_id,
                    idempotency_key=f"auto_close:{ticket.id}",
                )
            elif waited >= dt.timedelta(hours=fu.rating_reminder_hours) and not quiet:
                closes = ctx.when((ticket.resolved_at or now) + dt.timedelta(days=fu.auto_close_days))  # 默认满意
                self._once(
                    ctx,
                    ticket.source_chat_id,
                    texts.rating_reminder(ticket.id, ticket.reporter_name, closes),
                    ticket_id=ticket.id,
                    kind="rating_prompt",
                    reply_to_message_id=ticket.source_message_id,
                    buttons=rating_buttons(ticket),
                    mentions=[Mention(ticket.reporter_id, ticket.reporter_name)],
                    idempotency_key=f"rating_reminder:{ticket.id}",
                )
        if quiet:
            return
        since = now - dt.timedelta(days=fu.revisit_days)
        closed = list(
            ctx.session.execute(
                select(Ticket).where(
                    Ticket.status == Status.CLOSED.value,
                    Ticket.closed_at <= since,
                    Ticket.closed_at > since - dt.timedelta(days=7),
                    Ticket.rating.in_(["good", "fair", "default"]),
                )
            ).scalars()
        )
        self._learn_keys(ctx.session, closed)
        for ticket in closed:
            self._once(
                ctx,
                ticket.source_chat_id,
                texts.revisit(ticket.id, texts.clip(ticket.text, 20), ticket.reporter_name),
                ticket_id=ticket.id,
                kind="revisit",
                reply_to_message_id=ticket.source_message_id,
                mentions=[Mention(ticket.reporter_id, ticket.reporter_name)],
                idempotency_key=f"revisit:{ticket.id}",
            )
