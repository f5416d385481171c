from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts import roles
from accounts.models import User
from accounts.services import staff_create

DEMO_PASSWORD = "veilig-thuis-demo"
DEMO_STAFF = [
    ("anouk", roles.OPERATOR, "Team Centrum"),
    ("bram", roles.OPERATOR, "Team Zuidwest"),
    ("carla", roles.SUPERVISOR, "Team Centrum"),
]


class Command(BaseCommand):
    help = "Development only: demo staff (two operators, a supervisor). Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Demo data is refused in production.")
        for username, role, team in DEMO_STAFF:
            if not User.objects.filter(username=username).exists():
                staff_create(
                    username=username,
                    role=role,
                    team_name=team,
                    password=DEMO_PASSWORD,
                    by="load_demo_data",
                )
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, team in DEMO_STAFF:
            self.stdout.write(f"  {username:<8} {role:<11} {team}")
        self.stdout.write(
            "Second step: the current 6-digit code for a user comes from\n"
            "  .venv/bin/python manage.py totp_code anouk"
        )
