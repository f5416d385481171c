"""The arithmetic behind the supervisor's figures, on known data."""

from __future__ import annotations

import datetime as dt

import pytest

from supervision import metrics
from supervision.metrics import DeadlineBucket, QueuedCall

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def after(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def answered(wait: float) -> QueuedCall:
    return QueuedCall(enqueued_at=T0, taken_at=after(wait), ended_at=after(wait + 300))


def abandoned(wait: float) -> QueuedCall:
    return QueuedCall(enqueued_at=T0, ended_at=after(wait), outcome="abandoned")


def test_service_level_is_answered_within_the_norm_over_offered_calls():
    calls = [
        answered(5),
        answered(20),  # exactly on the norm counts as in time
        answered(21),
        answered(90),
        abandoned(30),
        abandoned(3),  # within the grace period: not offered
        QueuedCall(enqueued_at=T0, ended_at=after(40), outcome="safe_exit"),  # pressed 9
        QueuedCall(enqueued_at=T0, ended_at=after(1), outcome="backup"),  # queue refused
        QueuedCall(enqueued_at=T0),  # still waiting: not offered yet
    ]
    figures = metrics.call_figures(calls, threshold_seconds=20)
    assert figures.offered == 6  # 4 answered + 1 abandoned + 1 overflow
    assert figures.answered == 4
    assert figures.answered_in_time == 2
    assert figures.abandoned == 1
    assert figures.short_abandoned == 1
    assert figures.safe_exits == 1
    assert figures.service_level == pytest.approx(2 / 6)
    assert figures.abandon_rate == pytest.approx(1 / 6)
    assert metrics.percent(figures.service_level) == "33 %"
    assert metrics.percent(figures.abandon_rate) == "17 %"


def test_the_norm_is_configurable():
    calls = [answered(5), answered(25), answered(35)]
    assert metrics.call_figures(calls, threshold_seconds=30).service_level == pytest.approx(2 / 3)
    assert metrics.call_figures(calls, threshold_seconds=10).service_level == pytest.approx(1 / 3)


def test_the_grace_period_is_a_parameter_and_five_seconds_is_not_short():
    assert metrics.classify(abandoned(4.9)) == metrics.SHORT_ABANDON
    assert metrics.classify(abandoned(5)) == metrics.ABANDONED
    assert metrics.classify(abandoned(8), grace_seconds=10) == metrics.SHORT_ABANDON


def test_a_ghost_call_closed_on_twilios_word_counts_as_abandoned_not_overflow():
    ghost = QueuedCall(enqueued_at=T0, ended_at=after(1800), outcome="ended_unreported")
    assert metrics.classify(ghost) == metrics.ABANDONED


def test_no_calls_is_no_figure_not_zero_or_a_hundred_percent():
    figures = metrics.call_figures([], threshold_seconds=20)
    assert figures.service_level is None and figures.abandon_rate is None
    assert metrics.percent(None) == "\u2013"
    only_short = metrics.call_figures([abandoned(1)], threshold_seconds=20)
    assert only_short.offered == 0 and only_short.service_level is None


@pytest.mark.parametrize(
    ("due", "today", "expected"),
    [
        # Due today.
        (dt.date(2026, 11, 24), dt.date(2026, 11, 24), DeadlineBucket("today", 0)),
        # Friday deadline: 1 day late on Saturday, Sunday and Monday, 2 on Tuesday.
        (dt.date(2026, 11, 27), dt.date(2026, 11, 28), DeadlineBucket("overdue", 1)),
        (dt.date(2026, 11, 27), dt.date(2026, 11, 29), DeadlineBucket("overdue", 1)),
        (dt.date(2026, 11, 27), dt.date(2026, 11, 30), DeadlineBucket("overdue", 1)),
        (dt.date(2026, 11, 27), dt.date(2026, 12, 1), DeadlineBucket("overdue", 2)),
        # Friday 24 April 2026, then Koningsdag (Mon 27): Tuesday 28 is 1 working day late.
        (dt.date(2026, 4, 24), dt.date(2026, 4, 27), DeadlineBucket("overdue", 1)),
        (dt.date(2026, 4, 24), dt.date(2026, 4, 28), DeadlineBucket("overdue", 1)),
        (dt.date(2026, 4, 24), dt.date(2026, 4, 29), DeadlineBucket("overdue", 2)),
        # Over Easter Monday (6 April 2026): Thursday 2 to Tuesday 7 is 2 working days late.
        (dt.date(2026, 4, 2), dt.date(2026, 4, 7), DeadlineBucket("overdue", 2)),
        # Days left: from Friday to Monday is 1; over Koningsdag and 5 May it skips both.
        (dt.date(2026, 11, 30), dt.date(2026, 11, 27), DeadlineBucket("left", 1)),
        (dt.date(2026, 5, 6), dt.date(2026, 4, 24), DeadlineBucket("left", 6)),
        # Christmas and Boxing Day: Thursday 24 Dec 2026 to Monday 28 Dec is 1 day left.
        (dt.date(2026, 12, 28), dt.date(2026, 12, 24), DeadlineBucket("left", 1)),
    ],
)
def test_deadline_buckets_count_dutch_working_days(due, today, expected):
    assert metrics.deadline_bucket(due, today) == expected


def test_overdue_sorts_before_due_today_before_days_left():
    buckets = [
        DeadlineBucket("left", 3),
        DeadlineBucket("overdue", 1),
        DeadlineBucket("today", 0),
        DeadlineBucket("overdue", 7),
    ]
    kinds = [(b.kind, b.working_days) for b in sorted(buckets, key=lambda b: b.sort_key)]
    assert kinds == [("overdue", 7), ("overdue", 1), ("today", 0), ("left", 3)]


@pytest.mark.parametrize(
    ("count", "base", "rounded"),
    [(0, 5, 0), (1, 5, 0), (2, 5, 0), (3, 5, 5), (7, 5, 5), (8, 5, 10), (12, 5, 10), (13, 1, 13)],
)
def test_counts_round_to_multiples_of_five(count, base, rounded):
    assert metrics.round_to(count, base) == rounded


def test_half_years():
    assert metrics.half_year(2026, 1) == (dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    assert metrics.half_year(2026, 2) == (dt.date(2026, 7, 1), dt.date(2026, 12, 31))
