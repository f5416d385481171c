"""A case with the people a huisverbod is about, and a partner user for refusals."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from accounts import roles
from accounts.models import User
from cases.codes import PersonRole
from cases.models import Case, Person
from huisverbod.models import Huisverbod
from huisverbod.services import huisverbod_record
from tests.cases.factories import register_case
from tests.conftest import make_staff

PEOPLE = [
    {"role": PersonRole.VICTIM, "is_child": False, "name": "Sanne de Vries"},
    {"role": PersonRole.VICTIM, "is_child": True, "name": "Noor de Vries"},
    {"role": PersonRole.SUSPECTED_PERPETRATOR, "is_child": False, "name": "Kees Bakker"},
]


@pytest.fixture
def family_case(operator) -> Case:
    return register_case(operator, people=PEOPLE)


def person(case: Case, name: str) -> Person:
    return next(p for p in case.people.all() if p.name == name)


def yesterday() -> datetime.date:
    """A day that is past whatever the hour: an order imposed at 21:30 today may not be."""
    return timezone.localdate() - datetime.timedelta(days=1)


def imposed(day: datetime.date, hour: int = 21, minute: int = 30) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def record_order(case: Case, by: User, *, on: datetime.date | None = None) -> Huisverbod:
    return huisverbod_record(
        case_id=case.pk,
        by=by,
        imposed_at=imposed(on or yesterday()),
        removed_person_id=person(case, "Kees Bakker").pk,
        removed_person_description="",
        people_at_home_ids=[person(case, "Sanne de Vries").pk, person(case, "Noor de Vries").pk],
    )


@pytest.fixture
def partner(db) -> User:
    from handover.services import partner_member_add

    user = make_staff("petra", roles.PARTNER, team="")
    partner_member_add(user=user, organisation_slug="cjg-den-haag")
    return user


def clock_at(monkeypatch: pytest.MonkeyPatch, day: datetime.date) -> None:
    """Noon on `day` is now: an order imposed on a date still ahead of the real calendar
    is not refused as being in the future."""
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12, 0)))
    monkeypatch.setattr(timezone, "now", lambda: moment)
