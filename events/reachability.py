"""Can this server reach the database and the channel layer? For the operators' pages.

/readyz (config.health) answers the same question for load balancers; this one is asked by
every open dashboard every few seconds, so each process checks at most once per
`MAX_AGE_SECONDS` whatever the number of pages, one check at a time, and never keeps a
page waiting longer than `CHECK_TIMEOUT_SECONDS`: a database that accepts connections and
never answers counts as unreachable after that, while the check goes on in its own thread.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.signals import setting_changed
from django.db import connection
from django.dispatch import receiver

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 2.0
MAX_AGE_SECONDS = 2.0


@dataclass(frozen=True)
class Reachability:
    database: bool
    channel_layer: bool

    def as_json(self) -> dict[str, bool]:
        return {"database": self.database, "channel_layer": self.channel_layer}


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.warning("status: database unreachable", exc_info=True)
        return False
    finally:
        # This thread's own connection: the next check starts afresh, as after an outage.
        connection.close()


async def _channel_layer_round_trip() -> bool:
    layer = get_channel_layer()
    if layer is None:
        return False

    async def round_trip() -> bool:
        # A channel of its own, not one of new_channel()'s process channels: those share
        # one receive loop with every socket of this process, and a socket cancelling its
        # receive there could swallow the check's message.
        channel = f"status.{uuid.uuid4().hex}"
        await layer.send(channel, {"type": "status.ping"})
        message = await layer.receive(channel)
        return message.get("type") == "status.ping"

    try:
        return await asyncio.wait_for(round_trip(), CHECK_TIMEOUT_SECONDS)
    except Exception:
        logger.warning("status: channel layer unreachable", exc_info=True)
        return False


def _channel_layer_answers() -> bool:
    # In the request's thread: async_to_sync reaches the server's own event loop, where
    # the layer keeps its connections.
    return async_to_sync(_channel_layer_round_trip)()


class _Probe:
    """One check, shared by every request of this process: a fresh answer is reused, and
    a check still running is waited for (up to the timeout), never started twice."""

    def __init__(self, check: Callable[[], bool], *, in_thread: bool) -> None:
        self.check = check
        self.in_thread = in_thread
        self.lock = threading.Lock()
        self.answer: bool | None = None
        self.answered_at = 0.0
        self.running: Future[bool] | None = None
        self.executor = ThreadPoolExecutor(max_workers=1) if in_thread else None

    def __call__(self) -> bool:
        with self.lock:
            if self.answer is not None and time.monotonic() - self.answered_at < MAX_AGE_SECONDS:
                return self.answer
            if not self.in_thread:
                return self._remember(self.check())
            assert self.executor is not None  # made with in_thread
            if self.running is None or self.running.done():
                self.running = self.executor.submit(self.check)
            running = self.running
        try:
            answer = running.result(timeout=CHECK_TIMEOUT_SECONDS)
        except FutureTimeout:
            answer = False  # it does not answer in time: as good as down for an operator
        with self.lock:
            return self._remember(answer)

    def _remember(self, answer: bool) -> bool:
        self.answer, self.answered_at = answer, time.monotonic()
        return answer

    def forget(self) -> None:
        with self.lock:
            self.answer = None


_database = _Probe(_database_answers, in_thread=True)
# The channel-layer check is bounded by asyncio itself; serialised by the probe's lock.
_channel_layer = _Probe(_channel_layer_answers, in_thread=False)


def channel_layer_reachable() -> bool:
    """The channel layer's answer alone, shared with the status checks (at most 2 s old)."""
    return _channel_layer()


def reachability() -> Reachability:
    return Reachability(database=_database(), channel_layer=_channel_layer())


def reachability_forget() -> None:
    """Check afresh on the next call (tests, and after a change of settings)."""
    _database.forget()
    _channel_layer.forget()


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: object) -> None:
    # As channels resets its layers: an answer about the old layer or database is void.
    if setting in ("CHANNEL_LAYERS", "DATABASES"):
        reachability_forget()
