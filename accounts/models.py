from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

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


class User(AbstractUser):
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

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        permissions = [
            ("answer_hotline", "Can work the hotline dashboard and intake"),
            ("supervise", "Can use the supervisor pages"),
        ]

    @property
    def role(self) -> str:
        """The strongest role this user holds, for display and the access log."""
        names = {group.name for group in self.groups.all()}
        for role in (roles.SUPERVISOR, roles.OPERATOR, roles.PARTNER):
            if role in names:
                return role
        return "superuser" if self.is_superuser else "none"
