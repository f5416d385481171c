"""WebSocket routes. The operator dashboard's socket joins here (/ws/dashboard/)."""

from django.conf import settings
from django.urls import path

from dashboard.consumers import DashboardConsumer

websocket_urlpatterns: list = [
    path("ws/dashboard/", DashboardConsumer.as_asgi()),
]

if settings.BENCHMARK_MODE:
    # The fan-out floor of make bench; never routed otherwise.
    from config.benchmark import EchoConsumer

    websocket_urlpatterns.append(path("ws/bench-echo/", EchoConsumer.as_asgi()))
