"""Publish outbox events that were written but not published (e.g. while Redis was down)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from events.relay import EXIT_EVENTS_WAITING
from events.services import events_relay, events_waiting


class Command(BaseCommand):
    help = (
        "Publish every outbox event that has not been published yet, oldest first. "
        f"Once by default (exit {EXIT_EVENTS_WAITING} when some are still waiting for the "
        "channel layer); --loop keeps going. Events another publisher is sending are theirs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep relaying until stopped")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between rounds with --loop"
        )
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(
        self, *args: Any, loop: bool, interval: float, batch_size: int, **options: Any
    ) -> None:
        if interval <= 0 or batch_size <= 0:
            raise CommandError("--interval and --batch-size must be positive.")
        if loop:
            try:
                while True:
                    published = events_relay(batch_size=batch_size)
                    if published:
                        self.stdout.write(f"published {published}")
                    time.sleep(interval)
            except KeyboardInterrupt:
                return
        published = 0
        while True:
            batch = events_relay(batch_size=batch_size)
            published += batch
            if batch < batch_size:
                break
        # Not counted: events whose own publish (or another relay) is at them right now.
        waiting = events_waiting()
        self.stdout.write(f"published {published}, waiting {waiting}")
        if waiting:
            raise CommandError(
                f"{waiting} events could not be published yet: is the channel layer (Redis) "
                "reachable? Run again, or leave it to the relay in the server.",
                returncode=EXIT_EVENTS_WAITING,
            )
