from django.apps import AppConfig


class HotlineConfig(AppConfig):
    """Calls to 0800-2000: Twilio webhooks, the queue, pickup and the operators' dashboard."""

    name = "hotline"
    verbose_name = "Hotline 0800-2000"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from hotline.presence import presence_away_on_logout

        user_logged_out.connect(presence_away_on_logout, dispatch_uid="hotline.presence_logout")
