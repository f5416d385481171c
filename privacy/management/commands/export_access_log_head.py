"""manage.py export_access_log_head: write the access log's head outside the database.

Run by the worker every few minutes (jobs/schedule.py). With ACCESS_LOG_HEAD_EXPORT a file
path, one JSON line is appended; with `syslog`, the line goes to syslog (facility auth).
verify_access_log checks that the last exported head is still in the chain.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from privacy.head import HeadError, export_head, head_destination


class Command(BaseCommand):
    help = "Export the access log's head (newest seq and hash, with an HMAC) outside the database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--to",
            default=None,
            help="A file path or `syslog` (default: the ACCESS_LOG_HEAD_EXPORT setting)",
        )

    def handle(self, *args: Any, to: str | None, **options: Any) -> None:
        destination = head_destination() if to is None else to.strip()
        if not destination and not settings.PRODUCTION:
            # Development without a destination: nothing to do, and the worker stays quiet.
            self.stderr.write("ACCESS_LOG_HEAD_EXPORT is not set: no head exported.")
            return
        try:
            head = export_head(destination)
        except HeadError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Access log head exported to {destination}: seq {head.seq}")
