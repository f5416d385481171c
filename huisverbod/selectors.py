"""Reads of the tijdelijk huisverbod, for the case page and the supervisor's screen."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from accounts.models import User
from cases.models import Case
from huisverbod.models import HuisverbodTask

# Tasks due within this many days show on the supervisor's screen beside the overdue ones:
# a contact due tomorrow is the one to plan tonight.
DUE_LOOKAHEAD_DAYS = 1


def tasks_due(*, user: User, today: datetime.date) -> QuerySet[HuisverbodTask]:
    """Open tasks that are overdue or due by tomorrow, on cases the user may know:
    overdue first (earliest deadline first), references and dates only."""
    return (
        HuisverbodTask.objects.filter(
            huisverbod__case__in=Case.objects.visible_to(user),
            done_at__isnull=True,
            due_on__lte=today + datetime.timedelta(days=DUE_LOOKAHEAD_DAYS),
        )
        .select_related("huisverbod", "huisverbod__case")
        .order_by("due_on", "huisverbod__imposed_at", "pk")
    )
