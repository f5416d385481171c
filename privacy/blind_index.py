"""Blind indexes: keyed hashes that allow equality lookups on encrypted values.

Each kind of value is normalised first (a phone number to E.164, a BSN to nine digits,
a name to lower-case letters), then hashed with HMAC-SHA256 under BLIND_INDEX_KEY and
the kind as domain separation, so equal values match and nothing can be read back.
"""

from __future__ import annotations

import base64
import datetime
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
# Search: a postcode with its house number (any addition: "2511 AB 12" finds 12-A), a
# postcode alone, a date of birth. Each its own kind, so no two kinds ever share a hash.
POSTCODE_HOUSE = "postcode_house"
POSTCODE = "postcode"
DATE_OF_BIRTH = "dob"

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


def normalise_postcode(raw: str) -> str:
    code = re.sub(r"\s", "", raw or "").upper()
    if not re.fullmatch(r"[1-9]\d{3}[A-Z]{2}", code):
        raise NotIndexable("not a Dutch postcode")
    return code


def normalise_postcode_house(postcode: str, house_number: str | int) -> str:
    """Postcode and house number without the addition: "2511 ab", "12-A" -> "2511AB-12"."""
    code = normalise_postcode(postcode)
    number = re.sub(r"\D", "", str(house_number or ""))
    if not number:
        raise NotIndexable("no house number")
    return f"{code}-{int(number)}"


def normalise_address(postcode: str, house_number: str, addition: str = "") -> str:
    suffix = re.sub(r"[^A-Za-z0-9]", "", addition or "").upper()
    return normalise_postcode_house(postcode, house_number) + (f"-{suffix}" if suffix else "")


def normalise_date_of_birth(value: datetime.date | str | None) -> str:
    """A date (or its ISO form, as stored) as YYYY-MM-DD."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    try:
        return datetime.date.fromisoformat((value or "").strip()).isoformat()
    except ValueError:
        raise NotIndexable("not a date") from None


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


def postcode_house_index(postcode: str, house_number: str | int) -> str:
    try:
        return blind_index(POSTCODE_HOUSE, normalise_postcode_house(postcode, house_number))
    except NotIndexable:
        return ""


def postcode_index(postcode: str) -> str:
    try:
        return blind_index(POSTCODE, normalise_postcode(postcode))
    except NotIndexable:
        return ""


def date_of_birth_index(value: datetime.date | str | None) -> str:
    try:
        return blind_index(DATE_OF_BIRTH, normalise_date_of_birth(value))
    except NotIndexable:
        return ""
