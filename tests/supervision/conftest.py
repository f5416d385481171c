from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from cases.models import Case
from hotline.models import Call, CallState
from tests.cases.factories import register_case

_sids = itertools.count(1)


def case_due(by, *, days_ago: int, **kwargs) -> Case:
    """A report whose assessment deadline was `days_ago` calendar days ago (negative: ahead)."""
    case = register_case(by, **kwargs)
    Case.objects.filter(pk=case.pk).update(
        assessment_due=timezone.localdate() - dt.timedelta(days=days_ago)
    )
    case.refresh_from_db()
    return case


def queued_call(*, waited: float, answered: bool = True, outcome: str = "", region: str = ""):
    """A call of today that joined the queue `waited` seconds before it was answered or ended."""
    from django.conf import settings

    # Ten minutes ago, but never before today's local midnight: just after midnight a call
    # of ten minutes ago is yesterday's, and "today's figures" would rightly leave it out.
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    enqueued = max(timezone.now() - dt.timedelta(minutes=10), midnight + dt.timedelta(seconds=1))
    end = enqueued + dt.timedelta(seconds=waited)
    return Call.objects.create(
        sid=f"CA{next(_sids):032x}",
        region=region or settings.VT_REGION,
        state=CallState.ENDED if answered or outcome != "abandoned" else CallState.ABANDONED,
        outcome=outcome or ("completed" if answered else "abandoned"),
        enqueued_at=enqueued,
        taken_at=end if answered else None,
        ended_at=end + dt.timedelta(seconds=120) if answered else end,
    )


@pytest.fixture
def overdue_case(operator):
    return case_due(operator, days_ago=10)
