"""Reads on staff accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from accounts.devices import totp_device_model
from accounts.models import User


@dataclass(frozen=True)
class StaffRow:
    user: User
    role: str
    has_second_factor: bool
    locked_out: bool
    last_login: datetime | None


def staff_overview(*, region: str | None = None) -> list[StaffRow]:
    """Active staff; of one region when given (a supervisor manages their own region)."""
    members = User.objects.filter(is_active=True)
    if region is not None:
        members = members.filter(region=region)
    users = list(members.select_related("team").prefetch_related("groups"))
    with_device = set(
        totp_device_model().objects.filter(confirmed=True).values_list("user_id", flat=True)
    )
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    code_locked = set(
        User.objects.filter(
            Q(second_factor_failures__gte=settings.LOGIN_FAILURE_LIMIT),
            second_factor_failed_at__gte=since,
        ).values_list("pk", flat=True)
    )
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
            locked_out=user.get_username() in locked_usernames or user.pk in code_locked,
            last_login=user.last_login,
        )
        for user in sorted(users, key=lambda u: u.get_username())
    ]
