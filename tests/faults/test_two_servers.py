"""Two Daphne processes behind one load balancer share one PostgreSQL and one Redis.

Each server runs its own event relay (started by the first dashboard socket it serves);
the webhooks of a call reach either server, whichever the load balancer picks. An
operator's dashboard on server A must see the calls that arrive on server B, and every
event must reach it exactly once: no sequence number twice, none missing, also after
Redis restarted with events held in the outbox that both relays then race to send.

A listener subscribed to the region's group counts what the channel layer was given (a
duplicate there is a second publish); the dashboard sockets count what was pushed to a
page (DashboardWatcher).
"""

from __future__ import annotations

import signal
from collections import Counter

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from events.models import OutboxEvent
from hotline.models import Call
from tests.conftest import log_in_fully
from tests.faults.conftest import DashboardWatcher
from tests.faults.test_relays_exactly_once import (
    ARRIVE_SECONDS,
    Callers,
    Listener,
    pause,
    region_seqs,
    wait_until,
)
from tests.hotline.dashboard_helpers import session_cookie

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]

CALLS_PER_PHASE = 12


def queued_call_ids() -> list[int]:
    return sorted(Call.objects.filter(state="queued").values_list("pk", flat=True))


def test_a_dashboard_on_one_server_sees_calls_that_arrive_on_the_other_exactly_once(
    own_redis, daphne_factory, operator, other_operator
):
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        pytest.fail("Two servers share PostgreSQL: run this test with DATABASE_URL set.")
    server_a = daphne_factory(REDIS_URL=own_redis.url)
    server_b = daphne_factory(REDIS_URL=own_redis.url)
    start = OutboxEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    listener = Listener(own_redis.url).start()
    # A dashboard on each server starts the relay inside each: two relays race all along.
    on_a = DashboardWatcher(server_a.url, session_cookie(log_in_fully(Client(), operator))).start()
    on_b = DashboardWatcher(
        server_b.url, session_cookie(log_in_fully(Client(), other_operator))
    ).start()
    try:
        # 1. Calls through server B's webhooks show up on server A's dashboard.
        Callers(server_b).call(CALLS_PER_PHASE)
        queued = queued_call_ids()
        assert len(queued) == CALLS_PER_PHASE

        def page_a_shows(call_ids: list[int]) -> bool:
            view = on_a.view()
            return view is not None and view["queue"] == call_ids

        assert wait_until(lambda: page_a_shows(queued), ARRIVE_SECONDS), on_a.view()

        # 2. Redis dies: the webhooks on both servers store their events and hold them.
        own_redis.kill()
        Callers(server_b).call(CALLS_PER_PHASE // 2)
        Callers(server_a).call(CALLS_PER_PHASE // 2)
        held = OutboxEvent.objects.filter(seq__gt=start, published_at__isnull=True).count()
        assert held >= CALLS_PER_PHASE

        # 3. Redis returns; the listener subscribes before either relay may send.
        pause([server_a, server_b], signal.SIGSTOP)
        try:
            own_redis.start()
            listener.rejoin()
        finally:
            pause([server_a, server_b], signal.SIGCONT)
        # Both relays now race for the held events, beside new calls on both servers.
        Callers(server_a).call(CALLS_PER_PHASE // 2)
        Callers(server_b).call(CALLS_PER_PHASE // 2)

        def everything_arrived() -> bool:
            return (
                region_seqs(start) <= set(listener.seqs())
                and not OutboxEvent.objects.filter(published_at__isnull=True).exists()
            )

        assert wait_until(everything_arrived, ARRIVE_SECONDS), (
            f"never arrived: {sorted(region_seqs(start) - set(listener.seqs()))}"
        )
        queued = queued_call_ids()
        assert len(queued) == 3 * CALLS_PER_PHASE
        # The page on A resyncs after its socket came back, then follows live again.
        assert wait_until(lambda: page_a_shows(queued), ARRIVE_SECONDS), on_a.view()
    finally:
        on_a.stop()
        on_b.stop()
        listener.stop()
        connections.close_all()

    events = region_seqs(start)
    published = Counter(listener.seqs())
    assert sorted(seq for seq, n in published.items() if n > 1) == []
    assert sorted(events - set(published)) == []
    for watcher in (on_a, on_b):
        assert sorted(seq for seq, n in Counter(watcher.pushed).items() if n > 1) == []
    assert len(events) == 3 * CALLS_PER_PHASE
