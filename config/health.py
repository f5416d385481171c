"""Liveness and readiness for load balancers and orchestration.

/healthz answers as long as the process does: it touches no database, no Redis.
/readyz checks that the database and the channel layer both answer, and names what failed.
"""

from __future__ import annotations

import asyncio
import logging
import secrets

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


async def _round_trip_through_channel_layer() -> bool:
    """A message to this process's own channel, and back.

    On the channel `new_channel()` names with its default prefix: the Redis layer reads
    every such channel of the process with one shared receive loop (one BZPOPMIN on
    "specific.<process>!"), whoever holds it, so the probe travels the road the
    dashboards' events take. A channel of another prefix ("readyz.") was never read while
    an open dashboard held that loop: /readyz then answered 503 whenever an operator was
    connected (issue 18).
    """
    layer = get_channel_layer()
    if layer is None:
        return False
    channel = await layer.new_channel()
    nonce = secrets.token_hex(8)
    await layer.send(channel, {"type": "readyz.ping", "nonce": nonce})
    message = await layer.receive(channel)
    return message.get("type") == "readyz.ping" and message.get("nonce") == nonce


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
