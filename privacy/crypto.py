"""Encryption of case data at rest with MultiFernet; keys from FIELD_ENCRYPTION_KEYS.

The first key encrypts; every listed key can decrypt. Rotation: put a new key first,
run `manage.py rotate_encryption_keys`, then drop the old key.
"""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key.

    The message names the column, never the data: it is safe for logs and error pages.
    """


@cache
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def field_cipher() -> MultiFernet:
    return _multi_fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


@receiver(setting_changed)
def _forget_cipher(setting: str, **kwargs: object) -> None:
    if setting == "FIELD_ENCRYPTION_KEYS":
        _multi_fernet.cache_clear()


def encrypt_text(plaintext: str) -> str:
    return field_cipher().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt_text(token: str, *, column: str) -> str:
    try:
        return field_cipher().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError, ValueError):
        raise DecryptionError(
            f"{column}: the stored value cannot be decrypted with the configured "
            "FIELD_ENCRYPTION_KEYS (wrong or removed key, or a damaged value)."
        ) from None


def rotate_token(token: str, *, column: str) -> str:
    """Re-encrypt a stored token under the newest key."""
    try:
        return field_cipher().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, ValueError):
        raise DecryptionError(
            f"{column}: a stored value cannot be decrypted, so it cannot be rotated."
        ) from None
