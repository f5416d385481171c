"""manage.py verify_access_log: check the chain and the last exported head; exit 1 at the
first break.

    verify_access_log                          # head from ACCESS_LOG_HEAD_EXPORT (a file)
    verify_access_log --head-file heads.log    # e.g. the lines collected from syslog
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from privacy.head import SYSLOG, ExportedHead, HeadError, head_destination, last_exported_head
from privacy.models import AccessLogEntry
from privacy.verification import access_log_verify


class Command(BaseCommand):
    help = (
        "Check that no access log row was changed, removed, reordered or cut off at the end "
        "(against the last exported head)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=5000, help="Rows read at a time (default 5000)"
        )
        parser.add_argument(
            "--head-file",
            default=None,
            help="File with exported heads, one per line, the last one checked (default: "
            "ACCESS_LOG_HEAD_EXPORT when that is a file)",
        )
        parser.add_argument(
            "--progress-every",
            type=int,
            default=100_000,
            help="Report progress on stderr every this many rows (0: never)",
        )

    def handle(
        self,
        *args: Any,
        batch_size: int,
        head_file: str | None,
        progress_every: int,
        **options: Any,
    ) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        head = self._exported_head(head_file)
        total = AccessLogEntry.objects.count() if progress_every > 0 else 0

        def progress(rows: int) -> None:
            share = f" of {total} ({100 * rows // total}%)" if total else ""
            self.stderr.write(f"verified {rows} rows{share}")

        report = access_log_verify(
            batch_size=batch_size, head=head, progress=progress, progress_every=progress_every
        )
        if report.first_break is not None:
            problem = report.first_break
            raise CommandError(
                f"Access log broken at seq {problem.seq} ({problem.kind}): {problem.detail}. "
                f"{report.rows} rows before it are intact."
            )
        if report.sealed_at_seq is None and report.rows:
            self.stderr.write(
                "The rows are not yet sealed under the keyed chain (no anchor): the next "
                "access written seals them."
            )
        checked = (
            f"; the exported head (seq {head.seq}, {head.at}) is in it" if head is not None else ""
        )
        self.stdout.write(
            f"Access log intact: {report.rows} rows; head hash {report.head_hash}{checked}"
        )

    def _exported_head(self, head_file: str | None) -> ExportedHead | None:
        if head_file is None:
            destination = head_destination()
            if destination == SYSLOG:
                self.stderr.write(
                    "Heads are exported to syslog: pass --head-file with the collected lines "
                    "to check that no rows were cut off at the end."
                )
                return None
            if not destination:
                self.stderr.write(
                    "ACCESS_LOG_HEAD_EXPORT is not set: rows cut off at the end go unnoticed."
                )
                return None
            head_file = destination
        path = Path(head_file)
        try:
            head = last_exported_head(path)
        except HeadError as error:
            raise CommandError(f"Exported head in {path}: {error}.") from None
        except OSError as error:
            raise CommandError(f"Exported head in {path} cannot be read: {error}.") from None
        if head is None:
            self.stderr.write(f"No head exported to {path} yet: the end is not checked.")
        return head
