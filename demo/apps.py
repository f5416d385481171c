from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo staff and cases for `make run`: it drives every app, so it sits above them all."""

    name = "demo"
    verbose_name = "Demo"
