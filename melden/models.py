"""Models behind online reports: server-side drafts and feedback letters."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from privacy.fields import EncryptedJSONField, EncryptedTextField


class OnlineReportDraft(models.Model):
    """An unfinished online report. The browser holds only its session cookie; the session
    holds a random token whose hash finds this row; the answers are encrypted here."""

    token_hash = models.CharField(max_length=64, unique=True)
    step_reached = models.PositiveSmallIntegerField(default=1)
    data = EncryptedJSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    # Saved to continue later: the draft is found by `resume_id` (random, not secret) and
    # opened with the secret part of the one-time code mailed to the professional, kept
    # here only as its SHA-256. Wrong tries are counted; too many destroy the draft.
    resume_id = models.CharField(max_length=16, unique=True, null=True, blank=True)
    resume_secret_hash = models.CharField(max_length=64, blank=True, default="")
    resume_failures = models.PositiveSmallIntegerField(default=0)

    class Meta:
        db_table = "reports_onlinereportdraft"
        verbose_name = _("concept online melding")
        verbose_name_plural = _("concepten online melding")

    def __str__(self) -> str:
        return f"draft {self.pk} (step {self.step_reached})"


class FeedbackLetter(models.Model):
    """The statutory feedback for one FeedbackTask: composed by one member of staff,
    approved by a second (a supervisor), then queued as an OutgoingEmail."""

    task = models.OneToOneField(
        "cases.FeedbackTask", on_delete=models.CASCADE, related_name="letter"
    )
    followup_started = models.BooleanField(_("vervolg gestart"))
    handover_parties = EncryptedTextField(_("overdrachtspartijen"), blank=True, default="")
    reporter_has_role = models.BooleanField(
        _("melder heeft een rol in de veiligheidsvoorwaarden"), default=False
    )
    safety_conditions = EncryptedTextField(_("veiligheidsvoorwaarden"), blank=True, default="")
    body = EncryptedTextField(_("tekst"))
    composed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    composed_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "reports_feedbackletter"

    def __str__(self) -> str:
        return f"feedback letter for task {self.task_id}"
