"""simulate_calls plays whole, correctly signed call life cycles against a running server."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts import roles
from hotline import services
from hotline.models import Call, CallOutcome, CallState
from hotline.simulator import SimulationOptions, simulate
from tests.conftest import make_staff


@pytest.mark.django_db(transaction=True)
def test_the_simulator_plays_calls_that_are_answered_abandoned_and_ended(live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    settings.TWILIO_ACCOUNT_SID = ""
    operator = make_staff("nacht", roles.OPERATOR)
    # The live server shares one SQLite connection between its threads, which cannot take
    # two statements at once; PostgreSQL gets every caller at the same time.
    gate = threading.Semaphore(1) if connection.vendor == "sqlite" else None
    options = SimulationOptions(
        url=live_server.url,
        public_url=live_server.url,
        auth_token=settings.TWILIO_AUTH_TOKEN,
        calls=12,
        rate=100,
        patience=1.5,
        wait_interval=0.05,
        talk=0,
        seed=7,
        request_gate=gate,
    )
    result: dict[str, Any] = {}
    player = threading.Thread(target=lambda: result.setdefault("report", simulate(options)))
    player.start()
    # This thread is the operator; it shares the live server's database connection.
    taken = 0
    deadline = time.monotonic() + 60
    while player.is_alive() and time.monotonic() < deadline:
        if gate is not None:
            gate.acquire()
        try:
            if taken < 4 and services.call_take_next(operator=operator):
                taken += 1
        finally:
            if gate is not None:
                gate.release()
        time.sleep(0.05)
    player.join(timeout=60)
    report = result["report"]
    assert report.errors == []
    assert sum(report.outcomes.values()) == 12
    assert Call.objects.count() == 12
    # Every call came to an end the server agrees with; nobody is left in the queue.
    assert not Call.objects.filter(state__in=[CallState.IVR, CallState.QUEUED]).exists()
    completed = Call.objects.filter(outcome=CallOutcome.COMPLETED).count()
    # A caller may hang up just as the operator takes the call: then it is abandoned.
    assert 1 <= completed <= taken
    assert report.outcomes["completed"] == completed
    assert all(call.simulated for call in Call.objects.all())


def test_the_command_refuses_nonsense_arguments():
    with pytest.raises(CommandError):
        call_command("simulate_calls", calls=0)
    with pytest.raises(CommandError):
        call_command("simulate_calls", url="ftp://example.org")


def test_the_command_reports_a_server_that_is_not_there():
    with pytest.raises(CommandError, match="requests failed"):
        call_command("simulate_calls", calls=1, rate=10, url="http://127.0.0.1:9", talk=0)
