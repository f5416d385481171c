"""manage.py export_access_log: answer an inspection request or an audit with a CSV file.

    export_access_log --actor anouk --output anouk.csv
    export_access_log --target cases.case:12 --target cases.contact:40
    export_access_log --person-bsn 111222333 --on-behalf-of "inzageverzoek 2026-014"

Every export is itself written to the access log.
"""

from __future__ import annotations

import getpass
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from privacy.models import AccessLogEntry
from privacy.registry import PersonLookupError, person_targets
from privacy.services import access_log_export

TARGET = re.compile(r"^(?P<type>[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*):(?P<id>[0-9A-Za-z_-]{1,64})$")


def parse_target(raw: str) -> tuple[str, str]:
    match = TARGET.match(raw.strip())
    if not match:
        raise CommandError(
            f"--target {raw!r} is not TYPE:ID, e.g. cases.case:12 (app.model and a database id)."
        )
    return match["type"], match["id"]


class Command(BaseCommand):
    help = "Export access log rows (by member of staff, record or person) as CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--actor", default="", help="Username of a member of staff")
        parser.add_argument(
            "--target", action="append", default=[], help="TYPE:ID, e.g. cases.case:12"
        )
        parser.add_argument("--person-bsn", default="", help="Every record about this BSN")
        parser.add_argument("--person-phone", default="", help="Every record about this number")
        parser.add_argument(
            "--on-behalf-of",
            default="",
            help="Whose request this answers, as a reference (no names): kept in the log",
        )
        parser.add_argument("--output", default="-", help="CSV file to write (default stdout)")

    def handle(self, *args: Any, **options: Any) -> None:
        targets = [parse_target(raw) for raw in options["target"]]
        actor = options["actor"].strip()
        if actor and not (
            User.objects.filter(username=actor).exists()
            or AccessLogEntry.objects.filter(actor_username=actor).exists()
        ):
            raise CommandError(f"No member of staff {actor!r} and no log rows by that name.")
        if options["person_bsn"] or options["person_phone"]:
            try:
                targets += person_targets(bsn=options["person_bsn"], phone=options["person_phone"])
            except PersonLookupError as error:
                raise CommandError(str(error)) from None
            if not targets and not actor:
                self.stderr.write("No records about this person were found.")
        elif not (actor or targets):
            raise CommandError(
                "Say what to export: --actor, --target, --person-bsn or --person-phone."
            )

        export = {
            "by": None,
            # Run on the server: the log names the shell account, having no staff user.
            "role": f"beheer ({getpass.getuser()})"[:50],
            "actor_username": actor,
            "targets": targets,
            "on_behalf_of": options["on_behalf_of"][:150],
        }
        if options["output"] == "-":
            count = access_log_export(out=self.stdout, **export)
        else:
            with open(options["output"], "w", newline="", encoding="utf-8") as out:
                count = access_log_export(out=out, **export)
        # stderr, so the count never ends up inside a CSV written to stdout.
        self.stderr.write(f"{count} access log rows exported.")
