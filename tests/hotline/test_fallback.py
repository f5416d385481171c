"""The fallback URL keeps answering with the database and Redis both unreachable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from django.test import Client

from tests.hotline.conftest import call_params, new_sid, sign

ROOT = Path(__file__).resolve().parents[2]

# Runs in a fresh process whose settings point at a PostgreSQL and a Redis nobody listens on.
SCRIPT = textwrap.dedent(
    """
    import json
    import django
    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from twilio.request_validator import RequestValidator

    def signed_post(client, path, params):
        url = settings.PUBLIC_BASE_URL + path
        signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(url, params)
        return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)

    params = {"CallSid": "CA" + "f" * 32, "From": "+31701234567", "To": "+318002000"}
    try:
        connection.ensure_connection()
        database = "reachable"
    except Exception as error:
        database = type(error).__name__
    client = Client(raise_request_exception=False)
    # Twilio keeps cookies for the length of a call: a session cookie must not make us
    # look the session up.
    client.cookies["sessionid"] = "x" * 32
    fallback = signed_post(client, "/hotline/twilio/fallback/", params)
    forged = client.post("/hotline/twilio/fallback/", params, HTTP_X_TWILIO_SIGNATURE="AAAA")
    voice = signed_post(client, "/hotline/twilio/voice/", params)
    print(json.dumps({
        "database": database,
        "engine": settings.DATABASES["default"]["ENGINE"],
        "channel_layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
        "fallback_status": fallback.status_code,
        "fallback_body": fallback.content.decode(),
        "fallback_type": fallback["Content-Type"],
        "forged_status": forged.status_code,
        "voice_status": voice.status_code,
    }))
    """
)


def test_the_fallback_answers_with_database_and_redis_down(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "REDIS_", "HOTLINE_", "DJANGO_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            # Port 9 (discard) refuses at once: the same as a database that is down.
            "DATABASE_URL": "postgres://postgres@127.0.0.1:9/unreachable",
            "REDIS_URL": "redis://127.0.0.1:9/0",
            "HOTLINE_BACKUP_NUMBER": "+31701112222",
            "DEV_SECRETS_FILE": str(tmp_path / "secrets.json"),
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    # The premise: nothing behind us is reachable, and a normal webhook does fail.
    assert report["database"] == "OperationalError"
    assert report["engine"] == "django.db.backends.postgresql"
    assert report["channel_layer"] == "channels_redis.core.RedisChannelLayer"
    # With the pool a database that is down is a connection that never comes: a 503.
    assert report["voice_status"] == 503
    # The fallback still answers, with a message and the backup number.
    assert report["fallback_status"] == 200
    assert report["fallback_type"].startswith("text/xml")
    assert "<Dial>+31701112222</Dial>" in report["fallback_body"]
    assert "112" in report["fallback_body"]
    assert 'language="nl-NL"' in report["fallback_body"]
    assert 'language="en-GB"' in report["fallback_body"]
    assert report["forged_status"] == 403


def test_the_fallback_touches_no_database_in_process(settings):
    # No `db` fixture: pytest-django makes any database access here an error.
    settings.HOTLINE_BACKUP_NUMBER = "+31701112222"
    params = call_params(new_sid())
    response = Client().post(
        "/hotline/twilio/fallback/",
        params,
        HTTP_X_TWILIO_SIGNATURE=sign(
            settings.PUBLIC_BASE_URL + "/hotline/twilio/fallback/", params
        ),
    )
    assert response.status_code == 200
    assert "<Dial>+31701112222</Dial>" in response.content.decode()


def test_without_a_backup_number_the_fallback_says_to_try_again_and_hangs_up(settings):
    settings.HOTLINE_BACKUP_NUMBER = ""
    params = call_params(new_sid())
    response = Client().post(
        "/hotline/twilio/fallback/",
        params,
        HTTP_X_TWILIO_SIGNATURE=sign(
            settings.PUBLIC_BASE_URL + "/hotline/twilio/fallback/", params
        ),
    )
    body = response.content.decode()
    assert "<Dial" not in body
    assert "<Hangup" in body
    assert "Probeer het over een paar minuten opnieuw" in body


def test_the_fallback_refuses_a_missing_signature(settings):
    response = Client().post("/hotline/twilio/fallback/", call_params(new_sid()))
    assert response.status_code == 403
