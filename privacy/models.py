from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from privacy.chain import key_by_id, keyed_link, legacy_link
from privacy.renamed_labels import current_target_type, target_type_and_old_names


class UnknownChainKey(Exception):
    """A row or anchor names a key id that ACCESS_LOG_KEYS no longer (or never) held."""


class AppendOnlyError(Exception):
    """The access log is append-only: rows are never changed or deleted through the ORM."""


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("access log rows cannot be updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("access log rows cannot be deleted")

    def for_target(self, target_type: str, target_id: str | int) -> AccessLogQuerySet:
        # Rows written before an app was renamed carry the old label (privacy.renamed_labels).
        return self.filter(
            target_type__in=target_type_and_old_names(current_target_type(target_type)),
            target_id=str(target_id),
        )


class AccessLogEntry(models.Model):
    """One access to protected data (NEN 7513): who, in which role, what, which record, when.

    Rows are hash-chained: `entry_hash` covers the row's content and the previous row's
    hash, so a changed, removed or reordered row breaks the chain (verify_access_log).
    Since the keyed chain the link is an HMAC under the ACCESS_LOG_KEYS key `key_id`
    names (privacy.chain); rows from before have key_id "" and a plain SHA-256 link.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("bekeken")
        CREATE = "create", _("aangemaakt")
        CHANGE = "change", _("gewijzigd")
        EXPORT = "export", _("geëxporteerd")
        DESTROY = "destroy", _("vernietigd")

    seq = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(_("tijdstip"))
    actor_id = models.BigIntegerField(_("medewerker-id"), null=True)
    actor_username = models.CharField(_("medewerker"), max_length=150, blank=True)
    role = models.CharField(_("rol"), max_length=50, blank=True)
    on_behalf_of = models.CharField(_("namens"), max_length=150, blank=True)
    action = models.CharField(_("handeling"), max_length=20, choices=Action.choices)
    target_type = models.CharField(_("soort gegeven"), max_length=100)
    target_id = models.CharField(_("gegeven-id"), max_length=64)
    ip_address = models.GenericIPAddressField(_("adres"), null=True, blank=True)
    allowed = models.BooleanField(_("toegestaan"))
    reason = models.CharField(_("reden"), max_length=200, blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)
    # The id (never the key) of the ACCESS_LOG_KEYS key that linked this row; "" for rows
    # from before the keyed chain.
    key_id = models.CharField(max_length=16, blank=True, default="")

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("toegangslogregel")
        verbose_name_plural = _("toegangslog")
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            models.Index(fields=["actor_id", "at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.target_type}:{self.target_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("access log rows cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("access log rows cannot be deleted")

    def content(self) -> dict[str, Any]:
        content = self._legacy_content()
        if self.key_id:
            content["key_id"] = self.key_id
        return content

    def _legacy_content(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "actor_id": self.actor_id,
            "actor_username": self.actor_username,
            "role": self.role,
            "on_behalf_of": self.on_behalf_of,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "ip_address": self.ip_address,
            "allowed": self.allowed,
            "reason": self.reason,
            "previous_hash": self.previous_hash,
        }

    @property
    def role_label(self) -> str:
        from accounts.roles import role_label

        return role_label(self.role) if self.role else "\N{EN DASH}"

    def compute_hash(self) -> str:
        """The row's link: HMAC under its key, or SHA-256 for a row from before the keys."""
        if not self.key_id:
            return legacy_link(self.content())
        key = key_by_id(self.key_id)
        if key is None:
            raise UnknownChainKey(self.key_id)
        return keyed_link(self.content(), key)


class AccessLogAnchor(models.Model):
    """The cut-over to the keyed chain: the rows up to `seq` (linked with plain SHA-256,
    which anyone can recompute) are sealed by the HMAC `mac` over the last one's hash.
    `seq` 0 with the genesis hash: the log was empty at the cut-over. There is one anchor,
    written once, by the first keyed append (privacy.access_log)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField()
    entry_hash = models.CharField(max_length=64)
    key_id = models.CharField(max_length=16)
    sealed_at = models.DateTimeField()
    mac = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("toegangslog-anker")
        verbose_name_plural = _("toegangslog-ankers")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="privacy_one_anchor")]

    def __str__(self) -> str:
        return f"anchor at seq {self.seq}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("the access log anchor cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("the access log anchor cannot be deleted")

    def content(self) -> dict[str, Any]:
        return {
            "anchor": self.id,
            "seq": self.seq,
            "entry_hash": self.entry_hash,
            "key_id": self.key_id,
            "sealed_at": self.sealed_at.isoformat(),
        }

    def compute_mac(self) -> str:
        key = key_by_id(self.key_id)
        if key is None:
            raise UnknownChainKey(self.key_id)
        return keyed_link(self.content(), key)


class Tombstone(models.Model):
    """What remains of a destroyed record: that it existed and when, never what it held."""

    class Reason(models.TextChoices):
        RETENTION_EXPIRED = "retention_expired", _("bewaartermijn verstreken")
        UNFOUNDED_ON_REQUEST = "unfounded_on_request", _("op verzoek: vermoeden ongegrond")

    target_type = models.CharField(_("soort gegeven"), max_length=100)
    target_id = models.CharField(_("gegeven-id"), max_length=64)
    reference = models.CharField(_("kenmerk"), max_length=40, blank=True)
    opened_on = models.DateField(_("geopend op"), null=True, blank=True)
    closed_on = models.DateField(_("gesloten op"), null=True, blank=True)
    destroyed_at = models.DateTimeField(_("vernietigd op"))
    reason = models.CharField(_("reden"), max_length=30, choices=Reason.choices)
    destroyed_by_id = models.BigIntegerField(_("vernietigd door (medewerker-id)"), null=True)

    class Meta:
        verbose_name = _("grafsteen")
        verbose_name_plural = _("grafstenen")
        ordering = ["-destroyed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["target_type", "target_id"], name="privacy_one_tombstone_per_record"
            )
        ]

    def __str__(self) -> str:
        return f"{self.target_type}:{self.target_id} {self.reference}"


# Staff authenticators with an encrypted key live in their own module; imported here so
# the app registry knows the model.
from privacy.totp import StaffTOTPDevice  # noqa: E402, F401
