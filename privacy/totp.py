"""Staff authenticators (TOTP) with the shared secret encrypted at rest.

django-otp's own TOTPDevice keeps the key as plain hex in a 80-character column, which
cannot hold a Fernet token; whoever read that table (a backup, a replica) could make
codes for every member of staff. This device is the same TOTP device, its key column
encrypted with FIELD_ENCRYPTION_KEYS (so rotate_encryption_keys re-encrypts it too).

accounts does not import privacy: it finds this model through settings
(STAFF_TOTP_DEVICE_MODEL, see accounts.devices), and django-otp finds it as one of the
installed Device models (django_otp.devices_for_user).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key, key_validator

from privacy.fields import EncryptedCharField


class StaffTOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """A TOTP authenticator whose secret is stored encrypted."""

    key = EncryptedCharField(
        _("sleutel"),
        max_length=80,
        validators=[key_validator],
        default=default_key,
        help_text="A hex-encoded secret key of up to 40 bytes (stored encrypted).",
    )
    # Annotated by hand: the base class comes from django-otp, which mypy sees as Any.
    step: models.PositiveSmallIntegerField[int, int] = models.PositiveSmallIntegerField(default=30)
    t0: models.BigIntegerField[int, int] = models.BigIntegerField(default=0)
    digits: models.PositiveSmallIntegerField[int, int] = models.PositiveSmallIntegerField(
        choices=[(6, 6), (8, 8)], default=6
    )
    tolerance: models.PositiveSmallIntegerField[int, int] = models.PositiveSmallIntegerField(
        default=1
    )
    drift: models.SmallIntegerField[int, int] = models.SmallIntegerField(default=0)
    last_t: models.BigIntegerField[int, int] = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = _("authenticator van medewerker")
        verbose_name_plural = _("authenticators van medewerkers")

    # The TOTP arithmetic, throttling and the otpauth:// URI are django-otp's own; only
    # where the key is kept differs.
    bin_key = TOTPDevice.bin_key
    verify_token = TOTPDevice.verify_token
    get_throttle_factor = TOTPDevice.get_throttle_factor
    config_url = TOTPDevice.config_url
    _read_str_from_settings = TOTPDevice._read_str_from_settings

    def __str__(self) -> str:
        return f"{self.name} ({self.user_id})"
