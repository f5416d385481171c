from django.apps import AppConfig


class CasesConfig(AppConfig):
    """The case: contacts, people, the state machine and the actions that alone change them."""

    name = "cases"
    verbose_name = "Dossiers"
