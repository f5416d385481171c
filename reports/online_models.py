"""Models behind online reports: server-side drafts, the email outbox and feedback letters.

Imported at the bottom of reports.models so Django registers them with the reports app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from privacy.fields import EncryptedCharField, EncryptedJSONField, EncryptedTextField


class OnlineReportDraft(models.Model):
    """An unfinished online report. The browser holds only its session cookie; the session
    holds a random token whose hash finds this row; the answers are encrypted here."""

    token_hash = models.CharField(max_length=64, unique=True)
    step_reached = models.PositiveSmallIntegerField(default=1)
    data = EncryptedJSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("concept online melding")
        verbose_name_plural = _("concepten online melding")

    def __str__(self) -> str:
        return f"draft {self.pk} (step {self.step_reached})"


class OutgoingEmail(models.Model):
    """Email waiting to be sent, written in the transaction that caused it.

    Sent after commit, and again by `manage.py send_outgoing_email` with backoff when the
    mail server failed. Recipient and body are case data: encrypted, and the body is
    cleared once the mail is out (the feedback letter itself stays on the case).
    """

    class Purpose(models.TextChoices):
        CONFIRMATION = "confirmation", _("Ontvangstbevestiging")
        FEEDBACK = "feedback", _("Terugkoppeling")

    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    case = models.ForeignKey(
        "reports.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    feedback_task = models.ForeignKey(
        "reports.FeedbackTask",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="emails",
    )
    recipient = EncryptedCharField(max_length=254)
    # Subjects carry a reference at most, never case content.
    subject = models.CharField(max_length=200)
    body = EncryptedTextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    gave_up_at = models.DateTimeField(null=True, blank=True)
    # The exception's class (and SMTP code) only: server messages may quote the address.
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.purpose} #{self.pk}"


class FeedbackLetter(models.Model):
    """The statutory feedback for one FeedbackTask: composed by one member of staff,
    approved by a second (a supervisor), then queued as an OutgoingEmail."""

    task = models.OneToOneField(
        "reports.FeedbackTask", on_delete=models.CASCADE, related_name="letter"
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

    def __str__(self) -> str:
        return f"feedback letter for task {self.task_id}"
