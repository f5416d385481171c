from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import timezone


@receiver(user_logged_in)
def start_session_clock(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Mark the login time: SessionTimeoutMiddleware ends the session 12 hours after it."""
    if request is not None and hasattr(request, "session"):
        now = int(timezone.now().timestamp())
        request.session["login_at"] = now
        request.session["last_seen"] = now
