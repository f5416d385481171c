"""Headers every response carries: no caching of pages, and a strict content security policy."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any, cast

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.exceptions import SuspiciousOperation
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotFound,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware


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


def _read_all(chunks: Iterable[bytes]) -> list[bytes]:
    return list(chunks)


def with_security_headers(
    get_response: Callable[[HttpRequest], HttpResponseBase],
) -> Callable[[HttpRequest], HttpResponseBase]:
    """`get_response` with the header middleware of MIDDLEWARE around it, in that order,
    for responses made outside Django's middleware (static files served by Daphne)."""
    inner = cast(Callable[[HttpRequest], HttpResponse], XFrameOptionsMiddleware(get_response))
    return cast(
        Callable[[HttpRequest], HttpResponseBase],
        SecurityMiddleware(SecurityHeadersMiddleware(inner)),
    )


class StaticFilesWithHeaders(ASGIStaticFilesHandler):
    """/static/ as Daphne serves it (SERVE_STATIC), with the security headers of a page.

    Django's handler runs no middleware, lets an odd path (/static/..%2f..%2f.x, which
    the finders refuse with SuspiciousFileOperation) escape as an exception that Daphne
    turns into a bare 500, and renders a miss as the 404 page with a CSRF cookie. Here
    every path that is no file is a plain 404, and every answer carries the headers.
    """

    def __init__(self, application: Any) -> None:
        super().__init__(application)
        self._secured = with_security_headers(self._serve_or_not_found)

    def _serve_or_not_found(self, request: HttpRequest) -> HttpResponseBase:
        try:
            return self.serve(request)
        except (Http404, SuspiciousOperation, ValueError, OSError):
            return HttpResponseNotFound("Not found", content_type="text/plain; charset=utf-8")

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        # As ASGIStaticFilesHandler does, with the headers and the plain 404 around serve.
        response = await sync_to_async(self._secured, thread_sensitive=False)(request)
        cast(Any, response)._resource_closers.append(request.close)
        if isinstance(response, StreamingHttpResponse) and not response.is_async:
            # FileResponse is not async compatible: read it in a thread.
            chunks = cast(Iterable[bytes], response.streaming_content)

            async def parts() -> AsyncIterator[bytes]:
                for part in await sync_to_async(_read_all)(chunks):
                    yield part

            response.streaming_content = parts()
        return response
