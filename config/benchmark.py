"""The floors `make bench` measures against; routed only when BENCHMARK_MODE is on.

Each does the least its real counterpart must do over the same server, so the ratio to
it says what our own code costs: an async view that returns constant TwiML (no
signature check, no database), and a socket that echoes a message to every socket in
its group through the channel layer (no login, no database, no snapshot).
"""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from hotline.signature import TWIML_CONTENT_TYPE

FLOOR_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="nl-NL">'
    "Welkom bij Veilig Thuis.</Say></Response>"
)
ECHO_GROUP = "bench-echo"


@csrf_exempt
async def floor_twiml(request: HttpRequest) -> HttpResponse:
    return HttpResponse(FLOOR_TWIML, content_type=TWIML_CONTENT_TYPE)


def pool_stats(request: HttpRequest) -> HttpResponse:
    """psycopg_pool's counters since the last call (then reset): how many connections were
    handed out, how long requests waited for one, and how long they kept them (usage_ms),
    which says whether a soak's requests queue for connections or for the CPU. Figures
    only: nothing about any call. {} without a pool (SQLite)."""
    pool = getattr(connection, "pool", None) if connection.vendor == "postgresql" else None
    return JsonResponse(pool.pop_stats() if pool is not None else {})


class EchoConsumer(AsyncJsonWebsocketConsumer):
    """Fan-out floor: whatever one socket sends goes to every socket in the group."""

    async def connect(self) -> None:
        await self.channel_layer.group_add(ECHO_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(ECHO_GROUP, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        await self.channel_layer.group_send(ECHO_GROUP, {"type": "echo", "content": content})

    async def echo(self, message: dict[str, Any]) -> None:
        await self.send_json(message["content"])
