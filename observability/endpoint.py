"""/metrics for Prometheus: only with `Authorization: Bearer <METRICS_TOKEN>`.

Answered by a middleware right after the request id, before sessions and login: a scrape
must answer while the database is down, and the scraper has no session. With METRICS_TOKEN
unset the path does not exist (404). A refusal is logged without the token that was sent.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from observability.collector import DatabaseCollector
from observability.logs import ip_fingerprint

METRICS_PATH = "/metrics"
security_log = logging.getLogger("veiligthuis.security")

_database_registry = CollectorRegistry(auto_describe=False)
_database_registry.register(DatabaseCollector())


def _refusal(request: HttpRequest, reason: str) -> HttpResponse:
    # The peer, hashed: the scraper's address says who tried without saying it outright.
    security_log.warning(
        "metrics refused: reason=%s ip=%s",
        reason,
        ip_fingerprint(request.META.get("REMOTE_ADDR", "") or ""),
    )
    response = HttpResponse("not authorised\n", status=401, content_type="text/plain")
    response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


def _token_problem(request: HttpRequest) -> str:
    """Why the request does not carry the metrics token; "" when it does."""
    header = request.headers.get("Authorization", "")
    scheme, _, sent = header.partition(" ")
    if not header:
        return "no token"
    if scheme.lower() != "bearer" or not sent.strip():
        return "not a bearer token"
    # Bytes: compare_digest refuses non-ASCII str, and a header may hold anything.
    expected = settings.METRICS_TOKEN.encode()
    if not hmac.compare_digest(sent.strip().encode("utf-8", "replace"), expected):
        return "wrong token"
    return ""


def metrics_response(request: HttpRequest) -> HttpResponse:
    if not settings.METRICS_TOKEN:
        return HttpResponse("not found\n", status=404, content_type="text/plain")
    if request.method not in {"GET", "HEAD"}:
        response = HttpResponse("GET only\n", status=405, content_type="text/plain")
        response["Allow"] = "GET, HEAD"
        return response
    problem = _token_problem(request)
    if problem:
        return _refusal(request, problem)
    body = generate_latest(REGISTRY) + generate_latest(_database_registry)
    response = HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response


class MetricsEndpointMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == METRICS_PATH:
            return metrics_response(request)
        return self.get_response(request)
