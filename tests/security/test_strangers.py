"""No writes by strangers: requests that prove no identity never reach the access log
(NEN 7513 logs access by identified users and systems); their refusals go to the
security log, at most a few lines a minute per address."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from observability.logs import ip_fingerprint
from privacy.models import AccessLogEntry
from tests.hotline.dashboard_helpers import open_socket

API = "/api/partner/v1/handovers/"


def security_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "veiligthuis.security"]


@pytest.mark.django_db
def test_unsigned_partner_api_requests_write_nothing_to_the_access_log(caplog: Any) -> None:
    caplog.set_level(logging.WARNING, logger="veiligthuis.security")
    client = Client()
    forged = {
        "X-VT-Key-Id": "vt_nobody_000000",
        "X-VT-Timestamp": "1",
        "X-VT-Nonce": "n",
        "X-VT-Signature": "x",
    }
    for number in range(100):
        response = client.get(API, headers=forged if number % 2 else {})
        assert response.status_code == 401
    assert response.json() == {"error": "request not authenticated"}
    assert AccessLogEntry.objects.count() == 0
    assert any("missing signature headers" in line for line in security_lines(caplog))


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_anonymous_socket_attempts_write_nothing_to_the_access_log(caplog: Any) -> None:
    caplog.set_level(logging.WARNING, logger="veiligthuis.security")
    for _ in range(20):
        _socket, connected = await open_socket(None)
        assert not connected
    assert await database_sync_to_async(AccessLogEntry.objects.count)() == 0
    assert any("view=ws:dashboard" in line for line in security_lines(caplog))


@pytest.mark.django_db
def test_stranger_refusals_are_rate_limited_in_the_security_log(
    caplog: Any, settings: Any, monkeypatch: Any
) -> None:
    settings.STRANGER_REFUSAL_LINES_PER_MINUTE = 5
    minute = [1_800_000_000.0]
    monkeypatch.setattr("privacy.strangers._clock", lambda: minute[0])
    caplog.set_level(logging.WARNING, logger="veiligthuis.security")
    noisy, quiet = Client(REMOTE_ADDR="198.51.100.9"), Client(REMOTE_ADDR="198.51.100.10")
    for _ in range(40):
        assert noisy.get(API).status_code == 401
    lines = security_lines(caplog)
    refusals = [line for line in lines if "ip=198.51.100.9" in line and "reason=" in line]
    # The rate limiter's own lines name the address only by its keyed hash.
    noisy_hash = ip_fingerprint("198.51.100.9")
    summaries = [line for line in lines if noisy_hash in line and "not logged" in line]
    assert not any("198.51.100.9" in line for line in lines if "not logged" in line)
    assert len(refusals) == 5
    assert len(summaries) == 1
    assert quiet.get(API).status_code == 401
    assert any("ip=198.51.100.10" in line for line in security_lines(caplog))
    # The next minute starts afresh, and says how many were left out before.
    minute[0] += 60
    caplog.clear()
    assert noisy.get(API).status_code == 401
    lines = security_lines(caplog)
    assert any("count=34 in the minute before" in line for line in lines)
    assert any("ip=198.51.100.9" in line and "reason=" in line for line in lines)
