"""The outbox as /metrics shows it (read at scrape time by observability.collector)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Min
from django.utils import timezone

from events.models import OutboxEvent
from observability.collector import Reading


def outbox_readings() -> Iterable[Reading]:
    """What the relay has not published yet: how many, and how old the oldest is (the
    dashboards are that far behind)."""
    backlog = OutboxEvent.objects.filter(published_at__isnull=True).aggregate(
        events=Count("seq"), oldest=Min("created_at")
    )
    oldest = backlog["oldest"]
    yield Reading(
        "outbox_unpublished_events",
        "Dashboard events the relay has not published yet (relay backlog)",
        backlog["events"],
    )
    yield Reading(
        "outbox_lag_seconds",
        "Age of the oldest unpublished dashboard event (0: none waits)",
        max((timezone.now() - oldest).total_seconds(), 0.0) if oldest else 0.0,
    )
