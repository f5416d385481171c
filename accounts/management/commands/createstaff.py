from __future__ import annotations

import io
from typing import Any

import qrcode
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts import roles
from accounts.services import StaffError, staff_create


class Command(BaseCommand):
    help = (
        "Create a staff member with a role and a TOTP authenticator; prints a one-time "
        "password and the otpauth URI (and a QR code) to hand over in person. A partner is "
        "then linked to their organisation with partner_member_add."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument(
            "--role",
            required=True,
            choices=roles.ROLES,
            help="operator; supervisor (the teamleider); gedragswetenschapper and "
            "vertrouwensarts (who approve decisions, accounts/roles.py); partner",
        )
        parser.add_argument("--team", default="", help="team name (created if new)")
        parser.add_argument("--email", default="")
        parser.add_argument("--no-qr", action="store_true", help="print only the otpauth URI")
        parser.add_argument(
            "--admin",
            choices=["staff", "superuser"],
            help="also open the admin (/admin/, with the same 2FA): staff sees what the role "
            "allows there (a supervisor: mail queue and event outbox), superuser everything",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with transaction.atomic():
                created = staff_create(
                    username=options["username"],
                    role=options["role"],
                    team_name=options["team"],
                    email=options["email"],
                    by="createstaff command",
                )
                if options["admin"]:
                    created.user.is_staff = True
                    created.user.is_superuser = options["admin"] == "superuser"
                    created.user.save(update_fields=["is_staff", "is_superuser"])
        except (StaffError, ValueError) as error:
            raise CommandError(str(error)) from None
        uri = created.device.config_url
        admin = f" with admin access ({options['admin']})" if options["admin"] else ""
        self.stdout.write(
            self.style.SUCCESS(f"Created {options['role']} {options['username']}{admin}.")
        )
        self.stdout.write(f"Password (shown once, change after first login): {created.password}")
        self.stdout.write(f"Authenticator (otpauth URI): {uri}")
        if not options["no_qr"]:
            code = qrcode.QRCode(border=1)
            code.add_data(uri)
            art = io.StringIO()
            code.print_ascii(out=art, invert=True)
            self.stdout.write(art.getvalue())
        if options["role"] == roles.PARTNER:
            # Partner organisations belong to the handover app, which accounts does not
            # import; until linked, a partner's inbox is empty.
            self.stdout.write(
                "Link the partner to their organisation: manage.py partner_member_add "
                f"--username {options['username']} --organisation <slug>"
            )
