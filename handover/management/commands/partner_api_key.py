from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from handover.models import PartnerOrganisation
from handover.services import partner_api_key_issue


class Command(BaseCommand):
    help = (
        "Issue a new API key for a partner organisation's system (the old key stops "
        "working). Prints the key id and the secret once: hand them over securely."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the organisation, e.g. jeugdbescherming-west")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = PartnerOrganisation.objects.filter(slug=options["slug"]).first()
        if organisation is None:
            slugs = ", ".join(PartnerOrganisation.objects.values_list("slug", flat=True))
            raise CommandError(f"Unknown organisation {options['slug']!r}; choose one of: {slugs}.")
        key_id, secret = partner_api_key_issue(organisation=organisation)
        self.stdout.write(f"Key id: {key_id}")
        self.stdout.write(f"Secret (shown once): {secret}")
