"""In the server an event goes out from the server's loop, not the request's thread, once.

A view runs in a thread that asgiref started from the server's event loop; its on-commit
publish only queues the event there (events.publisher), so the request neither waits for
Redis nor holds its connection for it. The claims are the same as for an inline publish: a
relay leaves a queued event alone, and the event is marked published only once the channel
layer took it.
"""

from __future__ import annotations

import asyncio
import threading

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from events import services
from events.models import OutboxEvent
from events.publisher import publish_after_response
from events.services import event_record, events_relay, group_for_region

pytestmark = [pytest.mark.django_db(transaction=True)]

PAYLOAD = {"username": "olga", "state": "available", "since": "2026-12-01T18:00:00+00:00"}
EVENTS = 5


def record_events_as_a_view_does() -> tuple[list[int], int, str]:
    """Each in its own transaction, as webhooks do; what a relay could take meanwhile,
    and the view's thread."""
    seqs = []
    for _ in range(EVENTS):
        with transaction.atomic():
            seqs.append(event_record(kind="presence.changed", payload=PAYLOAD).seq)
    return seqs, events_relay(), threading.current_thread().name


async def published(seqs: list[int]) -> int:
    return await database_sync_to_async(
        OutboxEvent.objects.filter(seq__in=seqs, published_at__isnull=False).count
    )()


@pytest.mark.asyncio
async def test_a_views_events_go_out_from_the_servers_loop_in_order_and_once(monkeypatch):
    layer = get_channel_layer()
    assert layer is not None
    sending_threads: list[str] = []
    group_send = layer.group_send

    async def recording_group_send(group: str, message: dict) -> None:
        sending_threads.append(threading.current_thread().name)
        await group_send(group, message)

    monkeypatch.setattr(layer, "group_send", recording_group_send)
    # The inline publish (what a management command does): the view must not wait for it.
    published_inline: list[int] = []
    monkeypatch.setattr(services, "_send", lambda event: published_inline.append(event.seq))
    channel = await layer.new_channel()
    await layer.group_add(group_for_region(settings.VT_REGION), channel)
    try:
        seqs, relayed, view_thread = await database_sync_to_async(record_events_as_a_view_does)()
        # No relay took an event its publisher holds.
        assert relayed == 0
        received = [await asyncio.wait_for(layer.receive(channel), 10) for _ in seqs]
        assert [message["seq"] for message in received] == seqs
        for _ in range(100):  # recorded by the publisher once the layer took them
            if await published(seqs) == EVENTS:
                break
            await asyncio.sleep(0.05)
        assert await published(seqs) == EVENTS
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(layer.receive(channel), 0.5)  # nothing twice
        # Sent from the server's loop, never from the view's thread.
        assert sending_threads == [threading.current_thread().name] * EVENTS
        assert view_thread not in sending_threads
        assert published_inline == []
    finally:
        await layer.group_discard(group_for_region(settings.VT_REGION), channel)


def test_outside_a_server_the_event_is_published_by_the_caller():
    # A management command, the worker, a test: no server loop to queue it on.
    event = OutboxEvent(seq=1, kind="presence.changed", region="haaglanden", payload={})
    assert publish_after_response(event, claim=timezone.now()) is False
