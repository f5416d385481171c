"""Reads on staff accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User


@dataclass(frozen=True)
class StaffRow:
    user: User
    role: str
    has_second_factor: bool
    locked_out: bool
    last_login: datetime | None


def staff_overview() -> list[StaffRow]:
    users = list(
        User.objects.filter(is_active=True).select_related("team").prefetch_related("groups")
    )
    with_device = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    locked_usernames = set(
        AccessAttempt.objects.filter(
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
        ).values_list("username", flat=True)
    )
    return [
        StaffRow(
            user=user,
            role=user.role,
            has_second_factor=user.pk in with_device,
            locked_out=user.get_username() in locked_usernames,
            last_login=user.last_login,
        )
        for user in sorted(users, key=lambda u: u.get_username())
    ]
