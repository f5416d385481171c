from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from events.services import events_prune


class Command(BaseCommand):
    help = "Delete published outbox events older than OUTBOX_RETENTION_DAYS (or --days)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"] if options["days"] is not None else settings.OUTBOX_RETENTION_DAYS
        if days < 1:
            self.stderr.write("--days must be at least 1.")
            raise SystemExit(2)
        deleted = events_prune(keep_days=days)
        self.stdout.write(f"Deleted {deleted} published events older than {days} days.")
