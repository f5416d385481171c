from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Protection of case data: field encryption, blind indexes, the access log, retention."""

    name = "privacy"
    verbose_name = "Gegevensbescherming"
