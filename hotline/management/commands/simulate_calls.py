"""manage.py simulate_calls: whole Twilio call life cycles against a running server."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.simulator import SimulationOptions, simulate


class Command(BaseCommand):
    help = (
        "Play simulated calls to 0800-2000 against a running server, with correctly signed, "
        "Twilio-shaped requests: menu digits, waiting, hanging up, being answered."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--calls", type=int, default=10, help="How many calls in all")
        parser.add_argument("--rate", type=float, default=1.0, help="New calls per second")
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000", help="Where the server listens"
        )
        parser.add_argument(
            "--public-url",
            default="",
            help="The URL Twilio would call and sign (the server's PUBLIC_BASE_URL); "
            "defaults to this process's PUBLIC_BASE_URL, which in development is the server's",
        )
        parser.add_argument(
            "--patience", type=float, default=30.0, help="Seconds a caller waits, then hangs up"
        )
        parser.add_argument(
            "--wait-interval", type=float, default=2.0, help="Seconds between wait requests"
        )
        parser.add_argument(
            "--talk", type=float, default=5.0, help="Seconds an answered call lasts"
        )
        parser.add_argument("--seed", type=int, default=None, help="Repeatable randomness")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["calls"] < 1 or options["rate"] <= 0:
            raise CommandError("--calls must be at least 1 and --rate above 0.")
        url = options["url"].rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise CommandError("--url must be an http(s) URL.")
        report = simulate(
            SimulationOptions(
                url=url,
                public_url=(options["public_url"] or settings.PUBLIC_BASE_URL).rstrip("/"),
                # In development this is the generated secret the server also reads.
                auth_token=settings.TWILIO_AUTH_TOKEN,
                calls=options["calls"],
                rate=options["rate"],
                patience=options["patience"],
                wait_interval=options["wait_interval"],
                talk=options["talk"],
                seed=options["seed"],
            )
        )
        self.stdout.write(report.summary())
        if report.errors:
            raise CommandError(f"{len(report.errors)} requests failed; see above.")
