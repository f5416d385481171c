"""Error reports: what the Sentry SDK would send holds the exception type, never the data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sentry_sdk
from django.test import Client
from sentry_sdk.transport import Transport

from observability.error_reporting import scrub_breadcrumb, scrub_text, start_error_reporting
from tests.cases.factories import register_case
from tests.conftest import log_in_fully

CASE_MARKER = "CASEMARKER-Kaatje-Verborgen"
BODY_MARKER = "BODYMARKER-Pieter"
QUERY_MARKER = "QUERYMARKER-VT-2026"
HEADER_MARKER = "HEADERMARKER-secret"
COOKIE_MARKER = "COOKIEMARKER-session"
PHONE = "0612345678"
EMAIL = "melder@example.nl"


class CapturingTransport(Transport):
    """Stands in for the HTTP transport: keeps the serialized envelopes it would send."""

    sent: list[bytes] = []

    def capture_envelope(self, envelope: Any) -> None:
        CapturingTransport.sent.append(envelope.serialize())


@pytest.fixture
def error_reports() -> Iterator[list[bytes]]:
    CapturingTransport.sent = []
    start_error_reporting(
        dsn="http://public@127.0.0.1:9/1", environment="test", transport=CapturingTransport
    )
    try:
        yield CapturingTransport.sent
    finally:
        sentry_sdk.flush(timeout=2)
        sentry_sdk.init()  # no DSN: reports off again for the other tests


@pytest.mark.django_db
@pytest.mark.urls("tests.observability.raising_urls")
def test_an_error_report_holds_the_exception_type_and_none_of_the_markers(error_reports, operator):
    case = register_case(operator, account=f"{CASE_MARKER} belt {PHONE}, mailt {EMAIL}")
    client = log_in_fully(Client(raise_request_exception=False), operator)
    client.cookies["preferences"] = COOKIE_MARKER
    response = client.post(
        f"/fails/?case={case.pk}&q={QUERY_MARKER}",
        {"name": BODY_MARKER, "telefoon": PHONE},
        HTTP_X_CUSTOM=HEADER_MARKER,
        HTTP_USER_AGENT=f"Mozilla {EMAIL}",
        HTTP_X_REQUEST_ID="not-trusted-anyway",
    )
    assert response.status_code == 500
    sentry_sdk.flush(timeout=2)

    sent = b"\n".join(error_reports).decode("utf-8", "replace")
    assert "RuntimeError" in sent
    assert "failing_view" in sent  # the stack is there
    assert response["X-Request-ID"] in sent  # and the request id that links it to the logs
    for marker in (CASE_MARKER, BODY_MARKER, QUERY_MARKER, HEADER_MARKER, COOKIE_MARKER):
        assert marker not in sent, marker
    assert PHONE not in sent
    assert EMAIL not in sent
    assert "Noor de Vries" not in sent  # a person on the case


def test_text_loses_phone_numbers_and_email_addresses_but_keeps_dates():
    text = scrub_text("bel +31 6 1234 5678 of 070-123 45 67, mail a.b@example.nl op 2026-12-01")
    assert "1234 5678" not in text and "123 45 67" not in text and "example.nl" not in text
    assert "2026-12-01" in text


def test_a_breadcrumb_keeps_its_kind_and_loses_its_data():
    crumb = scrub_breadcrumb(
        {
            "category": "query",
            "message": "SELECT * FROM cases_case WHERE phone = %s",
            "data": {"params": [PHONE]},
            "level": "info",
        }
    )
    assert crumb == {
        "category": "query",
        "level": "info",
        "message": "SELECT * FROM cases_case WHERE phone = %s",
    }
