from typing import Any

from django.apps import AppConfig


def load_partner_organisations(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Keep the partner organisations in step with handover/data/organisations.json after
    every migrate (and after a test flush, which empties the table the data migration
    filled)."""
    from django.db import connections

    from handover.models import PartnerOrganisation
    from handover.organisations import organisations_load

    connection = connections[using]
    if PartnerOrganisation._meta.db_table not in connection.introspection.table_names():
        return
    organisations_load(PartnerOrganisation)


class HandoverConfig(AppConfig):
    """Partners, handovers and their inbox, the partner API, escalation, monitoring and the
    reference index."""

    name = "handover"
    verbose_name = "Overdracht"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(
            load_partner_organisations, sender=self, dispatch_uid="handover.load_organisations"
        )
