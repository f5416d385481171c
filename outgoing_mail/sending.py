"""The email outbox: mail is written in the transaction that causes it; on commit a send
task goes to the worker (outgoing_mail.tasks), so no request waits for a mail server. What
fails, or what the task missed, is retried with backoff by `manage.py send_outgoing_email`
(the worker runs it every 30 s).

Sending claims a row with one conditional UPDATE (like taking a call from the queue), so
the after-commit send and a concurrent retry run never deliver the same mail twice.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone

from cases.models import FeedbackTask
from outgoing_mail.models import OutgoingEmail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# While one sender holds a mail, no other picks it up; longer than any SMTP timeout.
CLAIM_SECONDS = 300


class UnconfiguredEmailBackend(BaseEmailBackend):
    """Production without EMAIL_HOST: refuse, so mail stays queued instead of being
    printed into the logs by the console backend."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise smtplib.SMTPException("EMAIL_HOST is not configured")


def backoff(attempts: int) -> datetime.timedelta:
    """1, 2, 4, ... minutes after each failure, at most 6 hours."""
    return datetime.timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def email_queue(
    *,
    purpose: str,
    recipient: str,
    subject: str,
    body: str,
    case_id: int | None = None,
    feedback_task: FeedbackTask | None = None,
) -> OutgoingEmail:
    """Queue a mail in the current transaction; the worker sends it once that commits."""
    email = OutgoingEmail.objects.create(
        purpose=purpose,
        recipient=recipient,
        subject=subject,
        body=body,
        case_id=case_id,
        feedback_task=feedback_task,
    )
    transaction.on_commit(lambda: email_send_later(pk=email.pk), robust=True)
    return email


def email_send_later(*, pk: int) -> None:
    """Hand one mail to the worker. If that fails, the row is still there and the
    periodic sweep sends it: a request never fails for want of a queue."""
    from outgoing_mail.tasks import outgoing_email_send

    try:
        outgoing_email_send.defer(pk=pk)
    except Exception as error:
        logger.warning(
            "outgoing email %s not handed to the worker (%s); the sweep sends it",
            pk,
            type(error).__name__,
        )


def _error_label(error: Exception) -> str:
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__}{f' {code}' if code else ''}"[:200]


def email_send(*, pk: int, now: datetime.datetime | None = None) -> bool:
    """Send one queued mail if it is due and nobody else holds it. True when it went out."""
    now = now or timezone.now()
    claimed = OutgoingEmail.objects.filter(
        pk=pk, sent_at__isnull=True, gave_up_at__isnull=True, next_attempt_at__lte=now
    ).update(next_attempt_at=now + datetime.timedelta(seconds=CLAIM_SECONDS))
    if not claimed:
        return False
    email = OutgoingEmail.objects.get(pk=pk)
    try:
        EmailMessage(subject=email.subject, body=email.body, to=[email.recipient]).send()
    except Exception as error:
        attempts = email.attempts + 1
        changes: dict = {"attempts": attempts, "last_error": _error_label(error)}
        if attempts >= MAX_ATTEMPTS:
            changes["gave_up_at"] = timezone.now()
            logger.error("outgoing email %s given up after %s attempts", pk, attempts)
        else:
            changes["next_attempt_at"] = timezone.now() + backoff(attempts)
            logger.warning(
                "outgoing email %s failed (%s); retried later", pk, changes["last_error"]
            )
        OutgoingEmail.objects.filter(pk=pk).update(**changes)
        return False
    sent_at = timezone.now()
    with transaction.atomic():
        OutgoingEmail.objects.filter(pk=pk).update(
            sent_at=sent_at, attempts=email.attempts + 1, body="", last_error=""
        )
        if email.feedback_task_id:
            FeedbackTask.objects.filter(pk=email.feedback_task_id, sent_at__isnull=True).update(
                sent_at=sent_at
            )
    return True


def email_send_due(*, now: datetime.datetime | None = None, limit: int = 200) -> tuple[int, int]:
    """Send every due mail, oldest first. Returns (sent, not sent)."""
    now = now or timezone.now()
    due = OutgoingEmail.objects.filter(
        sent_at__isnull=True, gave_up_at__isnull=True, next_attempt_at__lte=now
    ).order_by("pk")
    sent = failed = 0
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        if email_send(pk=pk, now=now):
            sent += 1
        else:
            failed += 1
    return sent, failed
