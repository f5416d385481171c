"""PostgreSQL unreachable: the fallback keeps answering, and webhooks fail fast.

Twilio gives the primary webhook 15 s in all before it calls the fallback URL; every one
of those seconds is silence for the caller. A webhook that cannot reach the database must
fail well inside that (it waits DATABASE_POOL_TIMEOUT, 5 s, for a pooled connection that
never comes, each attempt to open one giving up after connect_timeout, 3 s), and the
fallback must answer without the database at all, even while other requests hang on it.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from django.conf import settings
from twilio.request_validator import RequestValidator

from tests.faults.conftest import free_port
from tests.hotline.conftest import call_params, new_sid

pytestmark = [pytest.mark.fault]

BACKUP = "+31701112222"
# Twilio's limit is 15 s; leave room for the fallback request itself.
WEBHOOK_FAILS_WITHIN = 8.0
FALLBACK_ANSWERS_WITHIN = 1.0


def post_signed(base_url: str, path: str, params: dict[str, str]) -> tuple[int, str, float]:
    signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(
        base_url + path, params
    )
    request = urllib.request.Request(
        base_url + path,
        data=urlencode(params).encode(),
        headers={"X-Twilio-Signature": signature, "Cookie": "sessionid=" + "x" * 32},
        method="POST",
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            status, body = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read().decode(errors="replace")
    return status, body, time.perf_counter() - started


@pytest.fixture
def silent_postgres() -> Iterator[int]:
    """A port that accepts connections and never says a word: a hung or firewalled
    database, the case connect_timeout is for (a closed port fails at once anyway)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    yield listener.getsockname()[1]
    listener.close()


def assert_fallback_holds_while_webhooks_fail(server) -> None:
    params = call_params(new_sid())
    voice: dict[str, tuple[int, str, float]] = {}
    hanging = threading.Thread(
        target=lambda: voice.setdefault(
            "result", post_signed(server.url, "/hotline/twilio/voice/", params)
        )
    )
    hanging.start()
    time.sleep(0.3)  # the voice webhook is now waiting for the database
    status, body, fallback_took = post_signed(server.url, "/hotline/twilio/fallback/", params)
    assert status == 200
    assert f"<Dial>{BACKUP}</Dial>" in body
    assert fallback_took < FALLBACK_ANSWERS_WITHIN, f"the fallback took {fallback_took:.2f} s"
    hanging.join(timeout=30)
    status, _body, voice_took = voice["result"]
    assert status >= 500, "a webhook without a database must fail, so Twilio falls back"
    assert voice_took < WEBHOOK_FAILS_WITHIN, f"the voice webhook took {voice_took:.2f} s"
    print(
        f"fallback answered in {fallback_took * 1000:.0f} ms while the voice webhook hung; "
        f"it failed after {voice_took:.2f} s"
    )


@pytest.mark.parametrize("database", ["refused", "silent"])
def test_without_postgresql_the_fallback_answers_and_webhooks_fail_fast(
    database, daphne_factory, request
):
    port = free_port() if database == "refused" else request.getfixturevalue("silent_postgres")
    server = daphne_factory(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/unreachable",
        # Redis is down as well: the fallback needs neither.
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        HOTLINE_BACKUP_NUMBER=BACKUP,
    )
    assert_fallback_holds_while_webhooks_fail(server)


def dashboard_status(base_url: str) -> dict[str, bool]:
    # As the page asks: with its session cookie, which no one can read without a database.
    request = urllib.request.Request(
        base_url + "/hotline/status/", headers={"Cookie": "sessionid=" + "x" * 32}
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        assert response.status == 200
        return json.loads(response.read())


@pytest.mark.parametrize("database", ["refused", "silent"])
def test_without_postgresql_the_dashboard_status_says_the_database_is_down(
    database, daphne_factory, own_redis, request
):
    port = free_port() if database == "refused" else request.getfixturevalue("silent_postgres")
    server = daphne_factory(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/unreachable",
        REDIS_URL=own_redis.url,
    )
    assert dashboard_status(server.url) == {"database": False, "channel_layer": True}


@pytest.mark.django_db(transaction=True)
def test_without_redis_the_dashboard_status_says_the_channel_layer_is_down(daphne_factory):
    server = daphne_factory(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    assert dashboard_status(server.url) == {"database": True, "channel_layer": False}
