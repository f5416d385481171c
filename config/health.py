"""Liveness and readiness for load balancers and orchestration.

/healthz answers as long as the process does: it touches no database, no Redis.
/readyz checks that the database and the channel layer both answer, and names what failed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol, cast

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 2.0


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def database_is_reachable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.warning("readiness: database unreachable", exc_info=True)
        return False


class _LayerWithPrefixes(Protocol):
    """The Redis and in-memory layers name new channels after a prefix; the base class the
    stubs describe (types-channels) takes none."""

    async def new_channel(self, prefix: str = ...) -> str: ...


async def _round_trip_through_channel_layer() -> bool:
    layer = get_channel_layer()
    if layer is None:
        return False
    channel = await cast(_LayerWithPrefixes, layer).new_channel("readyz.")
    await layer.send(channel, {"type": "readyz.ping"})
    message = await layer.receive(channel)
    return message.get("type") == "readyz.ping"


async def _channel_layer_check() -> bool:
    try:
        return await asyncio.wait_for(_round_trip_through_channel_layer(), CHECK_TIMEOUT_SECONDS)
    except Exception:
        logger.warning("readiness: channel layer unreachable", exc_info=True)
        return False


def channel_layer_is_reachable() -> bool:
    return async_to_sync(_channel_layer_check)()


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {
        "database": database_is_reachable(),
        "channel_layer": channel_layer_is_reachable(),
    }
    failed = [name for name, passed in checks.items() if not passed]
    if failed:
        return JsonResponse({"status": "unavailable", "failed": failed}, status=503)
    return JsonResponse({"status": "ok"})
