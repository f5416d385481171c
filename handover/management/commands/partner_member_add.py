"""Link a partner user to their organisation (createstaff --role partner makes the user)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import roles
from handover.services import HandoverError, partner_member_add


class Command(BaseCommand):
    help = (
        "Make a user with the partner role a member of a partner organisation; their inbox "
        "then shows that organisation's handovers. Run after createstaff --role partner."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument(
            "--organisation", required=True, help="slug of the partner organisation (routing)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}; create one with createstaff.")
        if getattr(user, "role", "") != roles.PARTNER:
            raise CommandError(f"{user.get_username()} does not have the partner role.")
        try:
            membership = partner_member_add(
                user=user,
                organisation_slug=options["organisation"],
            )
        except HandoverError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{user.get_username()} is a member of {membership.organisation.slug}."
            )
        )
