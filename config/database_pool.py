"""A request that waited its turn for a pooled database connection and got none.

Connections come from psycopg's pool (DATABASES OPTIONS "pool", config/settings.py). When
every connection has been busy for DATABASE_POOL_TIMEOUT seconds the pool gives up with
psycopg_pool.PoolTimeout, which Django hands on as its own OperationalError. Answered as a
plain 500 that would look like a bug; it is overload, so it is a 503 that says so, and a
warning in the log instead of a traceback per request. Twilio treats the 503 like any
failed webhook and calls the fallback URL, which needs no database
(hotline.middleware.TwilioFallbackMiddleware).

A view's timeout reaches `PoolExhaustedMiddleware.process_exception`. A middleware's does
not (Django turns it into a response where it happens): the session middleware reads the
database as soon as a request carries a session cookie, and Twilio keeps cookies for the
length of a call. Those reach `server_error`, the project's handler500.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views import defaults
from psycopg_pool import PoolTimeout

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


def is_pool_timeout(error: BaseException | None) -> bool:
    """True when `error` is, or was raised from, the pool's timeout."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, PoolTimeout):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def pool_exhausted_response(request: HttpRequest) -> HttpResponse:
    # The path only: a query string may carry a call or case id.
    logger.warning(
        "database pool exhausted: no connection within %s s (DATABASE_POOL_MAX_SIZE=%s) path=%s",
        settings.DATABASE_POOL_TIMEOUT,
        settings.DATABASE_POOL_MAX_SIZE,
        request.path,
    )
    response = HttpResponse(
        "Database busy: no free connection in the pool. Try again shortly.",
        status=503,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class PoolExhaustedMiddleware:
    """Turns a pool timeout in a view into a 503 that names it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_pool_timeout(exception):
            return None
        return pool_exhausted_response(request)


class ReleaseConnectionMiddleware:
    """Gives the request's pooled connection back as soon as the response is made.

    Django gives it back at request_finished, which under ASGI fires only once the
    server's event loop has sent the whole response and a thread hop later; on a busy
    server that is most of the time a webhook keeps its connection, doing nothing with it
    (measured in the soak: the server's connections sat idle, not in a transaction, while
    a third of the requests queued for one). First in MIDDLEWARE, so every other
    middleware has finished with the database. Not inside a transaction (a test's, or a
    caller that wraps the whole request), and not for a streamed response, whose body
    may still read the database; a later query would simply take a connection again.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            getattr(connection, "pool", None) is not None
            and connection.connection is not None
            and not connection.in_atomic_block
            and not response.streaming
        ):
            connection.close()
        return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: Django calls it while handling the exception, so sys.exc_info() holds it."""
    if is_pool_timeout(sys.exc_info()[1]):
        return pool_exhausted_response(request)
    return defaults.server_error(request)
