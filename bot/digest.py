"""The weekly digest per grid: new, closed, overdue, and the 三率 (响应率, 解决率, 满意率)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from bot import texts
from bot.config import Config, Grid
from bot.models import Ticket, TicketEvent
from bot.workflow import OPEN_STATUSES, Status

Week = tuple[dt.datetime, dt.datetime]


def week_of(moment: dt.datetime) -> Week:
    """Monday 00:00 to the next Monday 00:00 (local) of the week containing `moment`, in UTC."""
    local = moment.astimezone(moment.tzinfo)
    monday = dt.datetime.combine(local.date() - dt.timedelta(days=local.weekday()), dt.time(0), tzinfo=local.tzinfo)
    return monday.astimezone(dt.UTC), (monday + dt.timedelta(days=7)).astimezone(dt.UTC)


def parse_week(text: str, config: Config) -> Week:
    """`2026-W47` or any date inside the week."""
    if "-W" in text:
        day = dt.date.fromisocalendar(int(text[:4]), int(text.split("-W")[1]), 1)
    else:
        day = dt.date.fromisoformat(text)
    return week_of(dt.datetime.combine(day, dt.time(12), tzinfo=config.tz))


@dataclass(frozen=True)
class WeekFigures:
    new: int
    closed: int
    overdue: int
    open: int
    claimed_in_window: int
    claimable: int
    resolved_in_time: int
    resolved: int
    satisfied: int
    rated: int

    @staticmethod
    def rate(part: int, whole: int) -> str:
        return f"{part / whole:.0%}" if whole else "—"

    @property
    def response_rate(self) -> str:
        return self.rate(self.claimed_in_window, self.claimable)

    @property
    def resolution_rate(self) -> str:
        return self.rate(self.resolved_in_time, self.resolved)

    @property
    def satisfaction_rate(self) -> str:
        return self.rate(self.satisfied, self.rated)


def figures(session: Session, config: Config, grid_id: str, week: Week, now: dt.datetime) -> WeekFigures:
    start, end = week
    in_grid = Ticket.grid_id == grid_id
    created = and_(in_grid, Ticket.created_at >= start, Ticket.created_at < end)
    window = dt.timedelta(minutes=config.escalation.claim_window_minutes)

    def count(*conditions) -> int:
        return session.execute(select(func.count()).select_from(Ticket).where(*conditions)).scalar_one()

    claimable = session.execute(select(Ticket.created_at, Ticket.claimed_at).where(created)).all()
    resolved = session.execute(
        select(Ticket.resolved_at, Ticket.deadline_at, Ticket.escalation_level).where(
            in_grid, Ticket.resolved_at >= start, Ticket.resolved_at < end
        )
    ).all()
    ratings = _ratings_given(session, in_grid, start, end)
    return WeekFigures(
        new=len(claimable),
        closed=count(in_grid, Ticket.status == Status.CLOSED.value, Ticket.closed_at >= start, Ticket.closed_at < end),
        overdue=count(
            in_grid,
            Ticket.status.in_([s.value for s in OPEN_STATUSES if s != Status.TRANSFERRED]),
            Ticket.deadline_at < now,
        ),
        open=count(in_grid, Ticket.status.in_([s.value for s in OPEN_STATUSES])),
        claimed_in_window=sum(1 for c, cl in claimable if cl is not None and cl - c <= window),
        claimable=len(claimable),
        # On time: before the deadline and never escalated. A reopened ticket gets a new deadline and an overdue
        # one may be extended; the escalation each left behind keeps it from counting as on time.
        resolved_in_time=sum(1 for r, d, level in resolved if r <= d and level == 0),
        resolved=len(resolved),
        satisfied=sum(1 for r in ratings if r in ("good", "fair")),
        rated=sum(1 for r in ratings if r != "default"),
    )


# what each rating leaves in the log: 满意 / 基本满意 archive ("rate"), 不满意 reopens ("reopen"), silence archives
_RATED_BY = {texts.RATING_NAMES["good"]: "good", texts.RATING_NAMES["fair"]: "fair"}


def _ratings_given(session: Session, in_grid, start: dt.datetime, end: dt.datetime) -> list[str]:
    """Every rating given in the week, read from the log: a 不满意 reopens its ticket, so the ticket's own rating
    (which a later 满意 overwrites, and which a reopened ticket never closes with) would leave it out."""
    events = session.execute(
        select(TicketEvent.action, TicketEvent.detail)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(
            in_grid,
            TicketEvent.created_at >= start,
            TicketEvent.created_at < end,
            TicketEvent.action.in_(["rate", "reopen", "auto_close"]),
        )
    ).all()
    ratings = []
    for action, detail in events:
        if action == "reopen":
            ratings.append("bad")
        elif action == "auto_close":
            ratings.append("default")
        else:
            ratings.append(_RATED_BY.get((detail or "").split(" ", 1)[0], "good"))
    return ratings


def digest_text(session: Session, config: Config, grid: Grid, week: Week, now: dt.datetime) -> str:
    f = figures(session, config, grid.id, week, now)
    start, end = (moment.astimezone(config.tz) for moment in week)
    last = end - dt.timedelta(days=1)
    return texts.weekly_digest(grid.name, start, last, f, config.escalation.claim_window_minutes)
