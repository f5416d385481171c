from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Contacts, cases and the case state machine; online reports from professionals."""

    name = "reports"
    verbose_name = "Meldingen en adviezen"
