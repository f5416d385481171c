"""Rate limits per address on /melden/: step posts and submissions per hour."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import pytest
from django.test import Client

from cases.models import Case
from melden.models import OnlineReportDraft
from tests.melden.helpers import fill_steps, reporter, review, step_url

pytestmark = pytest.mark.django_db


def fresh_client() -> Client:
    # The counters live in a shared cache for an hour: every client gets a /64 of its own
    # (documentation range, random part; IPv6 is counted per /64), so earlier runs never
    # interfere.
    return Client(REMOTE_ADDR=f"2001:db8:{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}::1")


def test_too_many_step_posts_from_one_address_get_429_and_nothing_saved(settings, caplog):
    settings.ONLINE_REPORT_POSTS_PER_HOUR = 3
    client = fresh_client()
    for _ in range(3):
        assert client.post(step_url(1), reporter(name="")).status_code == 400
    with caplog.at_level(logging.WARNING, logger="veiligthuis.security"):
        response = client.post(step_url(1), reporter())
    assert response.status_code == 429
    assert "0800-2000" in response.content.decode()
    assert "112" in response.content.decode()
    assert OnlineReportDraft.objects.count() == 0
    assert "rate limit" in caplog.text and "Marieke" not in caplog.text


def test_another_address_is_not_limited(settings):
    settings.ONLINE_REPORT_POSTS_PER_HOUR = 2
    first = fresh_client()
    for _ in range(3):
        first.post(step_url(1), reporter(name=""))
    assert fresh_client().post(step_url(1), reporter()).status_code == 302


def test_too_many_submissions_from_one_address_are_refused(settings):
    settings.ONLINE_REPORT_SUBMISSIONS_PER_HOUR = 1
    client = fresh_client()
    fill_steps(client, 5)
    assert client.post(step_url(6), review()).status_code == 302
    fill_steps(client, 5)
    response = client.post(step_url(6), review())
    assert response.status_code == 429
    assert Case.objects.count() == 1
    # What was typed is kept, so the report can still be sent later.
    assert OnlineReportDraft.objects.count() == 1


def test_the_limits_count_behind_a_trusted_proxy_per_client(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ONLINE_REPORT_POSTS_PER_HOUR = 1
    proxy = Client(REMOTE_ADDR="10.0.0.1")
    one: dict[str, Any] = {
        "HTTP_X_FORWARDED_FOR": f"2001:db8:{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}::1"
    }
    two: dict[str, Any] = {
        "HTTP_X_FORWARDED_FOR": f"2001:db8:{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}::1"
    }
    assert proxy.post(step_url(1), reporter(name=""), **one).status_code == 400
    assert proxy.post(step_url(1), reporter(name=""), **one).status_code == 429
    assert proxy.post(step_url(1), reporter(name=""), **two).status_code == 400


def test_when_the_cache_is_down_reports_still_go_through(settings, monkeypatch):
    from django.core.cache import cache

    settings.ONLINE_REPORT_POSTS_PER_HOUR = 1

    def broken(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(cache, "add", broken)
    client = fresh_client()
    assert client.post(step_url(1), reporter(name="")).status_code == 400
    assert client.post(step_url(1), reporter()).status_code == 302
