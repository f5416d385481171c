"""The email outbox. The table keeps its name from the `reports` app (db_table)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from privacy.fields import EncryptedCharField, EncryptedTextField


class OutgoingEmail(models.Model):
    """Email waiting to be sent, written in the transaction that caused it.

    Sent after commit, and again by `manage.py send_outgoing_email` with backoff when the
    mail server failed. Recipient and body are case data: encrypted, and the body is
    cleared once the mail is out (the feedback letter itself stays on the case).
    """

    class Purpose(models.TextChoices):
        CONFIRMATION = "confirmation", _("Ontvangstbevestiging")
        FEEDBACK = "feedback", _("Terugkoppeling")
        RESUME_CODE = "resume_code", _("Code om een melding later af te maken")

    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    feedback_task = models.ForeignKey(
        "cases.FeedbackTask",
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
        db_table = "reports_outgoingemail"
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.purpose} #{self.pk}"
