"""Writes on staff accounts. Each runs in one transaction and says who did what."""

from __future__ import annotations

import base64
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from accounts import roles
from accounts.devices import totp_device_model
from accounts.models import BackupCode, BackupCodeDevice, Team, User, backup_code_digest

security_log = logging.getLogger("veiligthuis.security")


@dataclass(frozen=True)
class NewStaffMember:
    user: User
    password: str
    device: Any  # a STAFF_TOTP_DEVICE_MODEL instance (accounts.devices)


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
        device = totp_device_model().objects.create(user=user, name="authenticator", confirmed=True)
        security_log.info("staff created: user=%s role=%s by=%s", user.pk, role, by)
    return NewStaffMember(user=user, password=password, device=device)


def staff_unlock(*, user: User, by: User) -> int:
    """Lift a login lockout for `user`; returns how many failure records were cleared."""
    with transaction.atomic():
        cleared = axes_reset(username=user.get_username())
        cleared += User.objects.filter(pk=user.pk, second_factor_failures__gt=0).update(
            second_factor_failures=0, second_factor_failed_at=None
        )
        # django-otp's own back-off on the device would still refuse the next code.
        totp_device_model().objects.filter(user=user).update(
            throttling_failure_count=0, throttling_failure_timestamp=None
        )
        security_log.info("staff unlocked: user=%s by=%s cleared=%s", user.pk, by.pk, cleared)
    return cleared


# Sent after a change to a member's account made by someone else (an authenticator
# reset), with actor, member, reason and ip_address. The privacy app writes the access-log
# row for it (privacy/staff_audit.py): accounts does not import privacy.
staff_account_changed = Signal()


def same_region(user: User, member: User) -> bool:
    """A supervisor manages only staff of their own region (a superuser every region)."""
    return bool(user.is_superuser) or user.region == member.region


def authenticator_reset(*, user: User, by: User, ip_address: str | None = None) -> int:
    """Remove a member's authenticator and backup codes (lost phone); they re-enrol at
    their next login. Returns how many devices were removed."""
    with transaction.atomic():
        removed, _ = totp_device_model().objects.filter(user=user).delete()
        BackupCodeDevice.objects.filter(user=user).delete()
        User.objects.filter(pk=user.pk).update(
            must_enrol=True, second_factor_failures=0, second_factor_failed_at=None
        )
        security_log.info("authenticator reset: user=%s by=%s", user.pk, by.pk)
        staff_account_changed.send(
            sender=authenticator_reset,
            actor=by,
            member=user,
            reason="authenticator gereset (kwijt); opnieuw instellen bij volgende login",
            ip_address=ip_address,
        )
    return removed


# --- the second factor: lockout across password logins -----------------------------------


def second_factor_locked(user: User) -> bool:
    """Too many wrong codes recently, whatever password logins came in between."""
    fresh = User.objects.filter(pk=user.pk).values_list(
        "second_factor_failures", "second_factor_failed_at"
    )
    failures, failed_at = fresh.get()
    if failures < settings.LOGIN_FAILURE_LIMIT or failed_at is None:
        return False
    return timezone.now() - failed_at < settings.AXES_COOLOFF_TIME


def second_factor_failure(user: User) -> bool:
    """Count one wrong code for the account; True when that makes it locked."""
    now = timezone.now()
    with transaction.atomic():
        failed_at = (
            User.objects.select_for_update()
            .filter(pk=user.pk)
            .values_list("second_factor_failed_at", flat=True)
            .get()
        )
        if failed_at is not None and now - failed_at >= settings.AXES_COOLOFF_TIME:
            # The last wrong code is older than the lockout: start counting afresh.
            User.objects.filter(pk=user.pk).update(
                second_factor_failures=1, second_factor_failed_at=now
            )
        else:
            User.objects.filter(pk=user.pk).update(
                second_factor_failures=F("second_factor_failures") + 1,
                second_factor_failed_at=now,
            )
    locked = second_factor_locked(user)
    if locked:
        security_log.warning("second factor locked: user=%s", user.pk)
    return locked


def second_factor_success(user: User) -> None:
    User.objects.filter(pk=user.pk).update(second_factor_failures=0, second_factor_failed_at=None)


# --- enrolment and backup codes ----------------------------------------------------------

BACKUP_CODE_COUNT = 10
_BACKUP_CODE_BYTES = 10  # 80 bits: 16 base32 characters


def _new_backup_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(_BACKUP_CODE_BYTES)).decode().lower()
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def backup_codes_create(*, user: User) -> list[str]:
    """A new set of backup codes, replacing any old set; the plain codes are returned once."""
    codes = [_new_backup_code() for _ in range(BACKUP_CODE_COUNT)]
    with transaction.atomic():
        BackupCodeDevice.objects.filter(user=user).delete()
        device = BackupCodeDevice.objects.create(user=user, name="reservecodes", confirmed=True)
        BackupCode.objects.bulk_create(
            BackupCode(device=device, digest=backup_code_digest(code)) for code in codes
        )
        security_log.info("backup codes created: user=%s", user.pk)
    return codes


def backup_codes_left(*, user: User) -> int:
    return BackupCode.objects.filter(device__user=user).count()


def enrolment_device(*, user: User) -> Any:
    """The unconfirmed authenticator a member is setting up (made on first request)."""
    model = totp_device_model()
    device = model.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or model.objects.create(user=user, name="authenticator", confirmed=False)


def enrolment_confirm(*, user: User, device: Any) -> None:
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        totp_device_model().objects.filter(user=user).exclude(pk=device.pk).delete()
        User.objects.filter(pk=user.pk).update(must_enrol=False)
        security_log.info("authenticator enrolled: user=%s", user.pk)


def password_changed(*, user: User) -> None:
    security_log.info("password changed: user=%s", user.pk)


def login_failures_clear(*, username: str, ip: str) -> None:
    """Forget failed attempts for this username from this address, after a full 2FA login."""
    axes_reset(ip=ip, username=username)
