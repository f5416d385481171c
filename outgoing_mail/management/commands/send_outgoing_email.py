"""Send queued email that is due (run every minute or so, e.g. from cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from outgoing_mail.sending import email_send_due


class Command(BaseCommand):
    help = "Send due mail from the outbox; failures are retried later with backoff."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--limit", type=int, default=200, help="At most this many mails")

    def handle(self, *args: Any, limit: int, **options: Any) -> None:
        sent, failed = email_send_due(limit=limit)
        self.stdout.write(f"sent {sent}, not sent {failed}")
