from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class PrivacyConfig(AppConfig):
    """Protection of case data: field encryption, blind indexes, the access log, retention."""

    name = "privacy"
    verbose_name = "Gegevensbescherming"

    def ready(self) -> None:
        from accounts.security import access_refused
        from privacy.gate import page_refused

        # accounts reports refused pages; the access log is written here (accounts does
        # not import privacy).
        access_refused.connect(page_refused, dispatch_uid="privacy.page_refused")
        # ... and changes made to a member's account by someone else (authenticator reset).
        from accounts.services import staff_account_changed
        from privacy.staff_audit import staff_account_changed as log_staff_change

        staff_account_changed.connect(log_staff_change, dispatch_uid="privacy.staff_changed")
        # Each app registers its retention policies in <app>/retention.py, as with admin.py.
        autodiscover_modules("retention")
        # ... and in <app>/person_lookup.py the resolvers behind inspection exports.
        autodiscover_modules("person_lookup")
