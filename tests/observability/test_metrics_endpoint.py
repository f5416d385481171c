"""/metrics: what an authorised scraper reads, who is refused, and odd input."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.utils import timezone
from prometheus_client import REGISTRY

from events.models import OutboxEvent
from hotline.models import Call, CallState
from outgoing_mail.models import OutgoingEmail

pytestmark = pytest.mark.django_db

TOKEN = "scraper-token-for-the-tests-0123456789"


@pytest.fixture(autouse=True)
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN


def scrape(token: str | None = TOKEN, **headers: Any):
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return Client().get("/metrics", **headers)


def sample(text: str, name: str) -> float:
    """The value of the line that starts with `name` (metric and labels)."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise AssertionError(f"{name} not in the scrape")


def test_an_authorised_scrape_reads_queue_outbox_and_mail_from_the_database(settings):
    now = timezone.now()
    Call.objects.create(
        sid="CA" + "1" * 32,
        state=CallState.QUEUED,
        region=settings.VT_REGION,
        enqueued_at=now - datetime.timedelta(seconds=90),
    )
    Call.objects.create(
        sid="CA" + "2" * 32, state=CallState.QUEUED, region="utrecht", enqueued_at=now
    )
    OutboxEvent.objects.create(kind="call.queued", region=settings.VT_REGION, payload={})
    OutboxEvent.objects.filter().update(created_at=now - datetime.timedelta(seconds=40))
    OutgoingEmail.objects.create(purpose="confirmation", subject="Ontvangen")
    OutgoingEmail.objects.create(purpose="confirmation", subject="Ontvangen", gave_up_at=now)

    response = scrape()

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert sample(text, "vt_database_up") == 1
    assert sample(text, f'vt_call_queue_length{{region="{settings.VT_REGION}"}}') == 1
    assert sample(text, 'vt_call_queue_length{region="utrecht"}') == 1
    assert (
        sample(text, f'vt_call_queue_longest_wait_seconds{{region="{settings.VT_REGION}"}}') >= 90
    )
    assert sample(text, "vt_outbox_unpublished_events") == 1
    assert sample(text, "vt_outbox_lag_seconds") >= 40
    assert sample(text, "vt_outgoing_mail_unsent") == 1
    assert sample(text, "vt_outgoing_mail_given_up") == 1
    assert "vt_dashboard_sockets " in text
    assert "# TYPE vt_webhook_duration_seconds histogram" in text
    assert sample(text, 'vt_jobs_failed{job="relay_events"}') == 0


def test_an_empty_queue_still_shows_this_region_with_zero(settings):
    text = scrape().content.decode()
    assert sample(text, f'vt_call_queue_length{{region="{settings.VT_REGION}"}}') == 0
    assert sample(text, f'vt_call_queue_longest_wait_seconds{{region="{settings.VT_REGION}"}}') == 0
    assert sample(text, "vt_outbox_lag_seconds") == 0


def database_gone():
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


def test_a_scrape_during_a_database_outage_answers_without_the_database_metrics(settings, caplog):
    settings.OBSERVABILITY_DATABASE_READINGS = [
        "hotline.metrics.call_queue_readings",
        "tests.observability.test_metrics_endpoint.database_gone",
    ]
    response = scrape()
    assert response.status_code == 200
    text = response.content.decode()
    assert sample(text, "vt_database_up") == 0
    assert "vt_call_queue_length" not in text
    # What lives in the process is still there.
    assert "vt_dashboard_sockets " in text
    assert "database readings left out: OperationalError" in caplog.text


def test_a_webhook_latency_is_counted_under_its_url_name_never_its_path():
    label = {"webhook": "hotline:voice"}
    before = REGISTRY.get_sample_value("vt_webhook_duration_seconds_count", label) or 0
    # Unsigned: refused (403), and a refusal's latency counts too.
    assert Client().post("/hotline/twilio/voice/?call=123", {}).status_code == 403
    assert REGISTRY.get_sample_value("vt_webhook_duration_seconds_count", label) == before + 1
    text = scrape().content.decode()
    assert 'vt_webhook_duration_seconds_bucket{le="15.0",webhook="hotline:voice"}' in text
    assert "/hotline/twilio/voice/" not in text


def test_a_job_that_failed_for_good_in_any_worker_is_counted_by_its_name():
    """The worker serves no HTTP: its failures are read from the queue's table."""
    if connection.vendor != "postgresql":
        # The embedded default keeps its queue in memory: nothing failed is kept.
        assert sample(scrape().content.decode(), 'vt_jobs_failed{job="relay_events"}') == 0
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO procrastinate_jobs (queue_name, task_name, args, status) "
            "VALUES ('default', 'send_outgoing_email', '{}', 'failed')"
        )
    text = scrape().content.decode()
    assert sample(text, 'vt_jobs_failed{job="send_outgoing_email"}') == 1
    assert sample(text, 'vt_jobs_failed{job="relay_events"}') == 0


def test_a_scrape_without_a_token_is_refused_and_logged(caplog):
    response = scrape(token=None, REMOTE_ADDR="198.51.100.77")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"vt_" not in response.content
    lines = [r.getMessage() for r in caplog.records if r.name == "veiligthuis.security"]
    assert any("metrics refused: reason=no token" in line for line in lines)
    assert not any("198.51.100.77" in line for line in lines)


def test_a_scrape_with_a_wrong_token_is_refused_and_the_token_is_not_logged(caplog):
    response = scrape(token="guessed-token-guessed-token-guessed")
    assert response.status_code == 401
    assert b"vt_" not in response.content
    assert "metrics refused: reason=wrong token" in caplog.text
    assert "guessed-token" not in caplog.text
    assert TOKEN not in caplog.text


def test_without_a_configured_token_metrics_do_not_exist(settings):
    settings.METRICS_TOKEN = ""
    assert scrape().status_code == 404
    assert scrape(token=None).status_code == 404


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer",
        "Bearer ",
        "Basic c2NyYXBlcjpzZWNyZXQ=",
        "bearer-" + TOKEN,
        "Bearer tökén-ünicode-✓",
        "Bearer " + "x" * 10_000,
        "Bearer " + TOKEN + "\x00",
    ],
)
def test_odd_authorization_headers_are_refused_never_a_500(authorization):
    response = Client().get("/metrics", HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 401


def test_other_methods_and_odd_paths_never_give_a_500():
    assert Client().post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405
    # /metrics/ and /metrics?x are not the endpoint's own path or carry a query it ignores.
    assert (
        Client().get("/metrics?format=%ff", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
    )
    assert Client().get("/metrics/").status_code in {301, 302, 404}
