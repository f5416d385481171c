from django.apps import AppConfig


class HotlineConfig(AppConfig):
    """Calls to 0800-2000: Twilio webhooks, the queue, pickup and the operators' dashboard."""

    name = "hotline"
    verbose_name = "Hotline 0800-2000"
