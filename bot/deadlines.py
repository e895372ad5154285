"""Deadlines (限时办结): hours on the clock, or working days that skip public holidays and count 调休."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar

from bot.config import CalendarConfig, Category, Config, QuietHours
from bot.models import Ticket
from bot.status import ACTIVE_STATUSES

ACTIVE = frozenset(s.value for s in ACTIVE_STATUSES)

NO_DAYS = CalendarConfig()


def is_working_day(day: dt.date, calendar: CalendarConfig = NO_DAYS) -> bool:
    """A working day per the State Council calendar, 调休 make-up weekends included; the config's days first."""
    if day in calendar.days_off:
        return False
    if day in calendar.workdays:
        return True
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # Beyond the years the calendar library knows: Monday-Friday (`calendar_gaps` warns of it).
        return day.weekday() < 5


def library_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def calendar_gaps(config: Config, today: dt.date, ahead: dt.timedelta = dt.timedelta(days=90)) -> list[str]:
    """Years that working-day deadlines reach soon whose holidays nobody knows: neither the library nor the
    config's [calendar] lists them, so 元旦 and 春节 would count as working days."""
    gaps = []
    for year in sorted({today.year, (today + ahead).year}):
        if not library_knows(year) and year not in config.calendar.years():
            gaps.append(
                f"the holiday calendar (chinesecalendar) does not know {year} yet: working-day deadlines count "
                f"Monday-Friday only. List {year}'s public holidays and make-up working days in [calendar] "
                "days_off and workdays, or upgrade chinesecalendar once it has them."
            )
    return gaps


def add_working_days(start: dt.datetime, days: int, tz: ZoneInfo, calendar: CalendarConfig = NO_DAYS) -> dt.datetime:
    """The same local time `days` working days after `start` (a start on a day off counts from the next working day)."""
    local = start.astimezone(tz)
    day = local.date()
    remaining = days
    if not is_working_day(day, calendar):
        # A report made on a holiday is taken in on the next working day, at the start of office hours.
        while not is_working_day(day, calendar):
            day += dt.timedelta(days=1)
        local = dt.datetime.combine(day, dt.time(9, 0), tzinfo=tz)
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day, calendar):
            remaining -= 1
    return dt.datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=tz).astimezone(dt.UTC)


def past_deadline(ticket: Ticket, now: dt.datetime) -> bool:
    """Still owed after its deadline: not done (a resolved one waits for the resident) nor paused (转交期间暂停计时)."""
    return ticket.deadline_at < now and ticket.status in ACTIVE


def told_at(opened_at: dt.datetime, urgent: bool, quiet: QuietHours, tz: ZoneInfo) -> dt.datetime:
    """When the worker hears of a ticket, and so when its clocks (deadline, unclaimed re-pings) start: at once, or,
    for a non-urgent one opened in quiet hours, when they end (夜间免打扰 holds the ping till then)."""
    local = opened_at.astimezone(tz)
    if urgent or not quiet.contains(local.time()):
        return opened_at
    return quiet.end_after(local)


def deadline_for(
    category: Category, opened_at: dt.datetime, tz: ZoneInfo, calendar: CalendarConfig = NO_DAYS
) -> dt.datetime:
    if category.working_days:
        return add_working_days(opened_at, category.working_days, tz, calendar)
    return opened_at + dt.timedelta(hours=category.deadline_hours)
