"""Dutch working days for the legal deadlines (Algemene termijnenwet).

Not working days: Saturdays, Sundays, New Year's Day, Easter Monday, Ascension Day,
Whit Monday, Christmas Day and Boxing Day, the King's birthday (Koningsdag, moved to the
26th when the 27th of April is a Sunday) and 5 May every year. The `holidays` package
(pinned) knows all of these except that it lists 5 May only in lustrum years and lists
Good Friday, which the Algemene termijnenwet does not count; both are corrected here.
"""

from __future__ import annotations

import datetime
from functools import cache

import holidays

ASSESSMENT_WORKING_DAYS = 5
INVESTIGATION_WEEKS = 10
MONITORING_MONTHS = (3, 12, 18)


@cache
def _public_holidays(year: int) -> frozenset[datetime.date]:
    # Names in a fixed language: the package otherwise follows the process's LANG, and
    # "Goede vrijdag" would slip past the filter when `make test` runs with no environment.
    public = holidays.NL(years=year, language="en_US")
    found = {day for day, name in public.items() if name != "Good Friday"}
    found.add(datetime.date(year, 5, 5))
    return frozenset(found)


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _public_holidays(day.year)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days after `start` (the start day itself does not count)."""
    current = start
    remaining = days
    while remaining > 0:
        current += datetime.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days from `start` (exclusive) to `end` (inclusive); negative if end < start."""
    if end < start:
        return -working_days_between(end, start)
    count = 0
    current = start
    while current < end:
        current += datetime.timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count


def add_months(start: datetime.date, months: int) -> datetime.date:
    """Same day `months` later, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    for day in range(start.day, 27, -1):
        try:
            return datetime.date(year, month, day)
        except ValueError:
            continue
    return datetime.date(year, month, min(start.day, 28))


def assessment_due(reported_on: datetime.date) -> datetime.date:
    return add_working_days(reported_on, ASSESSMENT_WORKING_DAYS)


def investigation_due(started_on: datetime.date) -> datetime.date:
    return started_on + datetime.timedelta(weeks=INVESTIGATION_WEEKS)


def monitoring_due_dates(handed_over_on: datetime.date) -> list[datetime.date]:
    return [add_months(handed_over_on, months) for months in MONITORING_MONTHS]
