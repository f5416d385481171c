"""manage.py reconcile_calls: close calls whose end never reached us, once Twilio says so."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hotline.reconcile import CALLS_PER_RUN, reconcile_calls


class Command(BaseCommand):
    help = (
        "Ask Twilio about calls without a final status after GHOST_CALL_AFTER_MINUTES and "
        "close those it says are over; a call Twilio says nothing definite about is kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit", type=int, default=CALLS_PER_RUN, help="At most this many calls per run"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = reconcile_calls(limit=options["limit"])
        # Counts only: a call's SID or number has no place in the worker's output.
        self.stdout.write(
            f"checked {result.checked}: closed {result.closed}, live {result.live}, "
            f"unknown {result.unknown}"
        )
