"""The links of the access log's chain, and the keys that make them.

Rows written since the keyed chain link with HMAC-SHA256 under a key from ACCESS_LOG_KEYS
("id:key", newest first): the database holds the key's id, never the key, so someone who
can write to the database can change a row but cannot recompute its link. Rows written
before (key_id "") kept their plain SHA-256 link; the cut-over sealed them under an
anchor (privacy.models.AccessLogAnchor) that is itself an HMAC.

The newest key links new rows; every listed key verifies. Rotation: put a new ID:KEY in
front; keep the old one listed as long as rows linked with it are kept.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class ChainKey:
    key_id: str
    secret: bytes


@cache
def _keyring(raw: tuple[str, ...]) -> tuple[ChainKey, ...]:
    keys: list[ChainKey] = []
    for part in raw:
        key_id, colon, encoded = part.strip().partition(":")
        if not colon or not key_id:
            raise ImproperlyConfigured("ACCESS_LOG_KEYS: every key is ID:KEY.")
        secret = base64.urlsafe_b64decode(encoded.strip().encode())
        if len(secret) != 32:
            raise ImproperlyConfigured(f"ACCESS_LOG_KEYS: key {key_id!r} is not 32 bytes.")
        keys.append(ChainKey(key_id, secret))
    if not keys:
        raise ImproperlyConfigured("ACCESS_LOG_KEYS holds no key.")
    return tuple(keys)


def chain_keys() -> tuple[ChainKey, ...]:
    configured: Sequence[str] | str = settings.ACCESS_LOG_KEYS
    if isinstance(configured, str):
        configured = configured.split(",")
    return _keyring(tuple(part for part in configured if part.strip()))


@receiver(setting_changed)
def _forget_keys(setting: str, **kwargs: object) -> None:
    if setting == "ACCESS_LOG_KEYS":
        _keyring.cache_clear()


def newest_key() -> ChainKey:
    return chain_keys()[0]


def key_by_id(key_id: str) -> ChainKey | None:
    for key in chain_keys():
        if key.key_id == key_id:
            return key
    return None


# One encoder, not one per call: verify_access_log encodes every row of the log.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"))


def canonical(content: Mapping[str, Any]) -> bytes:
    return _ENCODER.encode(content).encode()


def legacy_link(content: Mapping[str, Any]) -> str:
    """The link of a row from before the keyed chain: SHA-256, no key."""
    return hashlib.sha256(canonical(content)).hexdigest()


@cache
def _keyed_hmac(secret: bytes) -> Any:
    # The key's inner and outer pads computed once; each link copies this state.
    return hmac.new(secret, digestmod=hashlib.sha256)


def keyed_link(content: Mapping[str, Any], key: ChainKey) -> str:
    mac = _keyed_hmac(key.secret).copy()
    mac.update(canonical(content))
    return str(mac.hexdigest())


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
