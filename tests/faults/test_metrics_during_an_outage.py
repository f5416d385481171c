"""/metrics while PostgreSQL is gone: the scrape answers, without the database metrics,
and says so (vt_database_up 0), against a real Daphne and a real outage."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest

from tests.faults.conftest import database_outage, free_port

pytestmark = [pytest.mark.fault]

TOKEN = "fault-test-scraper-token-0123456789"


def scrape(base_url: str) -> tuple[int, str]:
    request = urllib.request.Request(
        base_url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read().decode()


def value(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.split()[-1])
    raise AssertionError(f"{name} not in the scrape")


@pytest.fixture
def silent_postgres() -> Iterator[int]:
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    yield listener.getsockname()[1]
    listener.close()


@pytest.mark.django_db(transaction=True)
def test_a_scrape_answers_before_and_during_a_database_outage(daphne_factory, own_redis):
    server = daphne_factory(METRICS_TOKEN=TOKEN, REDIS_URL=own_redis.url)
    status, text = scrape(server.url)
    assert status == 200
    assert value(text, "vt_database_up") == 1
    assert "vt_call_queue_length{" in text
    with database_outage():
        status, text = scrape(server.url)
    assert status == 200
    assert value(text, "vt_database_up") == 0
    assert "vt_call_queue_length" not in text
    assert "vt_dashboard_sockets" in text
    # Back when the database is.
    assert value(scrape(server.url)[1], "vt_database_up") == 1


@pytest.mark.parametrize("database", ["refused", "silent"])
def test_a_scrape_answers_when_postgresql_was_never_reachable(
    database, daphne_factory, own_redis, request
):
    port = free_port() if database == "refused" else request.getfixturevalue("silent_postgres")
    server = daphne_factory(
        METRICS_TOKEN=TOKEN,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/unreachable",
        REDIS_URL=own_redis.url,
    )
    status, text = scrape(server.url)
    assert status == 200
    assert value(text, "vt_database_up") == 0
