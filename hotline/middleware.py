"""Answers Twilio's fallback URL before any middleware can reach the database or Redis."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

FALLBACK_PATH = "/hotline/twilio/fallback/"


class TwilioFallbackMiddleware:
    """The fallback is the caller's last line when something is down.

    Later middleware reads the session (the database) as soon as a request carries a
    cookie, and Twilio keeps cookies for the length of a call. So the fallback view is
    called from here, before them, and needs nothing but settings.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == FALLBACK_PATH:
            from hotline.views import fallback

            return fallback(request)
        return self.get_response(request)
