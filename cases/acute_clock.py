"""The acute clock: hours, not working days.

An acute situation (a case, or an acute call that never became one) must have its first
safety action recorded within `ACUTE_FIRST_ACTION_HOURS` of the moment it was raised.
One function says how that stands, so the case page, the operators' acute list and the
supervisor's screen never disagree; `label` is what they show.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# A safety action may have happened shortly before the alert (the caller says the police
# are already there), but not days before it: a typo in the date, not a real time.
ACTION_BEFORE_ALERT_MARGIN = datetime.timedelta(hours=24)
# Clocks of two machines differ a little; a time a minute "in the future" is now.
FUTURE_TOLERANCE = datetime.timedelta(minutes=1)


def first_action_within() -> str:
    """ "eerste veiligheidsactie binnen 1 uur": the rule, with the hours of the setting."""
    hours = settings.ACUTE_FIRST_ACTION_HOURS
    return ngettext(
        "eerste veiligheidsactie binnen %(hours)s uur",
        "eerste veiligheidsactie binnen %(hours)s uur",
        hours,
    ) % {"hours": hours}


def first_action_due(since: datetime.datetime) -> datetime.datetime:
    return since + datetime.timedelta(hours=settings.ACUTE_FIRST_ACTION_HOURS)


@dataclass(frozen=True)
class AcuteClock:
    since: datetime.datetime
    due: datetime.datetime
    # Whole minutes left (rounded up) before `due`, or late after it (rounded down, at least 1).
    minutes_left: int
    minutes_late: int

    @property
    def overdue(self) -> bool:
        return self.minutes_late > 0

    @property
    def label(self) -> str:
        within = first_action_within()
        if self.overdue:
            return _("%(within)s: %(time)s te laat") % {
                "within": within,
                "time": _duration(self.minutes_late),
            }
        return _("%(within)s: nog %(time)s") % {
            "within": within,
            "time": _duration(self.minutes_left),
        }


def _duration(minutes: int) -> str:
    # "nog 60 min" at the start of a one-hour clock; hours only beyond the first.
    if minutes <= 60:
        return _("%(n)s min") % {"n": minutes}
    return _("%(h)s uur %(m)s min") % {"h": minutes // 60, "m": minutes % 60}


def acute_clock(since: datetime.datetime, now: datetime.datetime | None = None) -> AcuteClock:
    now = now or timezone.now()
    due = first_action_due(since)
    seconds = (due - now).total_seconds()
    if seconds >= 0:
        return AcuteClock(
            since=since, due=due, minutes_left=math.ceil(seconds / 60), minutes_late=0
        )
    return AcuteClock(
        since=since, due=due, minutes_left=0, minutes_late=max(1, int(-seconds // 60))
    )


def action_time_refusal(
    happened_at: datetime.datetime, *, since: datetime.datetime | None, now: datetime.datetime
) -> str:
    """Why a safety action's time cannot be right ("" when it can): not in the future, and
    not long before the acute situation was raised."""
    if happened_at > now + FUTURE_TOLERANCE:
        return _("Dit tijdstip ligt in de toekomst.")
    if since is not None and happened_at < since - ACTION_BEFORE_ALERT_MARGIN:
        return _("Dit tijdstip ligt meer dan een dag voor de acute melding.")
    return ""
