"""One id per request and per socket event, on every log line written while it runs.

The id is in a contextvar, so it follows the request into Django's sync-view threads
(asgiref copies the context) and into a consumer's handlers; `RequestIdLogFilter` puts it
on each log record. The response carries it as X-Request-ID, so an operator who reports
"it went wrong just now" can hand over the id, and on-call finds every line of it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
NO_REQUEST_ID = "-"
# What a proxy's id may look like: a UUID, nginx's $request_id, or similar. Anything else
# (too long, spaces, CR/LF to forge log lines) is replaced by an id of our own.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")

current_request_id: ContextVar[str] = ContextVar("request_id", default=NO_REQUEST_ID)


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from(header_value: str | None) -> str:
    """The proxy's id when a trusted proxy stands in front and sent a sane one, else a new one.

    Without a trusted proxy (TRUSTED_PROXY_COUNT=0) the header came from the client itself
    and is ignored: a client must not choose the id that ties log lines together."""
    if settings.TRUSTED_PROXY_COUNT and header_value and _SANE_REQUEST_ID.fullmatch(header_value):
        return header_value
    return new_request_id()


@contextmanager
def request_id_bound(request_id: str) -> Iterator[str]:
    """Every log line written inside this block carries `request_id`."""
    token = current_request_id.set(request_id)
    try:
        yield request_id
    finally:
        current_request_id.reset(token)


class RequestIdMiddleware:
    """First in MIDDLEWARE: sets the id before anything can log, returns it as a header,
    and hands the finished request to `observability.metrics` (webhook latency) and the
    access log line (path without its query string)."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if self.async_mode:
            return self._acall(request)
        from observability.access import request_observed

        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        with request_id_bound(request_id), request_observed(request) as observed:
            response: HttpResponse = self.get_response(request)
            observed.finish(response)
        response[REQUEST_ID_HEADER] = request_id
        return response

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        from observability.access import request_observed

        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        with request_id_bound(request_id), request_observed(request) as observed:
            response: HttpResponse = await self.get_response(request)
            observed.finish(response)
        response[REQUEST_ID_HEADER] = request_id
        return response
