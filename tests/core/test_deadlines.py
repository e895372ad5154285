"""Working-day deadlines across the 2026 Spring Festival (holiday 2.15–2.23, 调休 on Sat 2.14 and Sat 2.28)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.deadlines import add_working_days, calendar_gaps, deadline_for, is_working_day
from tests.conftest import example_config

TZ = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=TZ)


def test_calendar_knows_the_holiday_and_the_make_up_days():
    assert is_working_day(dt.date(2026, 2, 14))  # Saturday, 调休 working day
    assert not is_working_day(dt.date(2026, 2, 16))  # 除夕 week
    assert not is_working_day(dt.date(2026, 2, 23))
    assert is_working_day(dt.date(2026, 2, 28))  # Saturday, 调休 working day
    assert not is_working_day(dt.date(2026, 3, 1))  # an ordinary Sunday


def test_working_days_jump_the_holiday():
    # Friday 2.13 + 1 working day = Saturday 2.14 (调休), + 2 = Tuesday 2.24 after the holiday.
    assert add_working_days(at("2026-02-13"), 1, TZ) == at("2026-02-14").astimezone(dt.UTC)
    assert add_working_days(at("2026-02-13"), 2, TZ) == at("2026-02-24").astimezone(dt.UTC)
    # Thursday 2.26 + 2 working days = Saturday 2.28 (调休) ; + 3 = Monday 3.2.
    assert add_working_days(at("2026-02-26"), 2, TZ) == at("2026-02-28").astimezone(dt.UTC)
    assert add_working_days(at("2026-02-26"), 3, TZ) == at("2026-03-02").astimezone(dt.UTC)


def test_a_report_on_a_holiday_starts_counting_on_the_next_working_day():
    # Reported on 除夕 evening: taken in on Tue 2.24 at 09:00; 5 working days later is Mon 3.2 09:00
    # (2.25, 2.26, 2.27, 2.28 调休, 3.2).
    assert add_working_days(at("2026-02-16", 20), 5, TZ) == at("2026-03-02", 9).astimezone(dt.UTC)


def test_category_deadline_in_hours_or_working_days():
    config = example_config("sqlite://")
    welfare = config.category("welfare")  # 5 working days
    sanitation = config.category("sanitation")  # 24 hours
    opened = at("2026-02-13").astimezone(dt.UTC)
    assert deadline_for(sanitation, opened, TZ) == opened + dt.timedelta(hours=24)
    assert deadline_for(welfare, opened, TZ) == at("2026-02-27").astimezone(dt.UTC)


def test_fractional_hours():
    config = example_config("sqlite://", replace=("deadline_hours = 4\n", "deadline_hours = 0.5\n"))
    opened = at("2026-05-06").astimezone(dt.UTC)
    assert deadline_for(config.category("safety"), opened, TZ) == opened + dt.timedelta(minutes=30)


def test_holidays_the_library_does_not_know_come_from_the_config_and_their_absence_is_warned():
    bare = example_config("sqlite://")
    welfare = bare.category("welfare")  # 5 working days
    opened = at("2026-12-30").astimezone(dt.UTC)
    assert deadline_for(welfare, opened, TZ, bare.calendar) == at("2027-01-06").astimezone(dt.UTC)  # 元旦 counted
    assert "does not know 2027" in " ".join(calendar_gaps(bare, dt.date(2026, 11, 23)))
    assert calendar_gaps(bare, dt.date(2026, 6, 1)) == []  # 2027 is too far off to matter yet
    told = example_config("sqlite://", replace=("days_off = []", 'days_off = ["2027-01-01"]'))
    assert deadline_for(welfare, opened, TZ, told.calendar) == at("2027-01-07").astimezone(dt.UTC)
    assert calendar_gaps(told, dt.date(2026, 11, 23)) == []
    weekend = example_config("sqlite://", replace=("workdays = []", 'workdays = ["2027-01-02"]'))
    assert deadline_for(welfare, opened, TZ, weekend.calendar) == at("2027-01-05").astimezone(dt.UTC)
