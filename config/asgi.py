"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.asgi import get_asgi_application

# Django must be set up before anything imports models (the consumers do).
django_http_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from config.security_headers import StaticFilesWithHeaders  # noqa: E402
from config.websocket_urls import websocket_urlpatterns  # noqa: E402
from jobs.queue import embedded_worker_start  # noqa: E402

http_application = (
    StaticFilesWithHeaders(django_http_application)
    if settings.SERVE_STATIC
    else django_http_application
)

# On the embedded default (SQLite) the jobs run in this process; on PostgreSQL this does
# nothing and the worker service runs them.
embedded_worker_start()

application = ProtocolTypeRouter(
    {
        "http": http_application,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
