"""Calls whose end never reached us: ask Twilio, and close those it says are over.

A caller hangs up, and Twilio's final webhooks (the queue result, the status callback)
fail or are lost: the call waits in our queue forever, a ghost at the head of it. The
worker runs `manage.py reconcile_calls` (jobs/schedule.py); each call without a final
status after GHOST_CALL_AFTER_MINUTES is looked up with Twilio's REST API.

Only Twilio's definitive answer closes a call: a final status (completed, canceled,
failed, busy, no-answer) or "not found". A timeout, a 5xx or any other failure says
nothing about the caller, who may still be waiting: the call keeps its place, and is
asked about again on a later run. No caller is ever hung up on: closing a call changes
only our records.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from hotline import services, twilio_rest
from hotline.models import Call, CallState

# States in which a call still waits for its end from Twilio. A transferred call is not
# ours any more; it is left out.
OPEN_STATES = (CallState.IVR, CallState.QUEUED, CallState.TAKEN, CallState.CONNECTED)
# One run asks Twilio about this many calls at most: with Twilio slow, one run of the
# worker must not take minutes.
CALLS_PER_RUN = 50


@dataclass(frozen=True)
class Reconciled:
    checked: int
    closed: int
    live: int
    unknown: int


def calls_to_check(now: datetime.datetime | None = None) -> QuerySet[Call]:
    """Calls without an end for GHOST_CALL_AFTER_MINUTES, not asked about within that time,
    the longest unasked first. Simulated calls never reach Twilio, so they are not here."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(minutes=settings.GHOST_CALL_AFTER_MINUTES)
    return (
        Call.objects.filter(state__in=OPEN_STATES, simulated=False, created_at__lte=cutoff)
        .filter(Q(twilio_checked_at__isnull=True) | Q(twilio_checked_at__lte=cutoff))
        .order_by(F("twilio_checked_at").asc(nulls_first=True), "created_at", "pk")
    )


def reconcile_calls(*, limit: int = CALLS_PER_RUN) -> Reconciled:
    """Ask Twilio about each stale call (outside any transaction) and close the ones it
    says are over. Returns how many were asked about, closed, live and left unknown."""
    if not twilio_rest.is_configured():
        return Reconciled(checked=0, closed=0, live=0, unknown=0)
    counts: Counter[str] = Counter()
    for call in list(calls_to_check()[:limit]):
        Call.objects.filter(pk=call.pk).update(twilio_checked_at=timezone.now())
        try:
            status = twilio_rest.call_status(sid=call.sid)
        except twilio_rest.CallNotInProgress as error:
            services.call_close_gone(call=call, note=f"twilio does not know the call: {error}")
            counts["closed"] += 1
            continue
        except twilio_rest.TelephonyError:
            # Nothing is known about the caller: the call stays where it is.
            counts["unknown"] += 1
            continue
        if status in twilio_rest.FINAL_CALL_STATUSES:
            services.call_close_gone(call=call, note=f"twilio says {status}", twilio_status=status)
            counts["closed"] += 1
        else:
            counts["live"] += 1
    return Reconciled(
        checked=sum(counts.values()),
        closed=counts["closed"],
        live=counts["live"],
        unknown=counts["unknown"],
    )
