"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.asgi import get_asgi_application

# Django must be set up before anything imports models (the consumers do).
django_http_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config.websocket_urls import websocket_urlpatterns  # noqa: E402
from hotline import twilio_rest  # noqa: E402
from jobs.queue import embedded_worker_start  # noqa: E402

# Libraries deferred so that manage.py commands start quickly are imported here, at the
# server's start, rather than during an operator's first request.
twilio_rest.preload()

# Static files (SERVE_STATIC) are ServeStatic's middleware, first in MIDDLEWARE.
# On the embedded default (SQLite) the jobs run in this process; on PostgreSQL this does
# nothing and the worker service runs them.
embedded_worker_start()

application = ProtocolTypeRouter(
    {
        "http": django_http_application,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
