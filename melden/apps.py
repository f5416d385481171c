from django.apps import AppConfig


class MeldenConfig(AppConfig):
    """The online Meldcode form for professionals, its drafts, and the feedback letters."""

    name = "melden"
    verbose_name = "Online melden"
