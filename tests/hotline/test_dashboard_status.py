"""/hotline/status/: what the dashboard polls to learn of a database or Redis outage."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from django.test import Client

from events import reachability

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_checks() -> Iterator[None]:
    reachability.reachability_forget()
    yield
    reachability.reachability_forget()


def test_the_status_says_the_database_and_the_channel_layer_answer(client):
    response = client.get("/hotline/status/")
    assert response.status_code == 200
    assert response.json() == {"database": True, "channel_layer": True}
    assert "no-store" in response["Cache-Control"]


def test_the_status_is_answered_before_the_session_is_read(django_assert_num_queries):
    # The page sends its session cookie; with the database down, reading it would fail.
    client = Client(headers={"Cookie": "sessionid=" + "x" * 32})
    with django_assert_num_queries(0):
        response = client.get("/hotline/status/")
    assert response.status_code == 200
    assert set(response.json()) == {"database", "channel_layer"}


def test_the_status_says_nothing_but_two_answers(operator_client):
    assert operator_client.get("/hotline/status/").json() == {
        "database": True,
        "channel_layer": True,
    }


def test_a_database_that_does_not_answer_in_time_counts_as_unreachable(monkeypatch):
    release = threading.Event()
    monkeypatch.setattr(reachability, "CHECK_TIMEOUT_SECONDS", 0.2)
    monkeypatch.setattr(reachability._database, "check", lambda: release.wait(10))
    try:
        response = Client().get("/hotline/status/")
    finally:
        release.set()
    assert response.json()["database"] is False


def test_many_pages_at_once_share_one_database_check(monkeypatch):
    checks: list[int] = []

    def check() -> bool:
        checks.append(1)
        return True

    monkeypatch.setattr(reachability._database, "check", check)
    for _ in range(5):
        assert Client().get("/hotline/status/").json()["database"] is True
    assert len(checks) == 1


def test_the_dashboard_tells_what_the_phone_line_does_without_a_backup_number(
    operator_client, settings
):
    settings.HOTLINE_BACKUP_NUMBER = ""
    page = operator_client.get("/hotline/").content.decode()
    assert 'id="outage"' in page
    assert "het over een paar minuten opnieuw moeten proberen" in page
    assert "Er is geen reservenummer ingesteld" in page


def test_the_dashboard_tells_what_the_phone_line_does_with_a_backup_number(
    operator_client, settings
):
    settings.HOTLINE_BACKUP_NUMBER = "+31701112222"
    page = operator_client.get("/hotline/").content.decode()
    assert "worden doorverbonden met het reservenummer" in page
    assert "+31701112222" not in page
