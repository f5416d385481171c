"""The access line of each request, and the webhook latency it feeds into /metrics.

Written by `RequestIdMiddleware` (first in MIDDLEWARE), so it measures what Twilio waits
for. The path is logged without its query string: a search (?q=VT-...) or a call id in a
query is case data. Daphne's own access log is off for HTTP (observability.serve).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.http import HttpRequest, HttpResponse

from observability import metrics

access_log = logging.getLogger("veiligthuis.access")

# A path is chosen by the client; a very long one is cut, not logged whole.
MAX_LOGGED_PATH = 200
_WEBHOOK_MARK = "observed_as_webhook"


def observed_as_webhook(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view as a webhook: its latency goes into vt_webhook_duration_seconds,
    labelled with its URL name (never the path, which may hold ids)."""
    setattr(view, _WEBHOOK_MARK, True)
    return view


def logged_path(path: str) -> str:
    """`path` as a log line may hold it: never a query string, never more than 200 characters."""
    return path.split("?", 1)[0][:MAX_LOGGED_PATH]


class ObservedRequest:
    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.response: HttpResponse | None = None

    def finish(self, response: HttpResponse) -> None:
        self.response = response


@contextmanager
def request_observed(request: HttpRequest) -> Iterator[ObservedRequest]:
    observed = ObservedRequest()
    try:
        yield observed
    finally:
        elapsed = time.perf_counter() - observed.started
        # No response: an exception went past every middleware; Django answers 500.
        status = observed.response.status_code if observed.response is not None else 500
        match = getattr(request, "resolver_match", None)
        view = match.view_name if match is not None else "-"
        if match is not None and getattr(match.func, _WEBHOOK_MARK, False):
            metrics.webhook_answered(view, elapsed)
        access_log.info(
            "%s %s %s %.0fms",
            request.method,
            logged_path(request.path),
            status,
            elapsed * 1000,
            extra={
                "http_method": request.method,
                "http_path": logged_path(request.path),
                "http_status": status,
                "duration_ms": round(elapsed * 1000, 1),
                "view": view,
            },
        )
