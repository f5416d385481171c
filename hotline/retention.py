"""Caller numbers under privacy's retention framework (found by privacy.apps autodiscovery).

A call record keeps the caller's number only CALL_NUMBER_RETENTION_DAYS after the call;
then purge_expired wipes the number and its blind index and keeps the rest of the row
(role, times, outcome) for the service-level figures. A case keeps what the intake copied.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import SUPERVISE
from hotline.models import Call
from privacy.retention import RetentionPolicy, TombstoneData, register_policy


def _visible_to(user: Any) -> Any:
    if user is None or user.has_perm(SUPERVISE):
        return Call.objects.all()
    return Call.objects.none()


def _keep_days() -> datetime.timedelta:
    return datetime.timedelta(days=settings.CALL_NUMBER_RETENTION_DAYS)


def _candidates(today: datetime.date) -> Any:
    return (
        Call.objects.filter(ended_at__date__lte=today - _keep_days())
        .exclude(caller_index="")
        .order_by("pk")
    )


def _retained_until(call: Call) -> datetime.date:
    ended = call.ended_at or call.created_at
    return timezone.localdate(ended) + _keep_days()


def _describe(call: Call) -> TombstoneData:
    return TombstoneData(
        reference=f"call {call.pk}",
        opened_on=timezone.localdate(call.created_at),
        closed_on=timezone.localdate(call.ended_at) if call.ended_at else None,
    )


def _destroy(call: Call) -> TombstoneData:
    Call.objects.filter(pk=call.pk).update(caller_number="", caller_index="")
    return _describe(call)


def _refuse_on_request(call: Call) -> str:
    return _("Nummers van bellers worden automatisch gewist na de bewaartermijn.")


register_policy(
    RetentionPolicy(
        target_type="hotline.call",
        visible_to=_visible_to,
        candidates=_candidates,
        retained_until=_retained_until,
        describe=_describe,
        destroy=_destroy,
        refuse_on_request=_refuse_on_request,
    )
)
