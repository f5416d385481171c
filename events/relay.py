"""The relay: publishes outbox rows that could not be published when they were written.

An event whose publish failed (Redis down, a timeout) keeps `published_at` NULL. The
relay runs inside the server (started by the first dashboard socket, every
EVENTS_RELAY_INTERVAL_SECONDS, 0 turns it off) and as `manage.py relay_events` (the
worker's run_jobs runs it every few seconds). However many run, each event goes out once:
a relay only sends rows it claimed, and never one whose on-commit publish still holds it
(events.services.events_claim).
"""

from __future__ import annotations

import asyncio
import logging

from channels.db import database_sync_to_async
from django.conf import settings

from events.services import events_relay

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL_SECONDS = 1.0
# `manage.py relay_events` exits with this when events are still waiting for the channel
# layer: work left for the next round, not a failure of the command (jobs.schedule).
EXIT_EVENTS_WAITING = 3

_task: asyncio.Task | None = None


def relay_interval() -> float:
    return float(getattr(settings, "EVENTS_RELAY_INTERVAL_SECONDS", DEFAULT_INTERVAL_SECONDS))


async def relay_once() -> int:
    return await database_sync_to_async(events_relay)()


async def relay_forever(interval: float) -> None:
    while True:
        try:
            published = await relay_once()
            if published:
                logger.info("relay published %s waiting events", published)
        except asyncio.CancelledError:
            raise
        except Exception:
            # The database may be down too: keep trying, never let the loop die.
            logger.warning("event relay failed; retrying", exc_info=True)
        await asyncio.sleep(interval)


def relay_start_in_background() -> asyncio.Task | None:
    """Start the relay loop on the running event loop, once per loop."""
    global _task
    interval = relay_interval()
    if interval <= 0:
        return None
    loop = asyncio.get_running_loop()
    if _task is not None and not _task.done() and _task.get_loop() is loop:
        return _task
    _task = loop.create_task(relay_forever(interval), name="events-relay")
    return _task
