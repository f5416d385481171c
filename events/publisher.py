"""Publishing an event outside the request that wrote it, on the server's event loop.

A webhook's transaction writes its event and commits; sending it to the dashboards then
took the request a round trip to Redis and an UPDATE, on the request's own thread and
pooled connection, before Twilio got its answer. Under load every webhook so held a
connection longer than its transaction needed. In the server the on-commit publish now
only queues the event here: one task on the server's event loop sends what is queued, in
seq order, and marks it published in one UPDATE per batch on a connection of its own,
which it gives back at once.

Nothing about the outbox's guarantees changes (events.services): the event is born
claimed by this publish, the task sends it only while that claim has time to spare and
otherwise goes the claiming way (event_publish), it is marked published only after the
channel layer took it, and a failed send gives the claim back for the relays. If the
process dies with events queued here, their claims run out and a relay sends them.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import os
from dataclasses import dataclass, field

from asgiref.sync import SyncToAsync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.utils import timezone

from events.models import OutboxEvent

logger = logging.getLogger(__name__)


@dataclass
class _Queue:
    waiting: list[tuple[OutboxEvent, datetime.datetime]] = field(default_factory=list)
    task: asyncio.Task | None = None


_queues: dict[asyncio.AbstractEventLoop, _Queue] = {}


def _server_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop of the ASGI server this thread works for, if any.

    A sync view runs in a thread that asgiref's sync_to_async started from that loop, and
    asgiref notes the loop in a thread-local (the same one async_to_sync uses to find it).
    A management command, the worker or a plain test has none.
    """
    threadlocal = SyncToAsync.threadlocal
    if getattr(threadlocal, "main_event_loop_pid", None) != os.getpid():
        return None
    loop = getattr(threadlocal, "main_event_loop", None)
    if loop is None or loop.is_closed() or not loop.is_running():
        return None
    return loop


def publish_after_response(event: OutboxEvent, claim: datetime.datetime) -> bool:
    """Queue a committed event for the server's publisher; False when there is no server
    loop to queue it on (the caller publishes it itself)."""
    loop = _server_loop()
    if loop is None:
        return False
    try:
        loop.call_soon_threadsafe(_enqueue, loop, event, claim)
    except RuntimeError:  # the loop closed in between: the server is stopping
        return False
    return True


def _enqueue(loop: asyncio.AbstractEventLoop, event: OutboxEvent, claim: datetime.datetime) -> None:
    queue = _queues.setdefault(loop, _Queue())
    queue.waiting.append((event, claim))
    if queue.task is None or queue.task.done():
        queue.task = loop.create_task(_drain(loop, queue), name="events-publisher")


async def _drain(loop: asyncio.AbstractEventLoop, queue: _Queue) -> None:
    """Send everything queued, batch after batch, until nothing is left; then end (the
    next event starts a new task), so no task outlives the work."""
    try:
        while queue.waiting:
            batch = sorted(queue.waiting, key=lambda item: item[0].seq)
            queue.waiting = []
            try:
                await _send_batch(batch)
            except Exception as error:
                # The database went away between sending and recording it: what was
                # not recorded keeps its claim until it runs out, then a relay sends it.
                logger.warning(
                    "publishing after the response failed (%s); the relay takes over",
                    type(error).__name__,
                )
    finally:
        if _queues.get(loop) is queue and not queue.waiting:
            del _queues[loop]


async def _send_batch(batch: list[tuple[OutboxEvent, datetime.datetime]]) -> None:
    from events.services import CLAIM_SECONDS, PUBLISH_TIMEOUT_SECONDS, group_for_region

    layer = get_channel_layer()
    margin = datetime.timedelta(seconds=CLAIM_SECONDS / 2)
    sent: list[int] = []
    given_back: list[tuple[int, datetime.datetime]] = []
    late: list[tuple[OutboxEvent, datetime.datetime]] = []
    for index, (event, claim) in enumerate(batch):
        if timezone.now() + margin >= claim:
            # Our claim is running out: a relay may take the row any moment, so this one
            # goes the claiming way (a write that says whose it is) before it is sent.
            late.append((event, claim))
            continue
        try:
            if layer is None:  # no CHANNEL_LAYERS configured: kept for the relay
                raise RuntimeError("no channel layer")
            message = {"type": "outbox.event", **event.as_message()}
            await asyncio.wait_for(
                layer.group_send(group_for_region(event.region), message),
                PUBLISH_TIMEOUT_SECONDS,
            )
        except Exception:
            # Redis may be down: the rest of the batch would only wait for the same
            # timeout one by one. All of it goes back to the relays, oldest first.
            logger.warning("event %s not published yet; the relay will retry", event.seq)
            given_back += [(later.seq, later_claim) for later, later_claim in batch[index:]]
            break
        sent.append(event.seq)
    await database_sync_to_async(_record_outcome, thread_sensitive=False)(sent, given_back, late)


def _record_outcome(
    sent: list[int],
    given_back: list[tuple[int, datetime.datetime]],
    late: list[tuple[OutboxEvent, datetime.datetime]],
) -> None:
    """In a worker thread, on a pooled connection given back when it returns
    (database_sync_to_async closes it: CONN_MAX_AGE is 0)."""
    from events.services import event_publish

    if sent:
        # Only now: the channel layer took every one of them.
        OutboxEvent.objects.filter(seq__in=sent).update(
            published_at=timezone.now(), claimed_until=None
        )
    for seq, claim in given_back:
        # Given up at once, so the next relay pass retries without waiting for the claim
        # to run out (unless it ran out already and another publisher holds it now).
        OutboxEvent.objects.filter(seq=seq, claimed_until=claim).update(claimed_until=None)
    for event, claim in late:
        event_publish(seq=event.seq, claim=claim, event=event)
