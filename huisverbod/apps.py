from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HuisverbodConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "huisverbod"
    verbose_name = _("Tijdelijk huisverbod")
