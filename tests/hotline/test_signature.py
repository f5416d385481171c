"""Only Twilio gets in: every webhook checks X-Twilio-Signature against the public URL."""

from __future__ import annotations

import logging

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from twilio.request_validator import RequestValidator

from events.models import OutboxEvent
from hotline.models import Call, CallTransition
from hotline.signature import signature_is_valid, signed_url
from tests.hotline.conftest import call_params, new_sid, sign

WEBHOOKS = [
    "/hotline/twilio/voice/",
    "/hotline/twilio/menu/?step=role",
    "/hotline/twilio/wait/",
    "/hotline/twilio/queue-result/",
    "/hotline/twilio/status/",
    "/hotline/twilio/connect/?call=1",
    "/hotline/twilio/fallback/",
]


def nothing_was_written() -> bool:
    return (
        not Call.objects.exists()
        and not CallTransition.objects.exists()
        and not OutboxEvent.objects.exists()
    )


def test_it_computes_twilios_published_signature_test_vector():
    # The example from Twilio's security documentation for RequestValidator.
    validator = RequestValidator("12345")
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    assert validator.compute_signature(url, params) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    assert validator.validate(url, params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")


def test_our_check_accepts_the_test_vector_on_the_url_twilio_signed(settings):
    settings.TWILIO_AUTH_TOKEN = "12345"
    settings.PUBLIC_BASE_URL = "https://mycompany.com"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    # As the proxy hands it to us: plain http, an internal host; the query string intact.
    request = RequestFactory().post(
        "/myapp.php?foo=1&bar=2",
        params,
        HTTP_X_TWILIO_SIGNATURE="0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
        HTTP_HOST="internal:8000",
    )
    assert signed_url(request) == "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert signature_is_valid(request)
    request.META["HTTP_X_TWILIO_SIGNATURE"] = "1/KCTR6DLpKmkAf8muzZqo1nDgQ="
    assert not signature_is_valid(request)


def test_it_checks_the_public_https_url_behind_a_tls_proxy(db, settings):
    settings.PUBLIC_BASE_URL = "https://vt.example.nl"
    settings.ALLOWED_HOSTS = ["vt.example.nl", "daphne.internal", "testserver"]
    sid = new_sid()
    params = call_params(sid)
    signature = sign("https://vt.example.nl/hotline/twilio/voice/", params)
    # The proxy forwards plain http to an internal host name; Twilio signed the https URL.
    response = Client().post(
        "/hotline/twilio/voice/",
        params,
        HTTP_X_TWILIO_SIGNATURE=signature,
        HTTP_HOST="daphne.internal",
        secure=False,
    )
    assert response.status_code == 200
    assert Call.objects.filter(sid=sid).exists()


def test_it_refuses_a_signature_over_the_http_url_the_proxy_forwarded(db, settings):
    settings.PUBLIC_BASE_URL = "https://vt.example.nl"
    params = call_params(new_sid())
    signature = sign("http://testserver/hotline/twilio/voice/", params)
    response = Client().post("/hotline/twilio/voice/", params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 403
    assert nothing_was_written()


@pytest.mark.parametrize(
    ("configured", "twilio_signed"),
    [
        # Twilio drops the port on some requests; RequestValidator tries both.
        ("https://vt.example.nl:443", "https://vt.example.nl/hotline/twilio/voice/"),
        ("https://vt.example.nl", "https://vt.example.nl:443/hotline/twilio/voice/"),
        ("https://vt.example.nl:8443", "https://vt.example.nl:8443/hotline/twilio/voice/"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/hotline/twilio/voice/"),
    ],
)
def test_it_accepts_a_url_with_and_without_port(db, settings, configured, twilio_signed):
    settings.PUBLIC_BASE_URL = configured
    sid = new_sid()
    params = call_params(sid)
    response = Client().post(
        "/hotline/twilio/voice/", params, HTTP_X_TWILIO_SIGNATURE=sign(twilio_signed, params)
    )
    assert response.status_code == 200
    assert Call.objects.filter(sid=sid).exists()


@pytest.mark.parametrize("path", WEBHOOKS)
def test_it_refuses_a_forged_signature(db, path, caplog):
    params = call_params(new_sid(), Digits="1", CallStatus="completed", QueueResult="hangup")
    forged = sign(settings.PUBLIC_BASE_URL + path, params, token="not-our-token")
    with caplog.at_level(logging.WARNING, logger="veiligthuis.security"):
        response = Client().post(path, params, HTTP_X_TWILIO_SIGNATURE=forged)
    assert response.status_code == 403
    assert nothing_was_written()
    assert "bad or missing signature" in caplog.text
    assert params["From"] not in caplog.text


@pytest.mark.parametrize("path", WEBHOOKS)
def test_it_refuses_a_missing_signature(db, path):
    params = call_params(new_sid(), Digits="1", CallStatus="completed", QueueResult="hangup")
    response = Client().post(path, params)
    assert response.status_code == 403
    assert nothing_was_written()


def test_it_refuses_a_valid_signature_replayed_with_other_parameters(twilio):
    sid = new_sid()
    params = call_params(sid)
    signature = sign(settings.PUBLIC_BASE_URL + "/hotline/twilio/voice/", params)
    tampered = {**params, "From": "+31201234567"}
    response = twilio.post("/hotline/twilio/voice/", tampered, signature=signature)
    assert response.status_code == 403
    assert nothing_was_written()


def test_it_refuses_a_valid_signature_replayed_on_another_url(twilio):
    sid = new_sid()
    params = call_params(sid, CallStatus="completed")
    signature = sign(settings.PUBLIC_BASE_URL + "/hotline/twilio/voice/", params)
    response = twilio.post("/hotline/twilio/status/", params, signature=signature)
    assert response.status_code == 403


def test_a_replayed_webhook_changes_nothing(twilio):
    sid = new_sid()
    params = call_params(sid)
    signature = sign(settings.PUBLIC_BASE_URL + "/hotline/twilio/voice/", params)
    first = twilio.post("/hotline/twilio/voice/", params, signature=signature)
    counts = (Call.objects.count(), CallTransition.objects.count(), OutboxEvent.objects.count())
    replay = twilio.post("/hotline/twilio/voice/", params, signature=signature)
    assert first.status_code == replay.status_code == 200
    assert first.content == replay.content
    assert (
        Call.objects.count(),
        CallTransition.objects.count(),
        OutboxEvent.objects.count(),
    ) == counts


def test_a_replayed_menu_answer_queues_the_caller_once(twilio):
    sid = new_sid()
    twilio.voice(sid)
    twilio.menu(sid, "role", "1")
    twilio.menu(sid, "acute", "2")
    call = Call.objects.get(sid=sid)
    enqueued_at = call.enqueued_at
    twilio.menu(sid, "acute", "1")  # the same step again, even with another answer
    call.refresh_from_db()
    assert call.enqueued_at == enqueued_at
    assert not call.acute
    assert OutboxEvent.objects.filter(kind="call.queued").count() == 1


def test_a_webhook_answers_get_with_405(db):
    assert Client().get("/hotline/twilio/voice/").status_code == 405
