"""Deadlines (限时办结): hours on the clock, or working days that skip public holidays and count 调休."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar

from bot.config import Category


def is_working_day(day: dt.date) -> bool:
    """A working day per the State Council calendar, 调休 make-up weekends included."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # Beyond the years the calendar library knows: fall back to Monday-Friday.
        return day.weekday() < 5


def add_working_days(start: dt.datetime, days: int, tz: ZoneInfo) -> dt.datetime:
    """The same local time `days` working days after `start` (a start on a day off counts from the next working day)."""
    local = start.astimezone(tz)
    day = local.date()
    remaining = days
    if not is_working_day(day):
        # A report made on a holiday is taken in on the next working day, at the start of office hours.
        while not is_working_day(day):
            day += dt.timedelta(days=1)
        local = dt.datetime.combine(day, dt.time(9, 0), tzinfo=tz)
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return dt.datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=tz).astimezone(dt.UTC)


def deadline_for(category: Category, opened_at: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    if category.working_days:
        return add_working_days(opened_at, category.working_days, tz)
    return opened_at + dt.timedelta(hours=category.deadline_hours)
