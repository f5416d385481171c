"""Every event is published once, by one publisher, with three relays racing and Redis
restarted in the middle.

Publishers: Daphne as deployed (each webhook's on-commit publish, and the relay inside the
server that the dashboard socket starts), the worker (`run_jobs --loop`, whose
relay_events runs every 5 s) and a `relay_events --loop` of its own every 50 ms to make
the races frequent (on PostgreSQL; on SQLite the server alone, see `publishers`). A
listener in this test subscribes to the region's group on the channel layer and counts
what arrives, by sequence number.

The listener must be subscribed before anything reaches the restarted (empty) Redis, or
it could not tell a lost event from one it missed: so the publishers are paused
(SIGSTOP) while Redis comes back and the listener joins, and go on at once after. Redis
is killed when everything so far has arrived: a message still inside Redis when it dies is
lost by the channel layer, not by a publisher (the pages resync on such a gap).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from channels_redis.core import RedisChannelLayer
from django.conf import settings
from django.db import connections
from django.test import Client
from django.utils import timezone
from twilio.request_validator import RequestValidator

from config.channel_layers import redis_channel_layer
from events.models import OutboxEvent
from events.services import group_for_region
from tests.browser.test_dashboard_in_the_browser import DaphneServer, database_url_for_the_server
from tests.conftest import log_in_fully
from tests.faults.conftest import DashboardWatcher, server_env
from tests.hotline.conftest import new_sid
from tests.hotline.dashboard_helpers import session_cookie

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
CALLS_PER_PHASE = 30
PRODUCERS = 3
ARRIVE_SECONDS = 30.0


def wait_until(predicate, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


class Listener:
    """A subscriber to the region's group on our Redis, in its own thread and event loop.
    When Redis dies it waits for `rejoin()`, then subscribes again on the new one."""

    def __init__(self, redis_url: str) -> None:
        self.config = redis_channel_layer(redis_url, settings.CHANNEL_LAYER_ENCRYPTION_KEY)
        self.group = group_for_region(settings.VT_REGION)
        self.received: list[int] = []
        self.lock = threading.Lock()
        self.joined = threading.Event()
        self.may_rejoin = threading.Event()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    def start(self) -> Listener:
        self.thread.start()
        assert self.joined.wait(10), "the listener could not subscribe"
        return self

    def rejoin(self) -> None:
        self.joined.clear()
        self.may_rejoin.set()
        assert self.joined.wait(10), "the listener could not subscribe again"

    def stop(self) -> None:
        self.stopping.set()
        self.may_rejoin.set()
        self.thread.join(timeout=10)

    def seqs(self) -> list[int]:
        with self.lock:
            return list(self.received)

    async def _run(self) -> None:
        while not self.stopping.is_set():
            layer = RedisChannelLayer(**self.config["CONFIG"])
            try:
                channel = await layer.new_channel()
                await layer.group_add(self.group, channel)
                self.joined.set()
                # One receive at a time, never cancelled while it waits: a receive that is
                # cancelled may already have taken a message off Redis, and that message
                # would be counted as lost.
                receive = asyncio.ensure_future(layer.receive(channel))
                try:
                    while not self.stopping.is_set():
                        done, _ = await asyncio.wait({receive}, timeout=0.2)
                        if not done:
                            continue
                        message = receive.result()
                        with self.lock:
                            self.received.append(message["seq"])
                        receive = asyncio.ensure_future(layer.receive(channel))
                finally:
                    receive.cancel()
            except (OSError, ConnectionError, TimeoutError):
                pass
            except Exception as error:  # redis-py's own ConnectionError is no OSError
                if "connect" not in str(error).lower() and "closed" not in str(error).lower():
                    raise
            finally:
                with contextlib.suppress(Exception):  # the Redis it talked to may be gone
                    await asyncio.wait_for(layer.close_pools(), 1)
            if self.stopping.is_set():
                return
            # Redis is gone: wait until the test says the new one is up and publishers paused.
            self.may_rejoin.clear()
            while not self.may_rejoin.is_set():
                await asyncio.sleep(0.05)


class Process:
    """A manage.py command in its own process group, to pause and end as a whole."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        with log.open("ab") as out:
            self.popen = subprocess.Popen(
                [sys.executable, "manage.py", *args],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def signal(self, sig: signal.Signals) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, sig)

    def stop(self) -> None:
        self.signal(signal.SIGCONT)
        self.signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.popen.wait(timeout=10)


def pause(processes: list, sig: signal.Signals) -> None:
    for process in processes:
        if isinstance(process, DaphneServer):
            assert process.process is not None
            os.killpg(process.process.pid, sig)
        else:
            process.signal(sig)


class Callers:
    """Callers reaching the queue (voice, role, not acute: one call.queued event each),
    from a few threads at once on PostgreSQL and one at a time on SQLite."""

    def __init__(self, server: DaphneServer) -> None:
        self.server = server
        self.validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
        self.on_sqlite = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
        self.errors: list[str] = []

    def _post(self, path: str, params: dict[str, str]) -> None:
        url = self.server.url + path
        request = urllib.request.Request(
            url,
            data=urlencode(params).encode(),
            headers={"X-Twilio-Signature": self.validator.compute_signature(url, params)},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            if response.status != 200:
                self.errors.append(f"{path}: {response.status}")

    def _one_call(self) -> None:
        params = {"CallSid": new_sid(), "AccountSid": "AC" + "0" * 32, "From": "+31701234567"}
        params |= {"To": "+318002000", "CallStatus": "in-progress"}
        self._post("/hotline/twilio/voice/", params)
        self._post("/hotline/twilio/menu/?step=role", {**params, "Digits": "1"})
        self._post("/hotline/twilio/menu/?step=acute", {**params, "Digits": "2"})

    def call(self, count: int) -> None:
        threads = 1 if self.on_sqlite else PRODUCERS
        shares = [count // threads + (i < count % threads) for i in range(threads)]

        def caller(share: int) -> None:
            try:
                for _ in range(share):
                    self._one_call()
            except Exception as error:
                self.errors.append(repr(error))

        workers = [threading.Thread(target=caller, args=(share,)) for share in shares]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=120)
        assert not any(worker.is_alive() for worker in workers), "callers did not finish"
        assert self.errors == []


def region_seqs(after: int) -> set[int]:
    events = OutboxEvent.objects.filter(region=settings.VT_REGION, seq__gt=after)
    return set(events.values_list("seq", flat=True))


def published_seqs(after: int) -> set[int]:
    events = OutboxEvent.objects.filter(
        region=settings.VT_REGION, seq__gt=after, published_at__isnull=False
    )
    return set(events.values_list("seq", flat=True))


@pytest.fixture
def publishers(own_redis, tmp_path) -> Iterator[tuple[DaphneServer, list[Process]]]:
    from tests.browser.test_dashboard_in_the_browser import free_port

    port = free_port()
    env = server_env(port, REDIS_URL=own_redis.url, DATABASE_URL=database_url_for_the_server())
    server = DaphneServer(port, env, tmp_path / "daphne.log")
    server.start()
    workers = []
    if not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        # A worker beside the server is a PostgreSQL deployment. SQLite (the embedded
        # default, one process: `make run`) takes one writer at a time and fails a
        # webhook whose transaction meets another process's write; there the server's own
        # relay races its on-commit publishes.
        workers = [
            Process(["run_jobs", "--loop"], env, tmp_path / "worker.log"),
            Process(["relay_events", "--loop", "--interval", "0.05"], env, tmp_path / "relay.log"),
        ]
    yield server, workers
    for worker in workers:
        worker.stop()
    pause([server], signal.SIGCONT)
    server.stop()


def test_with_three_relays_and_redis_restarted_every_event_arrives_exactly_once(
    own_redis, publishers, operator
):
    server, workers = publishers
    everyone = [server, *workers]
    start = OutboxEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    listener = Listener(own_redis.url).start()
    # The dashboard socket starts the relay inside the server, and counts its own pushes.
    cookie = session_cookie(log_in_fully(Client(), operator))
    watcher = DashboardWatcher(server.url, cookie).start()
    callers = Callers(server)
    try:
        # 1. Redis up: each webhook's own publish, with the relays polling all the while.
        callers.call(CALLS_PER_PHASE)
        assert wait_until(lambda: region_seqs(start) <= set(listener.seqs()), ARRIVE_SECONDS)

        # 2. Redis dies: events are written and held, every publisher keeps failing.
        own_redis.kill()
        callers.call(CALLS_PER_PHASE)
        held = len(region_seqs(start) - published_seqs(start))
        assert held >= CALLS_PER_PHASE

        # 3. Redis comes back empty; the listener subscribes before anyone publishes.
        pause(everyone, signal.SIGSTOP)
        try:
            own_redis.start()
            listener.rejoin()
        finally:
            pause(everyone, signal.SIGCONT)
        back_at = time.monotonic()
        if callers.on_sqlite:
            # One writer at a time: a webhook's transaction that meets the relay's writes
            # fails there, so the callers wait for the relay to have caught up.
            assert wait_until(lambda: region_seqs(start) == published_seqs(start), 10)
        # The relays send what was held while new callers' publishes go out beside them.
        callers.call(CALLS_PER_PHASE)

        def all_arrived() -> bool:
            return (
                region_seqs(start) <= set(listener.seqs())
                and not OutboxEvent.objects.filter(published_at__isnull=True).exists()
            )

        assert wait_until(all_arrived, ARRIVE_SECONDS), (
            f"{len(region_seqs(start) - set(listener.seqs()))} events never arrived: "
            + str(
                list(
                    OutboxEvent.objects.filter(
                        seq__in=region_seqs(start) - set(listener.seqs())
                    ).values_list("seq", "created_at", "published_at", "claimed_until")
                )
            )
            + f" at {timezone.now()}; held {held}, Redis back {time.monotonic() - back_at:.1f} s"
        )
        settled_after = time.monotonic() - back_at
    finally:
        watcher.stop()
        listener.stop()
        connections.close_all()

    received = Counter(listener.seqs())
    events = region_seqs(start)
    duplicated = sorted(seq for seq, n in received.items() if n > 1)
    lost = sorted(events - set(received))
    pushed_twice = sorted(seq for seq, n in Counter(watcher.pushed).items() if n > 1)
    # For the figures: events that arrived after a later one (the page resyncs on those).
    arrival = listener.seqs()
    behind = sum(1 for i, seq in enumerate(arrival) if i and seq < max(arrival[:i]))
    print(
        f"exactly once: {len(events)} events, {held} held while Redis was down, "
        f"{1 + len(workers)} relays + on-commit publishes; all arrived "
        f"{settled_after:.2f} s after Redis returned (with {CALLS_PER_PHASE} more calls "
        f"meanwhile); duplicated {len(duplicated)}, "
        f"lost {len(lost)}, pushed twice to the page {len(pushed_twice)}, "
        f"arrived after a later event {behind}"
    )
    assert len(events) == 3 * CALLS_PER_PHASE
    assert duplicated == []
    assert lost == []
    assert pushed_twice == []
