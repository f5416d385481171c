"""Who the client is, and refusing access in a way that is always logged."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

security_log = logging.getLogger("veiligthuis.security")


def client_ip(request: HttpRequest) -> str:
    """The caller's address; X-Forwarded-For is trusted only as far as our own proxies go."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    # Each trusted proxy appended one address; the one before those is the client's.
    if len(forwarded) >= proxies:
        return forwarded[-proxies]
    return remote


def log_refusal(request: HttpRequest, *, reason: str) -> None:
    """Record that someone was refused. Never includes request data, only who and where."""
    user = getattr(request, "user", None)
    user_id = user.pk if user is not None and user.is_authenticated else None
    role = getattr(user, "role", "anonymous") if user_id else "anonymous"
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else "?"
    from privacy.access_log import access_record

    access_record(
        actor=user if user_id else None,
        action="view",
        target_type="page",
        target_id=view_name,
        allowed=False,
        reason=reason,
        ip_address=client_ip(request) or None,
    )
    security_log.warning(
        "access refused: user=%s role=%s view=%s method=%s ip=%s reason=%s",
        user_id,
        role,
        view_name,
        request.method,
        client_ip(request),
        reason,
    )


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
