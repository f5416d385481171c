"""The browser softphone's token: operators only, short-lived, voice only."""

from __future__ import annotations

import time

import jwt
import pytest
from django.test import Client
from django.urls import reverse

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
