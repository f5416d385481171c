"""The one outbound Twilio REST call, against a local server that answers as Twilio does."""

from __future__ import annotations

import base64
import time

import pytest
from django.urls import reverse

from events.models import OutboxEvent
from hotline import services, twilio_rest
from hotline.models import CallState
from tests.hotline.conftest import ACCOUNT_SID


def test_taking_a_real_call_moves_the_caller_to_the_operator_with_the_rest_api(
    twilio, fake_twilio_api, operator_client, settings
):
    call = twilio.queued_call()
    assert not call.simulated
    response = operator_client.post(reverse("hotline:take_call", args=[call.pk]))
    assert response.status_code == 200
    [request] = fake_twilio_api.requests
    assert request["path"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{call.sid}.json"
    assert request["form"] == {
        "Url": f"{settings.PUBLIC_BASE_URL}/hotline/twilio/connect/?call={call.pk}",
        "Method": "POST",
    }
    # Authenticated with the API key, not the auth token.
    user, _, secret = base64.b64decode(request["auth"].split()[1]).decode().partition(":")
    assert (user, secret) == (settings.TWILIO_API_KEY_SID, settings.TWILIO_API_KEY_SECRET)
    call.refresh_from_db()
    assert call.state == CallState.TAKEN


def test_the_adapter_returns_quietly_when_twilio_answers(fake_twilio_api):
    twilio_rest.call_redirect(sid="CA" + "1" * 32, url="https://vt.example.nl/x")
    assert len(fake_twilio_api.requests) == 1


def test_the_adapter_raises_a_telephony_error_on_a_5xx(fake_twilio_api):
    fake_twilio_api.mode = "error"
    with pytest.raises(twilio_rest.TelephonyError):
        twilio_rest.call_redirect(sid="CA" + "1" * 32, url="https://vt.example.nl/x")


def test_the_adapter_gives_up_after_its_short_timeout(fake_twilio_api, settings):
    fake_twilio_api.mode = "hang"
    settings.TWILIO_REST_TIMEOUT_SECONDS = 0.3
    started = time.monotonic()
    with pytest.raises(twilio_rest.TelephonyError):
        twilio_rest.call_redirect(sid="CA" + "1" * 32, url="https://vt.example.nl/x")
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("mode", ["error", "hang"])
def test_a_failed_move_returns_the_call_to_the_queue_and_tells_the_operator(
    twilio, fake_twilio_api, operator_client, settings, mode
):
    fake_twilio_api.mode = mode
    settings.TWILIO_REST_TIMEOUT_SECONDS = 0.3
    call = twilio.queued_call()
    enqueued_at = call.enqueued_at
    response = operator_client.post(reverse("hotline:take_call", args=[call.pk]))
    assert response.status_code == 502
    assert "weer in de wachtrij" in response.json()["error"]
    call.refresh_from_db()
    assert (call.state, call.operator, call.enqueued_at) == (CallState.QUEUED, None, enqueued_at)
    kinds = list(
        OutboxEvent.objects.filter(kind__startswith="call.").values_list("kind", flat=True)
    )
    assert kinds[-2:] == ["call.taken", "call.requeued"]


def test_take_next_also_tells_the_operator_when_the_move_fails(
    twilio, fake_twilio_api, operator_client
):
    fake_twilio_api.mode = "error"
    call = twilio.queued_call()
    response = operator_client.post(reverse("hotline:take_next"))
    assert response.status_code == 502
    call.refresh_from_db()
    assert call.state == CallState.QUEUED


def test_simulated_calls_never_reach_the_rest_api(twilio, fake_twilio_api, operator):
    call = twilio.queued_call()
    call.simulated = True
    call.save(update_fields=["simulated"])
    services.call_take(call=call, operator=operator)
    assert fake_twilio_api.requests == []


def test_without_twilio_credentials_every_call_is_simulated(twilio, settings):
    settings.TWILIO_ACCOUNT_SID = ""
    call = twilio.queued_call()
    assert call.simulated


def test_a_redirect_twilio_refuses_because_the_call_is_over_says_so(fake_twilio_api):
    sid = "CA" + "2" * 32
    fake_twilio_api.calls[sid] = "completed"
    with pytest.raises(twilio_rest.CallNotInProgress, match="code 21220"):
        twilio_rest.call_redirect(sid=sid, url="https://vt.example.nl/x")


def test_a_call_twilio_does_not_know_is_over_too(fake_twilio_api):
    sid = "CA" + "3" * 32
    fake_twilio_api.calls[sid] = "missing"
    with pytest.raises(twilio_rest.CallNotInProgress, match="code 20404"):
        twilio_rest.call_status(sid=sid)


@pytest.mark.parametrize("answer", ["error", "hang"])
def test_a_5xx_or_a_timeout_says_nothing_about_the_call(fake_twilio_api, settings, answer):
    settings.TWILIO_REST_TIMEOUT_SECONDS = 0.3
    sid = "CA" + "4" * 32
    fake_twilio_api.calls[sid] = answer
    for ask in (
        lambda: twilio_rest.call_status(sid=sid),
        lambda: twilio_rest.call_redirect(sid=sid, url="https://vt.example.nl/x"),
    ):
        with pytest.raises(twilio_rest.TelephonyError) as raised:
            ask()
        assert not isinstance(raised.value, twilio_rest.CallNotInProgress)


def test_the_status_of_a_call_is_read_with_the_api_key(fake_twilio_api, settings):
    sid = "CA" + "5" * 32
    fake_twilio_api.calls[sid] = "in-progress"
    assert twilio_rest.call_status(sid=sid) == "in-progress"
    [request] = fake_twilio_api.requests
    assert (request["method"], request["path"]) == (
        "GET",
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{sid}.json",
    )
    user, _, secret = base64.b64decode(request["auth"].split()[1]).decode().partition(":")
    assert (user, secret) == (settings.TWILIO_API_KEY_SID, settings.TWILIO_API_KEY_SECRET)
