"""Recording and publishing domain events through the outbox."""

from __future__ import annotations

import asyncio
import datetime
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from events.catalogue import EventKind, event_check
from events.models import OutboxEvent, OutboxPruneMark

logger = logging.getLogger(__name__)

_OUTBOX_LOCK_ID = 2000
# A webhook publishes on commit; a hanging Redis must not hold the caller's line.
PUBLISH_TIMEOUT_SECONDS = 1.0


def group_for_region(region: str) -> str:
    """The channel-layer group every dashboard of a region listens on."""
    return f"dashboard.{region}"


def event_record(
    *, kind: EventKind, payload: dict[str, Any], region: str | None = None
) -> OutboxEvent:
    """Write an event in the current transaction; it is published once that commits.

    Must be called inside the transaction of the change it announces: if that rolls back,
    the event never existed. The kind must be in events.catalogue and the payload have
    exactly its keys (ValueError otherwise: a programming error the sender's tests catch).
    """
    event_check(kind, payload)
    if connection.vendor == "postgresql":
        # Held until commit: events commit in seq order, so no reader sees a hole fill later.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_OUTBOX_LOCK_ID])
    event = OutboxEvent.objects.create(
        kind=kind, payload=payload, region=region or settings.VT_REGION
    )
    transaction.on_commit(lambda: event_publish(seq=event.seq), robust=True)
    return event


def event_publish(*, seq: int) -> bool:
    """Send one stored event to its region's group; False (and kept for the relay) on failure."""
    event = OutboxEvent.objects.filter(seq=seq, published_at__isnull=True).first()
    if event is None:
        return True
    layer = get_channel_layer()
    message = {"type": "outbox.event", **event.as_message()}

    async def send() -> None:
        if layer is None:  # no CHANNEL_LAYERS configured: kept for the relay, as on failure
            raise RuntimeError("no channel layer")
        await asyncio.wait_for(
            layer.group_send(group_for_region(event.region), message), PUBLISH_TIMEOUT_SECONDS
        )

    try:
        async_to_sync(send)()
    except Exception:
        # Redis may be down; the relay (manage.py relay_events) publishes it later.
        logger.warning("event %s not published yet; the relay will retry", seq, exc_info=True)
        return False
    OutboxEvent.objects.filter(seq=seq).update(published_at=timezone.now())
    return True


def events_relay(*, batch_size: int = 500) -> int:
    """Publish every stored event that has not been published, oldest first."""
    published = 0
    pending = OutboxEvent.objects.filter(published_at__isnull=True).order_by("seq")
    for seq in pending.values_list("seq", flat=True)[:batch_size]:
        if not event_publish(seq=seq):
            break
        published += 1
    return published


def events_prune(*, keep_days: int) -> int:
    """Delete published events older than `keep_days`; a page that asks for events from
    before what is left gets a fresh snapshot instead. Unpublished events are kept."""
    cutoff = timezone.now() - datetime.timedelta(days=keep_days)
    with transaction.atomic():
        old = OutboxEvent.objects.filter(created_at__lt=cutoff, published_at__isnull=False)
        through = old.aggregate(highest=models.Max("seq"))["highest"]
        if through is None:
            return 0
        mark, _ = OutboxPruneMark.objects.select_for_update().get_or_create(pk=1)
        mark.pruned_through_seq = max(mark.pruned_through_seq, through)
        mark.save(update_fields=["pruned_through_seq"])
        deleted, _ = old.filter(seq__lte=through).delete()
    return deleted


def events_pruned_through() -> int:
    """The highest seq that prune_outbox deleted (0 when nothing was ever pruned)."""
    mark = OutboxPruneMark.objects.filter(pk=1).values_list("pruned_through_seq", flat=True)
    return mark.first() or 0
