from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The operators' live dashboard and its socket: reads hotline and cases, listens to events."""

    name = "dashboard"
    verbose_name = "Dashboard"
