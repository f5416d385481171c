from django.apps import AppConfig


class EventsConfig(AppConfig):
    """Domain events: written to an outbox in the same transaction, published after commit."""

    name = "events"
    verbose_name = "Gebeurtenissen"
