"""Which model holds staff authenticators.

The TOTP device with the encrypted key lives in the privacy app (privacy.totp), where the
encryption lives; accounts sits below privacy and does not import it. Like
AUTH_USER_MODEL, the model is named in a setting (STAFF_TOTP_DEVICE_MODEL) and looked up
in the app registry.
"""

from __future__ import annotations

from typing import Any, cast

from django.apps import apps
from django.conf import settings
from django_otp.models import Device


def totp_device_model() -> type[Any]:
    """The staff TOTP device model (a django-otp Device with key, step, config_url...)."""
    model = apps.get_model(settings.STAFF_TOTP_DEVICE_MODEL, require_ready=False)
    if not issubclass(model, Device):
        raise TypeError(f"{settings.STAFF_TOTP_DEVICE_MODEL} is not a django-otp Device")
    return cast(type[Any], model)
