"""An idle channel layer must not drop the dashboards.

channels_redis blocks in BZPOPMIN for 5 s; redis-py 8 gives up reading after its default
socket timeout, also 5 s. Left at that, a dashboard with nothing to show crashed with
"Timeout reading from redis" every 5 s (found by `make bench`). The settings give the
reads longer than the blocking pop.
"""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from config.channel_layers import redis_channel_layer
from tests.conftest import log_in_fully
from tests.hotline.dashboard_helpers import open_socket, receive, receive_until, session_cookie
from tests.hotline.test_dashboard_relay import LIVE_REDIS
from tests.hotline.test_dashboard_socket import queue_a_call

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]


@pytest.mark.asyncio
async def test_a_dashboard_left_idle_past_the_blocking_pop_still_gets_events(operator, settings):
    # The layer as settings builds it for production, on the machine's Redis.
    settings.CHANNEL_LAYERS = {
        "default": redis_channel_layer(
            LIVE_REDIS, settings.CHANNEL_LAYER_ENCRYPTION_KEY, prefix="vt-test-idle"
        )
    }
    settings.EVENTS_RELAY_INTERVAL_SECONDS = 0
    client = await database_sync_to_async(log_in_fully)(Client(), operator)
    page, connected = await open_socket(session_cookie(client))
    assert connected
    await receive(page)  # the snapshot
    await asyncio.sleep(6.5)  # longer than brpop_timeout and redis-py's default read timeout
    call = await database_sync_to_async(queue_a_call)()
    event = await receive_until(page, "call.queued", timeout=5)
    assert event["payload"]["call_id"] == call.pk
    await page.disconnect()


def test_the_redis_layer_reads_longer_than_channels_redis_blocks():
    from channels_redis.core import RedisChannelLayer

    host = redis_channel_layer("redis://127.0.0.1:6379/0", "key")["CONFIG"]["hosts"][0]
    assert host["socket_timeout"] > RedisChannelLayer.brpop_timeout
