"""Redis dies in the middle of a surge of calls: callers notice nothing, nothing is lost.

Daphne runs as deployed, on this test's database and on a redis-server of our own, which
the test kills with SIGKILL while simulated callers are on the line and starts again
(empty) once they are done.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from django.conf import settings
from django.test import Client

from dashboard.views import dashboard_snapshot
from events.models import OutboxEvent
from hotline.models import FINAL_STATES, Call, CallState
from hotline.simulator import SimulationOptions, SimulationReport, simulate
from tests.conftest import log_in_fully
from tests.faults.conftest import DashboardWatcher
from tests.hotline.dashboard_helpers import Page, session_cookie

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]

CALLS = 24
CONVERGE_SECONDS = 5.0


def wait_until(predicate, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def test_with_redis_killed_mid_run_every_call_is_answered_stored_and_shown(
    own_redis, daphne_factory, operator
):
    server = daphne_factory(REDIS_URL=own_redis.url)
    cookie = session_cookie(log_in_fully(Client(), operator))
    # This first socket also starts the server's relay loop.
    watcher = DashboardWatcher(server.url, cookie).start()
    on_sqlite = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
    options = SimulationOptions(
        url=server.url,
        public_url=server.url,
        auth_token=settings.TWILIO_AUTH_TOKEN,
        calls=CALLS,
        rate=6.0,
        patience=1.5,
        wait_interval=0.3,
        talk=0.2,
        seed=2000,
        # SQLite takes one writer at a time; PostgreSQL gets every caller at once.
        request_gate=threading.Semaphore(1) if on_sqlite else None,
    )
    result: dict[str, SimulationReport] = {}
    callers = threading.Thread(target=lambda: result.setdefault("report", simulate(options)))
    try:
        callers.start()
        assert wait_until(lambda: Call.objects.count() >= CALLS // 4, timeout=20)
        own_redis.kill()
        killed_at_seq = OutboxEvent.objects.order_by("-seq").values_list("seq", flat=True)[0]
        callers.join(timeout=120)
        assert not callers.is_alive(), "the simulated callers did not finish"
        held = OutboxEvent.objects.filter(published_at__isnull=True).count()

        own_redis.start()  # same port, empty
        back_at = time.monotonic()

        # Every webhook was answered (TwiML or 204), none failed or timed out.
        report = result["report"]
        assert report.errors == [], report.summary()
        assert sum(report.outcomes.values()) == CALLS
        assert "broken" not in report.outcomes, report.summary()
        # Every call is in the database, finished.
        calls = list(Call.objects.all())
        assert len(calls) == CALLS
        assert all(c.state in FINAL_STATES or c.state == CallState.TRANSFERRED for c in calls)
        # The premise: some events were written while Redis was down and held back.
        assert held > 0
        assert OutboxEvent.objects.filter(seq__gt=killed_at_seq).exists()

        # The relay publishes what was held, and the page converges on the database.
        def converged() -> bool:
            truth = Page(dashboard_snapshot(user=operator)).view()
            return (
                not OutboxEvent.objects.filter(published_at__isnull=True).exists()
                and watcher.view() == truth
            )

        assert wait_until(converged, timeout=CONVERGE_SECONDS), (
            f"not converged {CONVERGE_SECONDS} s after Redis returned: "
            f"{OutboxEvent.objects.filter(published_at__isnull=True).count()} unpublished; "
            f"page {watcher.view()} vs {Page(dashboard_snapshot(user=operator)).view()}"
        )
        converged_after = time.monotonic() - back_at
    finally:
        watcher.stop()

    # Count by sequence number what this page was sent. An event is lost when the page
    # neither got it (pushed, or in a `since` answer) nor took a snapshot that holds it.
    first = watcher.first_snapshot_seq
    region_seqs = set(
        OutboxEvent.objects.filter(region=settings.VT_REGION, seq__gt=first).values_list(
            "seq", flat=True
        )
    )
    received = set(watcher.pushed) | set(watcher.replayed)
    later_snapshots = watcher.snapshots[1:]
    lost = sorted(
        seq
        for seq in region_seqs - received
        if not any(seq <= snapshot for snapshot in later_snapshots)
    )
    duplicated = sorted(seq for seq, n in Counter(watcher.pushed).items() if n > 1)
    print(
        f"redis fault: {CALLS} calls, {held} events held while Redis was down, "
        f"{watcher.drops} socket drops, converged {converged_after:.2f} s after Redis "
        f"returned, lost {len(lost)}, duplicated {len(duplicated)}"
    )
    assert watcher.drops >= 1, "the page never noticed Redis going away"
    assert lost == []
    assert duplicated == []
