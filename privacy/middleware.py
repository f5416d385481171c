"""A value that cannot be decrypted becomes a clear page, never a 500 that shows data."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from privacy.crypto import DecryptionError

logger = logging.getLogger("veiligthuis.privacy")


class DecryptionErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DecryptionError):
            return None
        match = getattr(request, "resolver_match", None)
        # The error's message names the column and never the value (privacy.crypto); the
        # traceback is left out because its frames could hold decrypted neighbours.
        logger.error("undecryptable value on %s: %s", match.view_name if match else "?", exception)
        return render(request, "privacy/undecryptable.html", status=500)
