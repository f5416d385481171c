"""The checks on a person's details, one owner for the staff intake (cases.forms) and the
public online form (melden.forms): a phone number the blind index can take, a birth date
that can be true, a BSN that passes the eleven-test."""

from __future__ import annotations

import datetime

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from privacy.blind_index import NotIndexable, is_valid_bsn, normalise_phone

EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)


def validate_phone_number(value: str) -> None:
    if not value:
        return
    try:
        normalise_phone(value)
        # The blind index takes any possible number ("06-1234" too, for search); a number
        # to call someone back on must be a real one.
        valid = phonenumbers.is_valid_number(phonenumbers.parse(value.strip(), "NL"))
    except (NotIndexable, phonenumbers.NumberParseException):
        valid = False
    if not valid:
        raise ValidationError(_("Dit is geen geldig telefoonnummer."), code="phone")


def validate_date_of_birth(value: datetime.date | None) -> None:
    """Not in the future, not before 1900 (a typo in the year, not a person)."""
    if value is None:
        return
    if value > timezone.localdate():
        raise ValidationError(_("Een geboortedatum ligt niet in de toekomst."), code="future")
    if value < EARLIEST_BIRTH_DATE:
        raise ValidationError(_("Deze geboortedatum kan niet kloppen."), code="date_of_birth")


def validate_bsn(value: str) -> None:
    if value and not is_valid_bsn(value.strip()):
        raise ValidationError(_("Dit BSN klopt niet (elfproef)."), code="bsn")
