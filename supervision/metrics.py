"""The arithmetic behind the supervisor's figures, as plain functions on plain data.

Service level and abandon rate follow the usual call-centre definitions, with two choices
written down here because the figures depend on them:

- A call is *offered* once it joined our queue (`enqueued_at` is set) and has a result:
  answered (an operator took it), abandoned (the caller hung up while waiting) or sent to
  the backup number because the queue refused it. Calls still waiting are not offered yet.
- Two kinds of queued calls are left out of both figures: callers who hung up within
  `SHORT_ABANDON_SECONDS` (a misdial, or a caller who changed their mind before anyone
  could have answered), and callers who pressed 9 ("can't talk now"): that is a safety
  action by the caller, not a call the service failed to answer.

    service level = answered within N seconds / offered
    abandon rate  = abandoned after the grace period / offered

Both are None when nothing was offered (no calls is not 0 % and not 100 %).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from cases import working_days

SHORT_ABANDON_SECONDS = 5

ANSWERED = "answered"
ABANDONED = "abandoned"
SHORT_ABANDON = "short_abandon"
SAFE_EXIT = "safe_exit"
OVERFLOW = "overflow"
WAITING = "waiting"


@dataclass(frozen=True)
class QueuedCall:
    """What the figures need to know about one call that joined the queue."""

    enqueued_at: datetime.datetime
    taken_at: datetime.datetime | None = None
    ended_at: datetime.datetime | None = None
    outcome: str = ""  # hotline.models.CallOutcome value

    def wait_seconds(self, now: datetime.datetime) -> float:
        end = self.taken_at or self.ended_at or now
        return max(0.0, (end - self.enqueued_at).total_seconds())


def classify(call: QueuedCall, *, grace_seconds: int = SHORT_ABANDON_SECONDS) -> str:
    if call.taken_at is not None:
        return ANSWERED
    if call.outcome == "safe_exit":
        return SAFE_EXIT
    if call.outcome == "abandoned":
        waited = call.wait_seconds(call.ended_at or call.enqueued_at)
        return SHORT_ABANDON if waited < grace_seconds else ABANDONED
    if call.outcome == "ended_unreported":
        # A ghost call the worker closed on Twilio's word: the caller hung up unanswered at
        # a moment we never heard of, so it counts as abandoned (its end time is when we
        # asked Twilio, not when they left, so the short-abandon grace cannot apply).
        return ABANDONED
    if call.ended_at is not None:
        return OVERFLOW
    return WAITING


@dataclass(frozen=True)
class CallFigures:
    offered: int
    answered: int
    answered_in_time: int
    abandoned: int
    short_abandoned: int
    safe_exits: int
    threshold_seconds: int

    @property
    def service_level(self) -> float | None:
        return ratio(self.answered_in_time, self.offered)

    @property
    def abandon_rate(self) -> float | None:
        return ratio(self.abandoned, self.offered)


def ratio(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def call_figures(
    calls: Iterable[QueuedCall],
    *,
    threshold_seconds: int,
    grace_seconds: int = SHORT_ABANDON_SECONDS,
) -> CallFigures:
    counts = {ANSWERED: 0, ABANDONED: 0, SHORT_ABANDON: 0, SAFE_EXIT: 0, OVERFLOW: 0, WAITING: 0}
    in_time = 0
    for call in calls:
        kind = classify(call, grace_seconds=grace_seconds)
        counts[kind] += 1
        if kind == ANSWERED and call.wait_seconds(call.enqueued_at) <= threshold_seconds:
            in_time += 1
    return CallFigures(
        offered=counts[ANSWERED] + counts[ABANDONED] + counts[OVERFLOW],
        answered=counts[ANSWERED],
        answered_in_time=in_time,
        abandoned=counts[ABANDONED],
        short_abandoned=counts[SHORT_ABANDON],
        safe_exits=counts[SAFE_EXIT],
        threshold_seconds=threshold_seconds,
    )


def percent(value: float | None) -> str:
    """87.5 % as "88 %", and a dash when there is nothing to measure."""
    return "\u2013" if value is None else f"{round(value * 100)} %"


# --- deadlines --------------------------------------------------------------------------

OVERDUE = "overdue"
DUE_TODAY = "today"
DAYS_LEFT = "left"


@dataclass(frozen=True)
class DeadlineBucket:
    kind: str  # OVERDUE, DUE_TODAY or DAYS_LEFT
    # Working days overdue (OVERDUE) or left (DAYS_LEFT); 0 when due today.
    working_days: int

    @property
    def sort_key(self) -> int:
        return {OVERDUE: -self.working_days, DUE_TODAY: 0}.get(self.kind, self.working_days)


@cache
def deadline_bucket(due: datetime.date, today: datetime.date) -> DeadlineBucket:
    """Where a deadline stands today, in Dutch working days.

    Due today: the deadline is today. Overdue by N: the working days after the deadline up
    to and including today, at least 1 once the day has passed (a Friday deadline is 1 day
    overdue on Saturday, Sunday and Monday, 2 on Tuesday; Koningsdag or Easter Monday in
    between do not count). Days left: the working days from tomorrow up to and including
    the deadline (a Monday deadline on the Friday before is 1 day left).
    """
    if due == today:
        return DeadlineBucket(DUE_TODAY, 0)
    if due < today:
        return DeadlineBucket(OVERDUE, max(working_days.working_days_between(due, today), 1))
    return DeadlineBucket(DAYS_LEFT, working_days.working_days_between(today, due))


# --- statistics -------------------------------------------------------------------------


def round_to(count: int, base: int) -> int:
    """Round a count to the nearest multiple of `base` (halves up), as published tables do
    so that small numbers cannot single out a family. base 1 leaves the count as it is."""
    if base <= 1:
        return count
    return math.floor(count / base + 0.5) * base


def half_year(year: int, half: int) -> tuple[datetime.date, datetime.date]:
    """The first and last day of half-year 1 (Jan-Jun) or 2 (Jul-Dec)."""
    if half == 1:
        return datetime.date(year, 1, 1), datetime.date(year, 6, 30)
    return datetime.date(year, 7, 1), datetime.date(year, 12, 31)
