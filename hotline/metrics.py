"""The call queue as /metrics shows it (read at scrape time by observability.collector)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone

from hotline.models import Call, CallState
from observability.collector import Reading


def call_queue_readings() -> Iterable[Reading]:
    """Per region: calls waiting now and how long the longest has waited. This system's own
    region is always there (0 when nobody waits), so an alert on it never loses its series."""
    now = timezone.now()
    waiting = {
        row["region"] or "unknown": row
        for row in Call.objects.filter(state=CallState.QUEUED)
        .values("region")
        .annotate(calls=Count("pk"), first=Min("enqueued_at"))
    }
    for region in sorted({settings.VT_REGION, *waiting}):
        row = waiting.get(region)
        first = row["first"] if row else None
        yield Reading(
            "call_queue_length",
            "Calls waiting in the queue now",
            row["calls"] if row else 0,
            {"region": region},
        )
        yield Reading(
            "call_queue_longest_wait_seconds",
            "How long the call that has waited longest has been waiting (0: none waits)",
            max((now - first).total_seconds(), 0.0) if first else 0.0,
            {"region": region},
        )
