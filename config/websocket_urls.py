"""WebSocket routes. The operator dashboard's socket joins here (/ws/dashboard/)."""

websocket_urlpatterns: list = []
