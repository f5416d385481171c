"""WebSocket routes. The operator dashboard's socket joins here (/ws/dashboard/)."""

from django.urls import path

from hotline.consumers import DashboardConsumer

websocket_urlpatterns: list = [
    path("ws/dashboard/", DashboardConsumer.as_asgi()),
]
