from django.apps import AppConfig


class JobsConfig(AppConfig):
    """The periodic work a deployment runs in its worker: mail, relay, purges, escalation."""

    name = "jobs"
    verbose_name = "Periodieke taken"
