"""Headers every response carries: no caching of pages, and a strict content security policy."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def content_security_policy(*, connect_src: Iterable[str] = ()) -> str:
    """Only our own origin: no CDN, no third-party script, no inline script or style.
    `connect_src` adds the hosts one page may open connections to (the softphone's)."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            " ".join(["connect-src 'self'", *connect_src]),
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )


CONTENT_SECURITY_POLICY = content_security_policy()


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        extra = settings.CSP_CONNECT_SRC_BY_VIEW.get(match.view_name, ()) if match else ()
        policy = content_security_policy(connect_src=extra) if extra else CONTENT_SECURITY_POLICY
        response.setdefault("Content-Security-Policy", policy)
        if not request.path.startswith(settings.STATIC_URL):
            # Pages hold case data or sit on a public page a victim visited: neither
            # may be left in a shared browser's cache or history.
            response["Cache-Control"] = "no-store"
            response.setdefault("Pragma", "no-cache")
        return response


def add_static_file_headers(headers: Any, path: str, url: str) -> None:
    """The headers of a page on a static file as ServeStatic answers it (before the
    middleware): scripts and styles may not be sniffed into something else or framed."""
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = settings.X_FRAME_OPTIONS
    headers["Referrer-Policy"] = settings.SECURE_REFERRER_POLICY
