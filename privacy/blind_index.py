"""Blind indexes: keyed hashes that allow equality lookups on encrypted values.

Each kind of value is normalised first (a phone number to E.164, a BSN to nine digits,
a name to lower-case letters), then hashed with HMAC-SHA256 under BLIND_INDEX_KEY and
the kind as domain separation, so equal values match and nothing can be read back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import unicodedata

import phonenumbers
from django.conf import settings

PHONE = "phone"
BSN = "bsn"
ADDRESS = "address"
NAME = "name"

# Twilio's ways of saying the number was withheld.
WITHHELD_NUMBERS = {"", "anonymous", "unknown", "private", "restricted", "+266696687"}


class NotIndexable(ValueError):
    """The value cannot be normalised (an invalid phone number, a BSN failing the 11-test)."""


def _key() -> bytes:
    return base64.urlsafe_b64decode(settings.BLIND_INDEX_KEY.encode())


def blind_index(kind: str, normalised: str) -> str:
    message = f"{kind}:{normalised}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def normalise_phone(raw: str, region: str = "NL") -> str:
    cleaned = (raw or "").strip()
    if cleaned.lower() in WITHHELD_NUMBERS:
        raise NotIndexable("withheld number")
    try:
        parsed = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException:
        raise NotIndexable("not a phone number") from None
    if not phonenumbers.is_possible_number(parsed):
        raise NotIndexable("not a possible phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def is_valid_bsn(raw: str) -> bool:
    digits = re.sub(r"[\s.\-]", "", raw or "")
    if not digits.isdigit() or len(digits) not in (8, 9):
        return False
    digits = digits.zfill(9)
    if digits == "000000000":
        return False
    # The 11-test: weights 9..2 for the first eight digits and -1 for the last.
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
    total -= int(digits[8])
    return total % 11 == 0


def normalise_bsn(raw: str) -> str:
    if not is_valid_bsn(raw):
        raise NotIndexable("BSN fails the 11-test")
    return re.sub(r"[\s.\-]", "", raw).zfill(9)


def normalise_address(postcode: str, house_number: str, addition: str = "") -> str:
    code = re.sub(r"\s", "", postcode or "").upper()
    if not re.fullmatch(r"[1-9]\d{3}[A-Z]{2}", code):
        raise NotIndexable("not a Dutch postcode")
    number = re.sub(r"\D", "", str(house_number or ""))
    if not number:
        raise NotIndexable("no house number")
    suffix = re.sub(r"[^A-Za-z0-9]", "", addition or "").upper()
    return f"{code}-{int(number)}" + (f"-{suffix}" if suffix else "")


def normalise_name(raw: str) -> str:
    decomposed = unicodedata.normalize("NFKD", raw or "")
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = re.findall(r"[a-z0-9]+", letters.lower())
    if not words:
        raise NotIndexable("no name")
    return " ".join(words)


def phone_index(raw: str) -> str:
    """The blind index of a phone number, or "" when it is withheld or invalid."""
    try:
        return blind_index(PHONE, normalise_phone(raw))
    except NotIndexable:
        return ""


def bsn_index(raw: str) -> str:
    try:
        return blind_index(BSN, normalise_bsn(raw))
    except NotIndexable:
        return ""


def address_index(postcode: str, house_number: str, addition: str = "") -> str:
    try:
        return blind_index(ADDRESS, normalise_address(postcode, house_number, addition))
    except NotIndexable:
        return ""


def name_index(raw: str) -> str:
    try:
        return blind_index(NAME, normalise_name(raw))
    except NotIndexable:
        return ""
