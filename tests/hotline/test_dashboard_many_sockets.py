"""Many dashboards at once: 50 sockets connect side by side (their database work runs off
Channels' single shared thread), each gets its snapshot, and closing all of them at the
same moment raises nothing and leaves none of them in the region's group in Redis."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from channels.layers import get_channel_layer
from channels_redis.core import RedisChannelLayer
from django.conf import settings
from django.test import Client

from events.services import group_for_region
from tests.conftest import log_in_fully
from tests.hotline.dashboard_helpers import open_socket, receive, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

SOCKETS = 50


@pytest.fixture(autouse=True)
def no_relay_loop(settings):
    # The relay loop has its own tests; here it would only publish behind the tests' backs.
    settings.EVENTS_RELAY_INTERVAL_SECONDS = 0


@pytest.fixture
def operator_cookie(operator) -> str:
    return session_cookie(log_in_fully(Client(), operator))


async def members_since(group: str, since: float) -> list[bytes]:
    """The group's members in Redis that joined at or after `since` (a Unix time)."""
    layer = get_channel_layer()
    assert isinstance(layer, RedisChannelLayer)  # REDIS_URL is set for the tests
    connection = layer.connection(layer.consistent_hash(group))
    return await connection.zrangebyscore(layer._group_key(group), since, "+inf")


@pytest.mark.asyncio
async def test_fifty_dashboards_connect_together_and_all_close_at_once_leaving_no_member(
    operator, operator_cookie, caplog
):
    caplog.set_level(logging.ERROR)
    group = group_for_region(operator.region)
    started = time.time()
    opened = await asyncio.gather(*(open_socket(operator_cookie) for _ in range(SOCKETS)))
    assert all(connected for _, connected in opened)
    sockets = [socket for socket, _ in opened]
    snapshots = await asyncio.gather(*(receive(socket, timeout=20) for socket in sockets))
    assert {snapshot["type"] for snapshot in snapshots} == {"snapshot"}
    assert len(await members_since(group, started)) == SOCKETS

    await asyncio.gather(*(socket.disconnect() for socket in sockets))
    assert await members_since(group, started) == []
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_the_channel_layer_may_open_as_many_redis_connections_as_configured():
    host = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]
    assert host["max_connections"] == settings.CHANNEL_LAYER_MAX_CONNECTIONS >= 500
