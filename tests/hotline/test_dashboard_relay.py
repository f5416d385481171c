"""Events written while Redis is down reach the dashboards once it is back."""

from __future__ import annotations

import asyncio
import os
import socket
from urllib.parse import urlsplit

import pytest
from channels.db import database_sync_to_async
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from config.channel_layers import redis_channel_layer
from events.models import OutboxEvent
from tests.conftest import log_in_fully
from tests.hotline.dashboard_helpers import open_socket, receive, receive_until, session_cookie
from tests.hotline.test_dashboard_socket import queue_a_call

pytestmark = [pytest.mark.django_db(transaction=True)]

# Our own Redis database unless CI names one; never the one a running server uses.
LIVE_REDIS = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/5"
# Port 9 (discard) refuses at once: the same as a Redis that is down.
DEAD_REDIS = "redis://127.0.0.1:9/0"


def redis_layer(url: str, key: str) -> dict:
    # The layer exactly as settings builds it, with a prefix of the tests' own.
    return {"default": redis_channel_layer(url, key, prefix="vt-test-relay")}


@pytest.fixture
def live_redis(settings):
    parts = urlsplit(LIVE_REDIS)
    try:
        socket.create_connection((parts.hostname, parts.port or 6379), timeout=1).close()
    except OSError:
        pytest.fail(
            f"These tests need Redis at {LIVE_REDIS} (set REDIS_URL, or start redis-server)."
        )
    settings.CHANNEL_LAYERS = redis_layer(LIVE_REDIS, settings.CHANNEL_LAYER_ENCRYPTION_KEY)
    return settings


@pytest.mark.asyncio
async def test_events_published_while_redis_is_down_arrive_after_it_returns(
    live_redis, operator, monkeypatch
):
    settings = live_redis
    settings.EVENTS_RELAY_INTERVAL_SECONDS = 0.2
    client = await database_sync_to_async(log_in_fully)(Client(), operator)
    cookie = session_cookie(client)
    # The page listens on the live Redis; this socket also starts the server's relay loop.
    page, connected = await open_socket(cookie)
    assert connected
    snapshot = await receive(page)

    # Redis goes down for everyone who publishes from now on.
    settings.CHANNEL_LAYERS = redis_layer(DEAD_REDIS, settings.CHANNEL_LAYER_ENCRYPTION_KEY)
    calls = [await database_sync_to_async(queue_a_call)() for _ in range(2)]
    unpublished = await database_sync_to_async(
        lambda: list(
            OutboxEvent.objects.filter(published_at__isnull=True).values_list("seq", flat=True)
        )
    )()
    assert len(unpublished) == 2 and min(unpublished) > snapshot["seq"]
    assert await page.receive_nothing(timeout=1.5)  # the relay keeps failing meanwhile

    # Redis is back: the relay loop in the server publishes them, in order.
    settings.CHANNEL_LAYERS = redis_layer(LIVE_REDIS, settings.CHANNEL_LAYER_ENCRYPTION_KEY)
    first = await receive_until(page, "call.queued", timeout=5)
    second = await receive_until(page, "call.queued", timeout=5)
    assert [first["payload"]["call_id"], second["payload"]["call_id"]] == [c.pk for c in calls]
    assert first["seq"] < second["seq"]
    assert not await database_sync_to_async(
        OutboxEvent.objects.filter(published_at__isnull=True).exists
    )()
    await page.disconnect()
    from events import relay

    if relay._task is not None:
        relay._task.cancel()
        await asyncio.sleep(0)


def test_relay_events_fails_loudly_while_redis_is_down_and_publishes_when_it_is_back(
    live_redis, capsys
):
    settings = live_redis
    settings.CHANNEL_LAYERS = redis_layer(DEAD_REDIS, settings.CHANNEL_LAYER_ENCRYPTION_KEY)
    queue_a_call()
    assert OutboxEvent.objects.filter(published_at__isnull=True).count() == 1
    with pytest.raises(CommandError, match="1 events could not be published"):
        call_command("relay_events")

    settings.CHANNEL_LAYERS = redis_layer(LIVE_REDIS, settings.CHANNEL_LAYER_ENCRYPTION_KEY)
    call_command("relay_events")
    assert "published 1, waiting 0" in capsys.readouterr().out
    assert not OutboxEvent.objects.filter(published_at__isnull=True).exists()


def test_relay_events_refuses_a_bad_interval():
    with pytest.raises(CommandError, match="positive"):
        call_command("relay_events", "--loop", "--interval", "0")
