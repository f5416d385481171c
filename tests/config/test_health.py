from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client


def test_healthz_answers_without_touching_the_database():
    # No django_db mark: any database query here would fail the test.
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_answers_when_database_and_channel_layer_are_reachable(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_readyz_answers_503_naming_redis_when_it_is_unreachable(client, settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # Port 1 on loopback: nothing listens, the connection is refused at once.
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failed": ["channel_layer"]}


@pytest.mark.django_db
def test_readyz_answers_503_naming_the_database_when_it_fails(client, monkeypatch):
    from config import health

    def broken_cursor():
        raise OperationalError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", broken_cursor)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]
