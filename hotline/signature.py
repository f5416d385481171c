"""Twilio proves a webhook is its own with X-Twilio-Signature; nothing else may get in."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
)
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from hotline.webhook_input import webhook_input_problem
from observability.access import observed_as_webhook

security_log = logging.getLogger("veiligthuis.security")

TWIML_CONTENT_TYPE = "text/xml; charset=utf-8"


def signed_url(request: HttpRequest) -> str:
    """The URL Twilio called and signed.

    Built from PUBLIC_BASE_URL, never from the request: behind a TLS proxy the request
    says http://internal-host while Twilio signed https://public-host. RequestValidator
    tries it with and without the port, because Twilio drops the port on some requests.
    """
    return settings.PUBLIC_BASE_URL + request.get_full_path()


def signature_is_valid(request: HttpRequest) -> bool:
    signature = request.META.get("HTTP_X_TWILIO_SIGNATURE", "")
    if not signature:
        return False
    validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
    return validator.validate(signed_url(request), request.POST, signature)


def _signed_webhook(
    view: Callable[..., HttpResponse], *, check_input: bool
) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not signature_is_valid(request):
            # A log line only: a flood of forged requests must not be able to fill the
            # database, and the fallback may not touch it at all.
            security_log.warning(
                "twilio webhook refused: bad or missing signature path=%s", request.path
            )
            return HttpResponseForbidden("invalid signature", content_type="text/plain")
        problem = webhook_input_problem(request.POST) if check_input else ""
        if problem:
            security_log.warning(
                "twilio webhook refused: odd input path=%s field=%s",
                request.path,
                problem.split(":", 1)[0].removeprefix("bad "),
            )
            return HttpResponseBadRequest(problem, content_type="text/plain")
        return view(request, *args, **kwargs)

    # Its latency (refusals included) goes into /metrics under its URL name.
    return observed_as_webhook(csrf_exempt(never_cache(require_POST(wrapped))))


def twilio_webhook(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """POST only, signature checked before the view runs; a refusal writes nothing.

    Then the fields the views read are checked (hotline.webhook_input): odd input is a
    400 naming the field, before anything is stored. No CSRF token (Twilio has none;
    the signature is stronger) and no cache.
    """
    return _signed_webhook(view, check_input=True)


def twilio_fallback_webhook(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """`twilio_webhook` without the input check, for the fallback: it reads and stores
    nothing, and is the caller's last line, so no field may keep a caller from it."""
    return _signed_webhook(view, check_input=False)


def twiml(document: str) -> HttpResponse:
    return HttpResponse(document, content_type=TWIML_CONTENT_TYPE)
