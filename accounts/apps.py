from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Staff accounts, roles, two-factor login and session limits."""

    name = "accounts"
    verbose_name = "Medewerkers"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from accounts import roles, signals  # noqa: F401  (connects the login receivers)

        post_migrate.connect(roles.sync_role_groups, dispatch_uid="accounts.sync_role_groups")
