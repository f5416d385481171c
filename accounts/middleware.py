"""Staff sessions: two factors before anything, and an idle and an absolute time limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

# Paths anyone may reach without logging in: probes, the public reporting form, Twilio
# and partner systems (which prove themselves with a signature instead) and the login.
PUBLIC_PATH_PREFIXES = (
    "/healthz",
    "/readyz",
    "/static/",
    "/i18n/",
    "/accounts/login/",
    "/hotline/twilio/",
    "/melden/",
    "/api/partner/",
)
# A user who gave the right password but no code yet may reach only these.
HALF_LOGGED_IN_PATHS = ("/accounts/token/", "/accounts/logout/")
LAST_SEEN_RESOLUTION_SECONDS = 60
# Sent by the pages' own timers (the supervisor screen's poll, the dashboard's session
# check): such a request is answered, but it is not the user doing something, so it does
# not move the idle clock. Without it a screen left open would never time out.
BACKGROUND_POLL_HEADER = "X-Background-Poll"


def is_background_poll(request: HttpRequest) -> bool:
    return bool(request.headers.get(BACKGROUND_POLL_HEADER))


def otp_verified(user: Any) -> bool:
    """Whether this login also passed the second factor. django_otp's OTPMiddleware gives
    every request.user an is_verified() that the User model itself does not have."""
    return bool(user.is_verified())


def is_public(path: str) -> bool:
    if settings.BENCHMARK_MODE and path.startswith("/bench/"):
        return True  # the floors of make bench (config/benchmark.py), mounted only then
    return path.startswith(PUBLIC_PATH_PREFIXES)


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(timezone.now().timestamp())
            session = request.session
            login_at = session.get("login_at")
            last_seen = session.get("last_seen")
            idle_limit = settings.SESSION_IDLE_TIMEOUT.total_seconds()
            absolute_limit = settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
            if login_at is None or last_seen is None or now - login_at > absolute_limit:
                logout(request)
                messages.info(request, _("Je sessie is verlopen. Log opnieuw in."))
            elif now - last_seen > idle_limit:
                logout(request)
                messages.info(
                    request,
                    _("Je bent uitgelogd omdat je een tijd niets hebt gedaan. Log opnieuw in."),
                )
            elif is_background_poll(request):
                pass
            elif now - last_seen >= LAST_SEEN_RESOLUTION_SECONDS:
                # Writing the session on every request lets a parallel request (a favicon,
                # the dashboard's fetches) save a stale copy over a fresh one, e.g. over
                # the second-factor verification that login just stored. A minute's
                # resolution is plenty for a 15-minute idle limit.
                session["last_seen"] = now
            if request.user.is_authenticated:
                # For the page's idle warning (templates/base.html, static/js/idle_warning.js).
                seen = session.get("last_seen", now)
                request.idle_seconds_left = max(0, int(idle_limit - (now - seen)))  # type: ignore[attr-defined]  # base.html reads it
                request.idle_limit_seconds = int(idle_limit)  # type: ignore[attr-defined]  # base.html
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """Every page that is not public needs a password *and* a verified TOTP code.

    Enforced here rather than per view so that a new view cannot forget it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if is_public(path):
            return self.get_response(request)
        user = request.user
        if not user.is_authenticated:
            return self._redirect("accounts:login", path)
        if not otp_verified(user):
            if path.startswith(HALF_LOGGED_IN_PATHS):
                return self.get_response(request)
            return self._redirect("accounts:token", path)
        return self.get_response(request)

    @staticmethod
    def _redirect(url_name: str, next_path: str) -> HttpResponseRedirect:
        target = reverse(url_name)
        if next_path and next_path != "/":
            target += "?" + urlencode({"next": next_path})
        return HttpResponseRedirect(target)
