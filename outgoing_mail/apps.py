from django.apps import AppConfig


class OutgoingMailConfig(AppConfig):
    """Mail written in the transaction that causes it, sent after commit and retried."""

    name = "outgoing_mail"
    verbose_name = "Uitgaande e-mail"
