"""The email outbox: the confirmation goes out once, failures are retried with backoff."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from cases.models import Case
from outgoing_mail import sending as outbox
from outgoing_mail.models import OutgoingEmail
from tests.jobs.queue import mail_tasks_waiting, run_mail_tasks
from tests.melden.backends import FlakyBackend
from tests.melden.helpers import file_report

pytestmark = pytest.mark.django_db

FLAKY = "tests.melden.backends.FlakyBackend"


def submit(django_capture_on_commit_callbacks):
    """File a report, then do what the worker does with the send task it queued."""
    with django_capture_on_commit_callbacks(execute=True):
        file_report()
    assert run_mail_tasks() == 1
    return Case.objects.get()


def test_the_submit_request_sends_no_mail_itself_and_the_worker_sends_it_once(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        file_report()
    email = OutgoingEmail.objects.get()
    assert mail.outbox == [] and email.sent_at is None and email.attempts == 0
    assert mail_tasks_waiting() == [email.pk]
    assert run_mail_tasks() == 1
    assert run_mail_tasks() == 0
    call_command("send_outgoing_email", stdout=StringIO())  # the sweep finds nothing left
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.sent_at is not None and email.attempts == 1


def test_a_mail_whose_task_could_not_be_queued_is_sent_by_the_sweep(
    monkeypatch, django_capture_on_commit_callbacks, caplog
):
    from outgoing_mail.tasks import outgoing_email_send

    def queue_down(**kwargs):
        raise ConnectionError("queue down")

    monkeypatch.setattr(outgoing_email_send, "defer", queue_down)
    with caplog.at_level("WARNING", logger="outgoing_mail"):
        with django_capture_on_commit_callbacks(execute=True):
            file_report()
    email = OutgoingEmail.objects.get()
    assert f"outgoing email {email.pk} not handed to the worker (ConnectionError)" in caplog.text
    assert mail.outbox == [] and mail_tasks_waiting() == []
    call_command("send_outgoing_email", stdout=StringIO())
    assert len(mail.outbox) == 1


def test_the_confirmation_carries_the_reference_and_nothing_else_about_the_case(
    django_capture_on_commit_callbacks,
):
    case = submit(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["m.jansen@regenboog.example.nl"]
    assert case.reference in message.body
    everything = str(message.subject) + message.body
    for about_the_case in (
        "Marieke",
        "Jansen",
        "Regenboog",
        "Daan",
        "Visser",
        "2511",
        "Lange Poten",
        "blauwe",
        "mishandeling",
        "agressief",
    ):
        assert about_the_case not in everything
    assert case.reference not in message.subject


def test_the_confirmation_is_sent_once_even_when_the_retry_command_runs_too(
    django_capture_on_commit_callbacks,
):
    submit(django_capture_on_commit_callbacks)
    call_command("send_outgoing_email", stdout=StringIO())
    outbox.email_send_due(now=timezone.now() + datetime.timedelta(days=1))
    assert len(mail.outbox) == 1
    email = OutgoingEmail.objects.get()
    assert email.sent_at is not None and email.attempts == 1
    assert email.body == ""  # the case's copy is enough; the outbox forgets the text


def test_a_failed_send_is_retried_later_with_backoff(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = FLAKY
    FlakyBackend.failures_left = 2
    submit(django_capture_on_commit_callbacks)
    email = OutgoingEmail.objects.get()
    assert email.sent_at is None and email.attempts == 1
    assert email.last_error == "SMTPServerDisconnected"  # no server text: it may quote addresses
    assert email.next_attempt_at > timezone.now()
    assert mail.outbox == []

    # Not due yet: the retry run leaves it alone.
    assert outbox.email_send_due() == (0, 0)
    later = timezone.now() + datetime.timedelta(minutes=1, seconds=5)
    assert outbox.email_send_due(now=later) == (0, 1)
    email.refresh_from_db()
    assert email.attempts == 2
    assert email.next_attempt_at - timezone.now() > datetime.timedelta(minutes=1, seconds=50)
    assert outbox.email_send_due(now=later + datetime.timedelta(minutes=3)) == (1, 0)
    email.refresh_from_db()
    assert email.sent_at is not None and email.attempts == 3 and email.last_error == ""
    assert len(mail.outbox) == 1
    assert outbox.email_send_due(now=later + datetime.timedelta(days=1)) == (0, 0)


def test_it_gives_up_after_the_last_attempt(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = FLAKY
    FlakyBackend.failures_left = 100
    submit(django_capture_on_commit_callbacks)
    now = timezone.now()
    for _ in range(outbox.MAX_ATTEMPTS):
        now += datetime.timedelta(hours=7)
        outbox.email_send_due(now=now)
    email = OutgoingEmail.objects.get()
    assert email.gave_up_at is not None and email.attempts == outbox.MAX_ATTEMPTS
    FlakyBackend.failures_left = 0
    assert outbox.email_send_due(now=now + datetime.timedelta(days=1)) == (0, 0)


def test_two_senders_never_deliver_the_same_mail_twice(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        file_report()
    email = OutgoingEmail.objects.get()
    assert outbox.email_send(pk=email.pk) is True
    assert outbox.email_send(pk=email.pk) is False
    assert len(mail.outbox) == 1


def test_a_mail_claimed_by_a_sender_is_not_picked_up_by_another(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        file_report()
    email = OutgoingEmail.objects.get()
    now = timezone.now()
    # Sender A claimed it (and is still talking to the mail server).
    OutgoingEmail.objects.filter(pk=email.pk).update(
        next_attempt_at=now + datetime.timedelta(seconds=outbox.CLAIM_SECONDS)
    )
    assert outbox.email_send_due(now=now) == (0, 0)
    assert mail.outbox == []


def test_production_without_smtp_keeps_mail_queued_instead_of_logging_it(
    settings, django_capture_on_commit_callbacks, capsys
):
    settings.EMAIL_BACKEND = "outgoing_mail.sending.UnconfiguredEmailBackend"
    case = submit(django_capture_on_commit_callbacks)
    email = OutgoingEmail.objects.get()
    assert email.sent_at is None and email.attempts == 1
    assert case.reference not in capsys.readouterr().out


def test_recipient_and_body_are_encrypted_at_rest(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        file_report()
    case = Case.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT recipient, body FROM reports_outgoingemail")
        rows = repr(cursor.fetchall())
    assert "regenboog" not in rows and case.reference not in rows
