"""The backlog chart: per day, the cases open at its end and the assessments overdue then,
from the case and report dates (supervision.selectors.backlog)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import Case, Report, State
from supervision.selectors import backlog
from tests.cases.factories import register_case

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def noon(days_ago: int) -> dt.datetime:
    day = TODAY - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def day(days_ago: int) -> dt.date:
    return TODAY - dt.timedelta(days=days_ago)


def case_with(operator, **fields) -> Case:
    case = register_case(operator)
    Case.objects.filter(pk=case.pk).update(**fields)
    return case


def per_day(supervisor, key: str) -> dict[int, int]:
    """{days ago: figure} for the days where the figure is not 0."""
    return {
        (TODAY - row["day"]).days: row[key]
        for row in backlog(user=supervisor, today=TODAY, days=30)
        if row[key]
    }


def test_a_case_counts_as_open_from_the_day_it_was_reported_until_the_day_before_it_closed(
    supervisor, operator
):
    case_with(operator, reported_at=noon(10), closed_at=noon(4), state=State.CLOSED)
    case_with(operator, reported_at=noon(2))
    opened = per_day(supervisor, "open")
    assert opened == {10: 1, 9: 1, 8: 1, 7: 1, 6: 1, 5: 1, 2: 1, 1: 1, 0: 1}


def test_a_case_closed_before_the_range_counts_on_no_day(supervisor, operator):
    case_with(operator, reported_at=noon(90), closed_at=noon(40), state=State.CLOSED)
    assert per_day(supervisor, "open") == {}


def test_a_report_is_overdue_from_the_day_after_its_deadline_until_it_is_assessed(
    supervisor, operator
):
    case = case_with(operator, reported_at=noon(10), assessment_due=day(8))
    Report.objects.filter(case=case).update(
        received_at=noon(10), assessment_due=day(8), assessment_completed_at=noon(3)
    )
    assert per_day(supervisor, "overdue") == {7: 1, 6: 1, 5: 1, 4: 1}


def test_each_late_report_of_a_case_counts_and_a_closed_case_stops_counting(supervisor, operator):
    case = case_with(
        operator, reported_at=noon(6), assessment_due=day(5), closed_at=noon(1), state="closed"
    )
    Report.objects.filter(case=case).update(received_at=noon(6), assessment_due=day(5))
    Report.objects.create(case=case, received_at=noon(4), assessment_due=day(3))
    assert per_day(supervisor, "overdue") == {4: 1, 3: 1, 2: 2}


def test_a_report_case_without_report_rows_counts_from_its_own_dates(supervisor, operator):
    case = case_with(operator, reported_at=noon(5), assessment_due=day(2))
    Report.objects.filter(case=case).delete()
    assert per_day(supervisor, "overdue") == {1: 1, 0: 1}


def test_a_report_assessed_before_the_range_is_late_on_no_day(supervisor, operator):
    case = case_with(operator, reported_at=noon(60), assessment_due=day(55))
    Report.objects.filter(case=case).update(
        received_at=noon(60), assessment_due=day(55), assessment_completed_at=noon(45)
    )
    assert per_day(supervisor, "overdue") == {}


def test_another_regions_cases_are_not_counted(supervisor, operator):
    case_with(operator, reported_at=noon(3), region="utrecht")
    assert per_day(supervisor, "open") == {}
