"""WebSocket routes. The operator dashboard's socket joins here (/ws/dashboard/)."""

from typing import Any, cast

from django.conf import settings
from django.urls import path

from dashboard.consumers import DashboardConsumer

# django.urls.path routes Channels' ASGI applications too; its stubs only know Django views.
websocket_urlpatterns: list = [
    path("ws/dashboard/", cast(Any, DashboardConsumer.as_asgi())),
]

if settings.BENCHMARK_MODE:
    # The fan-out floor of make bench; never routed otherwise.
    from config.benchmark import EchoConsumer

    websocket_urlpatterns.append(path("ws/bench-echo/", cast(Any, EchoConsumer.as_asgi())))
