"""manage.py purge_expired [--dry-run]: destroy case files whose retention term has ended.

Run it daily (cron or a systemd timer). --dry-run only lists references and dates.
"""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from privacy.retention import TombstoneData
from privacy.services import purge_expired


def describe(target_type: str, data: TombstoneData) -> str:
    return (
        f"{data.reference or '-':<16} geopend {data.opened_on or '-'}  "
        f"gesloten {data.closed_on or '-'}  ({target_type})"
    )


class Command(BaseCommand):
    help = "Destroy records whose retention term has ended, leaving tombstones."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be destroyed; change nothing"
        )

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        report = purge_expired(
            today=timezone.localdate(),
            dry_run=dry_run,
            role=f"beheer ({getpass.getuser()})"[:50],
        )
        for target_type, data in report.destroyed:
            self.stdout.write(describe(target_type, data))
        verb = "would be destroyed" if dry_run else "destroyed"
        self.stdout.write(f"{len(report.destroyed)} records {verb}.")
        if report.failures:
            for line in report.failures:
                self.stderr.write(line)
            raise CommandError(f"{len(report.failures)} expired records could not be destroyed.")
