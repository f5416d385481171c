"""The mayor's tijdelijk huisverbod on a case, and Veilig Thuis's tasks while it runs.

Rows are written only by huisverbod.services (each step one case action); the dates are
computed from huisverbod.terms when the order is recorded and kept, so a later change of
a protocol term does not move the deadlines of orders already running."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Person
from privacy.fields import EncryptedCharField, EncryptedTextField


class ExtensionAdvice(models.TextChoices):
    EXTEND = "extend", _("Verlengen")
    DO_NOT_EXTEND = "do_not_extend", _("Niet verlengen")


class Huisverbod(models.Model):
    """One order as the mayor imposed it, with its extension and Veilig Thuis's advice."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="huisverboden")
    imposed_at = models.DateTimeField(_("opgelegd op"))
    # Who was removed: a person of the case, or (not registered on the case) a description,
    # encrypted like every personal text.
    removed_person = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uithuisgeplaatste"),
    )
    removed_person_description = EncryptedCharField(
        _("uithuisgeplaatste (omschrijving)"), max_length=200, blank=True, default=""
    )
    people_at_home = models.ManyToManyField(
        Person, related_name="+", blank=True, verbose_name=_("achterblijvers")
    )
    # Day 10 (huisverbod.terms), kept as computed when the order was recorded.
    ends_on = models.DateField(_("eindigt op (dag 10)"))
    latest_extension_on = models.DateField(_("uiterste verlenging (dag 28)"))
    extended_until = models.DateField(_("verlengd tot en met"), null=True, blank=True)
    extended_at = models.DateTimeField(null=True, blank=True)
    extended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    advice = models.CharField(
        _("advies over verlenging"), max_length=20, choices=ExtensionAdvice.choices, blank=True
    )
    advice_text = EncryptedTextField(_("toelichting bij het advies"), blank=True, default="")
    advice_given_at = models.DateTimeField(null=True, blank=True)
    advice_given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-imposed_at", "-pk"]
        verbose_name = _("tijdelijk huisverbod")
        verbose_name_plural = _("tijdelijke huisverboden")

    def __str__(self) -> str:
        return f"huisverbod {self.pk} ({self.case_id})"

    @property
    def imposed_on(self) -> datetime.date:
        return timezone.localdate(self.imposed_at)

    @property
    def last_day(self) -> datetime.date:
        """The order's last day as it stands: the extension, or day 10."""
        return self.extended_until or self.ends_on

    @property
    def is_running(self) -> bool:
        return timezone.localdate() <= self.last_day

    @property
    def status_label(self) -> str:
        if not self.is_running:
            return str(_("afgelopen"))
        return str(_("verlengd")) if self.extended_until else str(_("loopt"))

    def day_number(self, day: datetime.date | None = None) -> int:
        """Which day of the order `day` (today) is: 1 on the day it was imposed."""
        return ((day or timezone.localdate()) - self.imposed_on).days + 1


class TaskKind(models.TextChoices):
    CONTACT_REMOVED = "contact_removed", _("Contact met de uithuisgeplaatste")
    CONTACT_AT_HOME = "contact_at_home", _("Contact met de achterblijvers")
    EXTENSION_ADVICE = "extension_advice", _("Advies aan de burgemeester over verlenging")


class HuisverbodTask(models.Model):
    """What Veilig Thuis must do while the order runs, with its deadline (end of that day)."""

    huisverbod = models.ForeignKey(Huisverbod, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(_("taak"), max_length=30, choices=TaskKind.choices)
    due_on = models.DateField(_("uiterlijk"))
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = EncryptedTextField(_("notitie"), blank=True, default="")

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["huisverbod", "kind"], name="huisverbod_task_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.huisverbod_id})"

    @property
    def is_overdue(self) -> bool:
        return self.done_at is None and self.due_on < timezone.localdate()

    @property
    def days_overdue(self) -> int:
        return max(0, (timezone.localdate() - self.due_on).days)
