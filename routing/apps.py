from django.apps import AppConfig


class RoutingConfig(AppConfig):
    """Call routing by region and priority, handover to partners, the reference index."""

    name = "routing"
    verbose_name = "Routering en overdracht"
