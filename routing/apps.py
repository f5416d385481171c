from typing import Any

from django.apps import AppConfig


def load_partner_organisations(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Keep the partner organisations in step with routing/data/organisations.json after
    every migrate (and after a test flush, which empties the table the data migration
    filled)."""
    from django.db import connections

    from routing.models import PartnerOrganisation
    from routing.organisations import organisations_load

    connection = connections[using]
    if PartnerOrganisation._meta.db_table not in connection.introspection.table_names():
        return
    organisations_load(PartnerOrganisation)


class RoutingConfig(AppConfig):
    """Call routing by region and priority, handover to partners, the reference index."""

    name = "routing"
    verbose_name = "Routering en overdracht"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(
            load_partner_organisations, sender=self, dispatch_uid="routing.load_organisations"
        )
