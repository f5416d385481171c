from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

from accounts import roles


def default_region() -> str:
    return settings.VT_REGION


class Team(models.Model):
    """A team of operators; need-to-know access to cases follows teams."""

    name = models.CharField(_("naam"), max_length=100, unique=True)
    region = models.CharField(_("regio"), max_length=50, default=default_region)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):  # type: ignore[django-manager-missing]  # django-otp is untyped
    """A member of staff. Roles are groups (see accounts.roles); 2FA devices hang off the user."""

    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    region = models.CharField(_("regio"), max_length=50, default=default_region)
    # Wrong second-factor codes, counted per account and across password logins (axes
    # counts per name and address and forgets on a correct password). Cleared by a full
    # login or a supervisor; see accounts.services.second_factor_*.
    second_factor_failures = models.PositiveIntegerField(_("verkeerde codes"), default=0)
    second_factor_failed_at = models.DateTimeField(
        _("laatste verkeerde code"), null=True, blank=True
    )
    # Set when a supervisor reset a lost authenticator: only then may the member enrol a
    # new one after their password (accounts.views.token_view).
    must_enrol = models.BooleanField(_("moet authenticator opnieuw instellen"), default=False)

    # AbstractUser.Meta's names, written out: django-stubs does not declare that Meta.
    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        swappable = "AUTH_USER_MODEL"
        permissions = [
            ("answer_hotline", "Can work the hotline dashboard and intake"),
            ("supervise", "Can use the supervisor pages"),
            ("manage_staff", "Can unlock staff and reset their second factor"),
        ]

    @property
    def role(self) -> str:
        """The strongest role this user holds, for display and the access log."""
        names = {group.name for group in self.groups.all()}
        for role in roles.ROLES_BY_STRENGTH:
            if role in names:
                return role
        return "superuser" if self.is_superuser else "none"

    @property
    def role_label(self) -> str:
        """The role as a screen says it ("Teamleider" for the supervisor role)."""
        return roles.role_label(self.role)


def backup_code_digest(code: str) -> str:
    """How a backup code is stored: SHA-256 of the normalised code (80 random bits)."""
    normalised = "".join(code.split()).replace("-", "").lower()
    return hashlib.sha256(normalised.encode()).hexdigest()


class BackupCodeDevice(Device):
    """A member's set of single-use backup codes, accepted at the second step.

    The codes are shown once (at enrolment, or when the member makes a new set) and kept
    only as hashes; a used code is deleted.
    """

    class Meta(Device.Meta):
        verbose_name = _("reservecodes")
        verbose_name_plural = _("reservecodes")

    def verify_token(self, token: Any) -> bool:
        if not isinstance(token, str) or token.strip().isdigit():
            return False
        digest = backup_code_digest(token)
        with transaction.atomic():
            for code in self.codes.select_for_update().all():
                if hmac.compare_digest(code.digest, digest):
                    code.delete()  # single use
                    return True
        return False


class BackupCode(models.Model):
    device = models.ForeignKey(BackupCodeDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("reservecode")
        verbose_name_plural = _("reservecodes")

    def __str__(self) -> str:
        return f"reservecode #{self.pk}"  # never the code, nor its hash
