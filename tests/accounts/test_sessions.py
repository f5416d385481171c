from __future__ import annotations

import pytest
from django.utils import timezone


def age_session(client, **seconds_ago: int) -> None:
    session = client.session
    now = int(timezone.now().timestamp())
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


@pytest.mark.django_db
def test_an_active_session_stays_logged_in(operator_client):
    age_session(operator_client, last_seen=14 * 60)
    assert operator_client.get("/").status_code == 200


@pytest.mark.django_db
def test_a_session_idle_for_more_than_fifteen_minutes_is_logged_out(operator_client):
    age_session(operator_client, last_seen=15 * 60 + 5)
    response = operator_client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_a_session_older_than_twelve_hours_ends_even_when_active(operator_client):
    age_session(operator_client, login_at=12 * 3600 + 5, last_seen=10)
    response = operator_client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_the_limits_are_settings(operator_client, settings):
    from datetime import timedelta

    settings.SESSION_IDLE_TIMEOUT = timedelta(minutes=1)
    age_session(operator_client, last_seen=90)
    assert operator_client.get("/").status_code == 302


@pytest.mark.django_db
def test_the_session_is_not_rewritten_on_every_request(operator_client):
    # A write per request would let a parallel request overwrite a fresh session (for
    # example the second-factor verification) with its stale copy.
    age_session(operator_client, last_seen=10)
    before = operator_client.session["last_seen"]
    operator_client.get("/")
    assert operator_client.session["last_seen"] == before
    age_session(operator_client, last_seen=61)
    operator_client.get("/")
    assert operator_client.session["last_seen"] > before
