"""Which Veilig Thuis region a caller belongs to: data in hotline/data/regions.json.

0800-2000 is one national number for 25 regions. A landline tells us the region by its
area code; a mobile, foreign or withheld number does not, so that caller is asked for the
four digits of their postcode. The mapping is data so a region can correct it without code.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import phonenumbers
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from privacy.blind_index import WITHHELD_NUMBERS

DATA_FILE = Path(__file__).resolve().parent / "data" / "regions.json"


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    transfer_number: str


@dataclass(frozen=True)
class RegionMap:
    regions: dict[str, Region]
    area_codes: dict[str, str]
    postcode_ranges: tuple[tuple[int, int, str], ...]


@functools.cache
def region_map() -> RegionMap:
    raw = json.loads(DATA_FILE.read_text())
    regions = {
        code: Region(code=code, name=item["name"], transfer_number=item.get("transfer_number", ""))
        for code, item in raw["regions"].items()
    }
    area_codes = dict(raw["area_codes"])
    ranges = tuple((int(low), int(high), code) for low, high, code in raw["postcode_ranges"])
    # A typo in the data would silently send callers to the wrong region: refuse to load it.
    for code in [*area_codes.values(), *(code for _, _, code in ranges)]:
        if code not in regions:
            raise ImproperlyConfigured(f"{DATA_FILE.name} names an unknown region {code!r}.")
    for prefix in area_codes:
        if not (prefix.startswith("0") and prefix.isdigit() and 3 <= len(prefix) <= 4):
            raise ImproperlyConfigured(f"{DATA_FILE.name}: {prefix!r} is not an area code.")
    for low, high, _ in ranges:
        if not 1000 <= low <= high <= 9999:
            raise ImproperlyConfigured(f"{DATA_FILE.name}: bad postcode range {low}-{high}.")
    return RegionMap(regions=regions, area_codes=area_codes, postcode_ranges=ranges)


def is_withheld(number: str) -> bool:
    return (number or "").strip().lower() in WITHHELD_NUMBERS


def region_for_number(number: str) -> str | None:
    """The region of a Dutch landline by its area code; None for mobile, foreign or withheld."""
    if is_withheld(number):
        return None
    try:
        parsed = phonenumbers.parse(number.strip(), "NL")
    except phonenumbers.NumberParseException:
        return None
    if parsed.country_code != 31:
        return None
    national = "0" + phonenumbers.national_significant_number(parsed)
    area_codes = region_map().area_codes
    # Longest prefix first: 0174 (Westland) must win over a hypothetical 017.
    for length in (4, 3):
        region = area_codes.get(national[:length])
        if region:
            return region
    return None


def region_for_postcode(digits: str) -> str | None:
    """The region of the four digits of a Dutch postcode (1000-9999), or None."""
    digits = (digits or "").strip()
    if len(digits) != 4 or not digits.isdigit() or digits.startswith("0"):
        return None
    value = int(digits)
    for low, high, region in region_map().postcode_ranges:
        if low <= value <= high:
            return region
    return None


def transfer_number_for(region: str) -> str:
    """Where a caller of another region is sent; "" means: answer them here."""
    if region == settings.VT_REGION:
        return ""
    found = region_map().regions.get(region)
    return found.transfer_number if found else ""


def region_name(code: str) -> str:
    """What a screen calls a region ("Haaglanden"): words, never the code. A code the map
    does not know (a region removed from the data) shows as itself, made readable."""
    region = region_map().regions.get(code)
    if region is None:
        return code.replace("-", " ").title()
    return region.name.removeprefix("Veilig Thuis ")


def region_names() -> dict[str, str]:
    return {code: region_name(code) for code in region_map().regions}
