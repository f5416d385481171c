"""The one place this system calls Twilio's REST API.

Webhooks never come here (every second in a webhook is dead air for the caller); only an
operator's action and the worker's check on calls without an end (hotline.reconcile) do,
outside any database transaction, with a short timeout.
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

# The twilio library (and requests under it) is imported where a call is made, not when
# this module is: every manage.py command and every worker imports the URLconf, which
# reaches this module, and would otherwise pay for a client it never uses.
if TYPE_CHECKING:
    from twilio.base.exceptions import TwilioRestException
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

logger = logging.getLogger(__name__)


class TelephonyError(Exception):
    """Twilio could not be asked to do it (timeout, refused, an error answer)."""


class TelephonyTimeout(TelephonyError):
    """Twilio did not answer in time: the request may still have been carried out."""


class CallNotInProgress(TelephonyError):
    """Twilio's definitive answer that the call is over: it is no longer in progress (code
    21220 on a redirect) or Twilio does not know it (404, code 20404). Anything else (a
    timeout, a 5xx, a refused key) says nothing about the call and is a TelephonyError."""


# Twilio's error codes that say the call itself is gone, not that the request failed.
CALL_GONE_CODES = {20404, 21220}
# Statuses Twilio reports for a call that has ended and will never come back.
FINAL_CALL_STATUSES = {"completed", "busy", "failed", "no-answer", "canceled"}


@functools.cache
def _redirecting_http_client_class() -> type[TwilioHttpClient]:
    from twilio.http.http_client import TwilioHttpClient
    from twilio.http.response import Response

    class _RedirectingHttpClient(TwilioHttpClient):
        """Sends every request to TWILIO_API_BASE_URL instead of https://*.twilio.com.

        The twilio library builds absolute URLs per product domain; rewriting scheme and
        host here points all of them at a local fake in tests without patching the library.
        """

        def __init__(self, base_url: str, timeout: float) -> None:
            super().__init__(timeout=timeout)
            self._base = urlsplit(base_url)
            # A developer's HTTP(S)_PROXY must not swallow requests meant for a local fake.
            self.session.trust_env = False

        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
            parts = urlsplit(url)
            url = urlunsplit(
                (
                    self._base.scheme,
                    self._base.netloc,
                    self._base.path + parts.path,
                    parts.query,
                    "",
                )
            )
            return super().request(method, url, *args, **kwargs)

    return _RedirectingHttpClient


def preload() -> None:
    """Import the REST client now. The web server calls this at start (config/asgi.py), so
    an operator's first "take" does not wait for the import; other processes never do."""
    import twilio.rest  # noqa: F401  # the client, and requests under it

    _redirecting_http_client_class()


def is_configured() -> bool:
    return bool(
        settings.TWILIO_ACCOUNT_SID
        and settings.TWILIO_API_KEY_SID
        and settings.TWILIO_API_KEY_SECRET
    )


def rest_client() -> Client:
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    timeout = settings.TWILIO_REST_TIMEOUT_SECONDS
    http_client: TwilioHttpClient
    if settings.TWILIO_API_BASE_URL:
        http_client = _redirecting_http_client_class()(settings.TWILIO_API_BASE_URL, timeout)
    else:
        http_client = TwilioHttpClient(timeout=timeout)
    return Client(
        settings.TWILIO_API_KEY_SID,
        settings.TWILIO_API_KEY_SECRET,
        account_sid=settings.TWILIO_ACCOUNT_SID,
        http_client=http_client,
    )


def _detail(error: TwilioRestException) -> str:
    # Only the status and Twilio's code: its messages can quote a phone number.
    return f"twilio {error.status} code {error.code}"


def _call_gone(error: TwilioRestException) -> bool:
    return error.status == 404 or error.code in CALL_GONE_CODES


def call_redirect(*, sid: str, url: str) -> None:
    """Make a live call fetch new TwiML from `url` (moves a waiting caller to an operator).

    Raises CallNotInProgress when Twilio says the call is over (the caller hung up and the
    end never reached us), TelephonyTimeout when Twilio did not answer in time, and
    TelephonyError on any other failure, so the caller can be put back in the queue.
    """
    import requests
    from twilio.base.exceptions import TwilioException, TwilioRestException

    try:
        rest_client().calls(sid).update(url=url, method="POST")
    except TwilioRestException as error:
        logger.warning("twilio REST redirect failed: %s", _detail(error))
        if _call_gone(error):
            raise CallNotInProgress(_detail(error)) from None
        raise TelephonyError(_detail(error)) from None
    except TwilioException as error:
        logger.warning("twilio REST redirect failed: %s", type(error).__name__)
        raise TelephonyError(type(error).__name__) from None
    except (requests.Timeout, TimeoutError) as error:
        logger.warning("twilio REST redirect timed out: %s", type(error).__name__)
        raise TelephonyTimeout(type(error).__name__) from None
    except Exception as error:  # requests' connection errors
        logger.warning("twilio REST redirect failed: %s", type(error).__name__)
        raise TelephonyError(type(error).__name__) from None


def call_status(*, sid: str) -> str:
    """How Twilio says the call stands now ("in-progress", "completed", ...).

    Raises CallNotInProgress when Twilio does not know the call (404), TelephonyTimeout
    when it did not answer in time and TelephonyError on any other failure: only a status
    or a 404 is an answer about the call.
    """
    import requests
    from twilio.base.exceptions import TwilioException, TwilioRestException

    try:
        call = rest_client().calls(sid).fetch()
    except TwilioRestException as error:
        logger.warning("twilio REST call fetch failed: %s", _detail(error))
        if _call_gone(error):
            raise CallNotInProgress(_detail(error)) from None
        raise TelephonyError(_detail(error)) from None
    except TwilioException as error:
        logger.warning("twilio REST call fetch failed: %s", type(error).__name__)
        raise TelephonyError(type(error).__name__) from None
    except (requests.Timeout, TimeoutError) as error:
        logger.warning("twilio REST call fetch timed out: %s", type(error).__name__)
        raise TelephonyTimeout(type(error).__name__) from None
    except Exception as error:  # requests' connection errors
        logger.warning("twilio REST call fetch failed: %s", type(error).__name__)
        raise TelephonyError(type(error).__name__) from None
    return str(call.status or "").strip().lower()


def call_create(*, to: str, from_: str, url: str, status_callback: str) -> str:
    """Ask Twilio to ring `to` and fetch its TwiML from `url`; returns the new call's SID.

    Raises TelephonyError (TelephonyTimeout when Twilio did not answer in time). Only the
    status, Twilio's error code and the exception's class are logged: Twilio's error
    messages for a refused call quote the number ("Invalid 'To' Phone Number: +31...").
    """
    import requests
    from twilio.base.exceptions import TwilioException, TwilioRestException

    try:
        call = rest_client().calls.create(
            to=to,
            from_=from_,
            url=url,
            method="POST",
            status_callback=status_callback,
            status_callback_method="POST",
        )
    except TwilioRestException as error:
        logger.warning("twilio REST call create failed: %s", _detail(error))
        raise TelephonyError(_detail(error)) from None
    except TwilioException as error:
        logger.warning("twilio REST call create failed: %s", type(error).__name__)
        raise TelephonyError(type(error).__name__) from None
    except (requests.Timeout, TimeoutError) as error:
        logger.warning("twilio REST call create timed out: %s", type(error).__name__)
        raise TelephonyTimeout(type(error).__name__) from None
    except Exception as error:  # requests' connection errors
        logger.warning("twilio REST call create failed: %s", type(error).__name__)
        raise TelephonyError(type(error).__name__) from None
    return str(call.sid)
