"""Mail backends for tests: one that fails a set number of times first."""

from __future__ import annotations

import smtplib

from django.core import mail
from django.core.mail.backends.locmem import EmailBackend


class FlakyBackend(EmailBackend):
    failures_left = 0

    def send_messages(self, messages):
        if FlakyBackend.failures_left > 0:
            FlakyBackend.failures_left -= 1
            raise smtplib.SMTPServerDisconnected("mail.example.nl closed for m.jansen@example.nl")
        return super().send_messages(messages)


def outbox():
    return getattr(mail, "outbox", [])
