"""The browser softphone's token: operators only, short-lived, voice only."""

from __future__ import annotations

import logging
import re
import time

import jwt
import pytest
from django.test import Client
from django.urls import reverse

from accounts import roles
from hotline.services import operator_identity
from privacy.models import AccessLogEntry
from tests.conftest import log_in_fully, make_staff
from tests.hotline.conftest import ACCOUNT_SID

SECRET = "a-softphone-api-key-secret-of-32-bytes-or-more"


@pytest.fixture
def twilio_account(settings):
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_API_KEY_SID = "SK" + "b" * 32
    settings.TWILIO_API_KEY_SECRET = SECRET
    settings.TWILIO_TWIML_APP_SID = "AP" + "c" * 32
    settings.HOTLINE_TOKEN_TTL_SECONDS = 600


def test_an_operator_gets_a_short_lived_voice_token(operator_client, operator, twilio_account):
    response = operator_client.get(reverse("hotline:token"))
    assert response.status_code == 200
    body = response.json()
    claims = jwt.decode(body["token"], SECRET, algorithms=["HS256"])
    assert claims["iss"] == "SK" + "b" * 32
    assert claims["sub"] == ACCOUNT_SID
    assert claims["grants"]["identity"] == f"operator-{operator.pk}"
    assert claims["grants"]["voice"]["outgoing"]["application_sid"] == "AP" + "c" * 32
    assert claims["grants"]["voice"]["incoming"]["allow"] is True
    assert 590 <= claims["exp"] - time.time() <= 600
    assert "no-store" in response["Cache-Control"]


def test_without_twilio_the_token_says_calls_are_simulated(operator_client, settings):
    settings.TWILIO_ACCOUNT_SID = ""
    response = operator_client.get(reverse("hotline:token"))
    assert response.json() == {"token": None, "simulated": True}


def test_the_token_needs_a_logged_in_operator(db, twilio_account):
    response = Client().get(reverse("hotline:token"))
    assert response.status_code == 302


def test_the_token_is_only_handed_out_on_get(operator_client, twilio_account):
    assert operator_client.post(reverse("hotline:token")).status_code == 405


def test_the_dashboard_loads_the_softphone_which_asks_for_the_operators_own_token(
    operator_client, operator, twilio_account
):
    page = operator_client.get(reverse("dashboard:dashboard"))
    html = page.content.decode()
    # The vendored SDK and the softphone, both from our own static files.
    assert '<script defer src="/static/vendor/twilio-voice/twilio.min.js">' in html
    assert '<script type="module" src="/static/js/softphone.js">' in html
    found = re.search(r'data-token-url="([^"]+)"', html)
    assert found is not None
    token_url = found[1]
    assert token_url == reverse("hotline:token")
    body = operator_client.get(token_url).json()
    claims = jwt.decode(body["token"], SECRET, algorithms=["HS256"])
    assert claims["grants"]["identity"] == body["identity"] == operator_identity(operator)


def test_only_the_softphone_page_may_connect_to_twilios_signalling(operator_client):
    dashboard_csp = operator_client.get(reverse("dashboard:dashboard"))["Content-Security-Policy"]
    assert "connect-src 'self' wss://*.twilio.com;" in dashboard_csp
    assert "script-src 'self';" in dashboard_csp
    other_csp = operator_client.get(reverse("cases:case_list"))["Content-Security-Policy"]
    assert "connect-src 'self';" in other_csp
    assert "twilio" not in other_csp


def test_staff_without_the_hotline_permission_get_no_token_and_are_logged(
    db, twilio_account, caplog
):
    clerk = make_staff("kees", roles.OPERATOR)
    client = log_in_fully(Client(), clerk)
    clerk.groups.clear()
    with caplog.at_level(logging.WARNING, logger="veiligthuis.security"):
        response = client.get(reverse("hotline:token"))
    assert response.status_code == 403
    assert not response["Content-Type"].startswith("application/json")
    assert b"eyJ" not in response.content  # no JWT of any kind
    assert "view=hotline:token" in caplog.text
    assert AccessLogEntry.objects.filter(
        target_id="hotline:token", allowed=False, actor_id=clerk.pk
    ).exists()
