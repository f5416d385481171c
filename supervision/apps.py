from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    """The supervisor's screen: deadlines, approvals, backlog, live service levels, exports."""

    name = "supervision"
    verbose_name = "Supervisie"
