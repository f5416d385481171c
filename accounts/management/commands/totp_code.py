from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import TOTP

from accounts.devices import totp_device_model


def current_code(device: Any) -> str:
    """The code the member's authenticator app shows now (a STAFF_TOTP_DEVICE_MODEL device)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


class Command(BaseCommand):
    help = "Development only: print the current TOTP code for a staff member's authenticator."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("totp_code exists for development; it is refused in production.")
        device = (
            totp_device_model()
            .objects.filter(user__username=options["username"], confirmed=True)
            .order_by("pk")
            .first()
        )
        if device is None:
            raise CommandError(f"{options['username']} has no authenticator.")
        self.stdout.write(current_code(device))
