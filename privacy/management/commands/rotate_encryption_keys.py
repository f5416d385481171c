"""manage.py rotate_encryption_keys: re-encrypt every encrypted column under the newest key.

Procedure: put the new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it),
restart, run this command until it exits 0, then remove the old key.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from privacy.rotation import EncryptedTable, keys_rotate

BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Re-encrypt every encrypted column under the first key of FIELD_ENCRYPTION_KEYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=500, help="Rows per transaction (default 500)"
        )

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")

        def progress(table: EncryptedTable, done: int, total: int) -> None:
            filled = BAR_WIDTH if not total else BAR_WIDTH * done // total
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            self.stdout.write(f"{table.label:<30} [{bar}] {done}/{total}")

        report = keys_rotate(batch_size=batch_size, progress=progress)
        self.stdout.write(
            f"Rotated {report.rotated} values; {report.already_current} were already "
            "under the newest key."
        )
        if report.undecryptable:
            for line in report.undecryptable:
                self.stderr.write(line)
            raise CommandError(
                f"{len(report.undecryptable)} values could not be decrypted and were left as "
                "they are; keep the old keys in FIELD_ENCRYPTION_KEYS until they are resolved."
            )
