"""Who the client is, and refusing access in a way that is always logged."""

from __future__ import annotations

import functools
import ipaddress
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from accounts.models import User

security_log = logging.getLogger("veiligthuis.security")


def _address(value: str) -> str:
    """`value` if it is an IP address (what an access-log column holds), else ""."""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return ""


def client_address(*, forwarded: str, peer: str) -> str:
    """The client's address: the one rule for HTTP requests and WebSocket handshakes.

    `peer` is who opened the connection to Daphne; `forwarded` is the X-Forwarded-For
    header as received (repeated headers joined with ","). Each of our
    TRUSTED_PROXY_COUNT proxies appended the address it saw, so the client is the one
    before those; everything further left is whatever the client wrote. With no trusted
    proxy the header is ignored. Daphne must not be run with --proxy-headers: that
    replaces the peer with the header's first, client-written, address.
    """
    peer_address = _address(peer or "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return peer_address
    hops = [part.strip() for part in (forwarded or "").split(",") if part.strip()]
    if len(hops) >= proxies:
        return _address(hops[-proxies]) or peer_address
    return peer_address


def client_ip(request: HttpRequest) -> str:
    """The caller's address; X-Forwarded-For is trusted only as far as our own proxies go."""
    return client_address(
        forwarded=request.META.get("HTTP_X_FORWARDED_FOR", "") or "",
        peer=request.META.get("REMOTE_ADDR", "") or "",
    )


# Sent for every refusal `log_refusal` reports, with request, reason and view_name. The
# privacy app writes the refused row of the access log from it (privacy/apps.py), so that
# accounts needs no import of privacy: privacy depends on accounts, never the reverse.
access_refused = Signal()


def security_log_line(
    *, user_id: object, role: str, view: str, method: str, ip: str, reason: str
) -> None:
    """The one format of the security log's refusal line (alerting greps for it)."""
    security_log.warning(
        "access refused: user=%s role=%s view=%s method=%s ip=%s reason=%s",
        user_id,
        role,
        view,
        method,
        ip,
        reason,
    )


def view_name_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match else "?"


def log_refusal(request: HttpRequest, *, reason: str, page_row: bool = True) -> None:
    """Record that someone was refused. Never includes request data, only who and where.

    With `page_row` the access log also gets a refused row for the page (written by the
    privacy app on `access_refused`); the access gate (privacy.gate) passes False because
    it writes the refused row for the record itself.
    """
    user = getattr(request, "user", None)
    user_id = user.pk if user is not None and user.is_authenticated else None
    role = getattr(user, "role", "anonymous") if user_id else "anonymous"
    view_name = view_name_of(request)
    if page_row:
        access_refused.send(sender=log_refusal, request=request, reason=reason, view_name=view_name)
    security_log_line(
        user_id=user_id,
        role=role,
        view=view_name,
        method=request.method or "",
        ip=client_ip(request),
        reason=reason,
    )


def staff_user(request: HttpRequest) -> User:
    """The member of staff behind a staff view, typed as such.

    Every staff URL is behind accounts.middleware (login and 2FA) and its view behind
    permission_required, so request.user is never AnonymousUser there; this is the one
    place that says so to the type checker."""
    return cast("User", request.user)


def permission_required(permission: str) -> Callable[[Callable[..., HttpResponse]], Any]:
    """Allow the view only to users with `permission`; refuse with 403 and a log line otherwise.

    Login and 2FA are already enforced for every staff URL by TwoFactorRequiredMiddleware;
    this decides what a verified member of staff may do.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_perm(permission):
                log_refusal(request, reason=f"lacks {permission}")
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
