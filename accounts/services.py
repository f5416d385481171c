"""Writes on staff accounts. Each runs in one transaction and says who did what."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from axes.utils import reset as axes_reset
from django.contrib.auth.models import Group
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import roles
from accounts.models import Team, User

security_log = logging.getLogger("veiligthuis.security")


@dataclass(frozen=True)
class NewStaffMember:
    user: User
    password: str
    device: TOTPDevice


class StaffError(ValueError):
    """A staff change that cannot be made, with a message fit for the person asking."""


def staff_create(
    *,
    username: str,
    role: str,
    by: str,
    team_name: str = "",
    email: str = "",
    password: str | None = None,
) -> NewStaffMember:
    """Create a member of staff with one role and a confirmed TOTP device.

    The password is generated when none is given; the caller shows it once.
    """
    if role not in roles.ROLES:
        raise StaffError(f"Unknown role {role!r}; choose one of: {', '.join(roles.ROLES)}.")
    if not username.strip():
        raise StaffError("A username is required.")
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise StaffError(f"A user named {username!r} already exists.")
        team = Team.objects.get_or_create(name=team_name)[0] if team_name else None
        password = password or secrets.token_urlsafe(18)
        user = User.objects.create_user(username=username, email=email, password=password)
        user.team = team
        user.save(update_fields=["team"])
        user.groups.add(Group.objects.get(name=role))
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
        security_log.info("staff created: user=%s role=%s by=%s", user.pk, role, by)
    return NewStaffMember(user=user, password=password, device=device)


def staff_unlock(*, user: User, by: User) -> int:
    """Lift a login lockout for `user`; returns how many failure records were cleared."""
    with transaction.atomic():
        cleared = axes_reset(username=user.get_username())
        security_log.info("staff unlocked: user=%s by=%s cleared=%s", user.pk, by.pk, cleared)
    return cleared


def login_failures_clear(*, username: str, ip: str) -> None:
    """Forget failed attempts for this username from this address, after a full 2FA login."""
    axes_reset(ip=ip, username=username)
