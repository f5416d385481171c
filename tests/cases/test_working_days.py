"""The legal deadlines count Dutch working days (Algemene termijnenwet)."""

from __future__ import annotations

import datetime as dt

import pytest

from cases.working_days import (
    add_months,
    add_working_days,
    assessment_due,
    investigation_due,
    is_working_day,
    monitoring_due_dates,
    working_days_between,
)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (dt.date(2026, 4, 6), False),  # Easter Monday
        (dt.date(2026, 4, 3), True),  # Good Friday is not in the Algemene termijnenwet
        (dt.date(2026, 4, 27), False),  # Koningsdag on a Monday
        (dt.date(2025, 4, 26), False),  # Koningsdag moved to Saturday 26th (27th is a Sunday)
        (dt.date(2026, 5, 5), False),  # 5 May counts every year, not only in lustrum years
        (dt.date(2026, 5, 14), False),  # Ascension Day
        (dt.date(2026, 5, 25), False),  # Whit Monday
        (dt.date(2026, 12, 25), False),
        (dt.date(2026, 12, 26), False),
        (dt.date(2026, 11, 28), False),  # a Saturday
        (dt.date(2026, 11, 24), True),
    ],
)
def test_it_knows_which_days_are_working_days(day, working):
    assert is_working_day(day) is working


def test_five_working_days_from_a_tuesday_is_next_tuesday():
    assert assessment_due(dt.date(2026, 11, 24)) == dt.date(2026, 12, 1)


def test_a_report_before_easter_skips_easter_monday():
    # Thursday 2 April 2026: Fri 3, Tue 7, Wed 8, Thu 9, Fri 10 (Mon 6 April is Easter Monday).
    assert assessment_due(dt.date(2026, 4, 2)) == dt.date(2026, 4, 10)


def test_a_report_before_koningsdag_and_5_may_skips_both():
    # Friday 24 April 2026: Tue 28, Wed 29, Thu 30, Fri 1 May, Mon 4 May (Mon 27 April off).
    assert assessment_due(dt.date(2026, 4, 24)) == dt.date(2026, 5, 4)
    # Monday 4 May 2026: Wed 6, Thu 7, Fri 8, Mon 11, Tue 12 (Tue 5 May off).
    assert assessment_due(dt.date(2026, 5, 4)) == dt.date(2026, 5, 12)


def test_a_report_before_ascension_skips_it():
    # Tuesday 12 May 2026: Wed 13, Fri 15, Mon 18, Tue 19, Wed 20 (Thu 14 May off).
    assert assessment_due(dt.date(2026, 5, 12)) == dt.date(2026, 5, 20)


def test_a_report_on_christmas_eve_skips_the_christmas_days_and_the_weekend():
    # Thursday 24 Dec 2026: Mon 28, Tue 29, Wed 30, Thu 31, Mon 4 Jan (1 Jan off).
    assert assessment_due(dt.date(2026, 12, 24)) == dt.date(2027, 1, 4)


def test_a_report_made_on_a_saturday_counts_from_monday():
    assert add_working_days(dt.date(2026, 11, 28), 1) == dt.date(2026, 11, 30)


def test_working_days_between_is_negative_when_overdue():
    assert working_days_between(dt.date(2026, 11, 24), dt.date(2026, 12, 1)) == 5
    assert working_days_between(dt.date(2026, 12, 1), dt.date(2026, 11, 24)) == -5


def test_an_investigation_is_due_ten_weeks_later():
    assert investigation_due(dt.date(2026, 1, 5)) == dt.date(2026, 3, 16)


def test_monitoring_is_planned_at_3_12_and_18_months():
    assert monitoring_due_dates(dt.date(2026, 1, 31)) == [
        dt.date(2026, 4, 30),
        dt.date(2027, 1, 31),
        dt.date(2027, 7, 31),
    ]
    assert add_months(dt.date(2027, 11, 30), 3) == dt.date(2028, 2, 29)
