"""The reference index (Verwijsindex): match signals on the same child and on a sibling,
no content in a signal, notices by age, and registrations that end after two years."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from handover.models import MatchSignal, Notice, PartnerOrganisation, ReferenceIndexRegistration
from handover.selectors import match_signals_for
from handover.services import ReferenceIndexError, notice_recipients, reference_index_register
from privacy.blind_index import bsn_index

pytestmark = pytest.mark.django_db

# BSNs that pass the 11-test.
CHILD = "111222333"
SIBLING = "123456782"
OTHER_CHILD = "100000009"
MOTHER = "111111110"
FATHER = "222222220"
OTHER_PARENT = "333333330"

NOW = timezone.make_aware(datetime.datetime(2026, 6, 1, 10, 0))
BORN_2018 = datetime.date(2018, 3, 1)


def org(slug: str) -> PartnerOrganisation:
    return PartnerOrganisation.objects.get(slug=slug)


def register(slug: str, child: str = CHILD, parents=(MOTHER, FATHER), *, born=BORN_2018, now=NOW):
    return reference_index_register(
        organisation=org(slug),
        child_bsn=child,
        child_date_of_birth=born,
        parent_bsns=list(parents),
        now=now,
    )


def signals_of(slug: str, at=NOW) -> list[dict]:
    return [signal.as_message() for signal in match_signals_for(org(slug), at=at)]


# --- matches ------------------------------------------------------------------------------------


def test_a_second_organisation_registering_the_same_child_gives_both_a_signal():
    register("cjg-den-haag")
    register("jeugdbescherming-west")
    assert [s["other_organisation"] for s in signals_of("cjg-den-haag")] == [
        "Jeugdbescherming West"
    ]
    assert [s["other_organisation"] for s in signals_of("jeugdbescherming-west")] == [
        "Centrum Jeugd en Gezin Den Haag"
    ]
    assert {s["kind"] for s in signals_of("cjg-den-haag")} == {"same_child"}


def test_an_organisation_registering_a_sibling_gives_both_a_signal():
    register("cjg-den-haag", CHILD, parents=(MOTHER, FATHER))
    register("wijkteams-den-haag", SIBLING, parents=(MOTHER,))
    assert [(s["other_organisation"], s["kind"]) for s in signals_of("cjg-den-haag")] == [
        ("Wijkteams Den Haag", "sibling")
    ]
    assert [s["kind"] for s in signals_of("wijkteams-den-haag")] == ["sibling"]


def test_children_without_a_parent_in_common_do_not_match():
    register("cjg-den-haag", CHILD, parents=(MOTHER,))
    register("wijkteams-den-haag", OTHER_CHILD, parents=(OTHER_PARENT,))
    assert MatchSignal.objects.count() == 0


def test_the_same_organisation_registering_again_renews_without_signalling_itself():
    first = register("cjg-den-haag")
    later = NOW + datetime.timedelta(days=100)
    again = register("cjg-den-haag", now=later)
    assert again.pk == first.pk
    assert again.expires_at == later.replace(year=later.year + 2)
    assert MatchSignal.objects.count() == 0
    assert Notice.objects.count() == 1


def test_a_third_organisation_gets_a_signal_for_each_of_the_others():
    register("cjg-den-haag")
    register("jeugdbescherming-west")
    register("wijkteams-den-haag")
    assert sorted(s["other_organisation"] for s in signals_of("wijkteams-den-haag")) == [
        "Centrum Jeugd en Gezin Den Haag",
        "Jeugdbescherming West",
    ]
    assert MatchSignal.objects.count() == 6


# --- no content ---------------------------------------------------------------------------------


def test_a_signal_says_only_who_else_is_involved():
    register("cjg-den-haag")
    register("jeugdbescherming-west")
    signal = signals_of("cjg-den-haag")[0]
    assert set(signal) == {"other_organisation", "kind", "created_at"}
    text = json.dumps(signal)
    for secret in (CHILD, MOTHER, FATHER, bsn_index(CHILD), "2018-03-01"):
        assert secret not in text


def test_a_registration_keeps_no_bsn_only_blind_indexes_and_an_encrypted_birth_date():
    from django.db import connection

    registration = register("cjg-den-haag")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT child_bsn_index, child_date_of_birth FROM routing_referenceindexregistration"
            " WHERE id = %s",
            [registration.pk],
        )
        child_index, stored_birth_date = cursor.fetchone()
    assert child_index == bsn_index(CHILD)
    assert "2018" not in stored_birth_date
    parent_indexes = set(registration.parents.values_list("parent_bsn_index", flat=True))
    assert parent_indexes == {bsn_index(MOTHER), bsn_index(FATHER)}


# --- notices by age -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "told"),
    [
        (datetime.date(2015, 6, 2), ["parents"]),  # 10, turns 11 tomorrow
        (datetime.date(2014, 6, 2), ["parents"]),  # one day short of 12
        (datetime.date(2014, 6, 1), ["parents", "child"]),  # 12 today
        (datetime.date(2010, 6, 2), ["parents", "child"]),  # one day short of 16
        (datetime.date(2010, 6, 1), ["child"]),  # 16 today
        (datetime.date(2009, 1, 1), ["child"]),  # 17
    ],
)
def test_who_is_told_depends_on_the_childs_age(born, told):
    assert notice_recipients(born, NOW.date()) == told


def test_registering_a_young_child_makes_a_notice_for_the_parents_only():
    registration = register("cjg-den-haag", born=datetime.date(2018, 3, 1))
    assert list(registration.notices.values_list("recipient", flat=True)) == ["parents"]


def test_registering_a_child_of_13_makes_a_notice_for_the_parents_and_the_child():
    registration = register("cjg-den-haag", born=datetime.date(2013, 1, 15))
    assert sorted(registration.notices.values_list("recipient", flat=True)) == [
        "child",
        "parents",
    ]


def test_registering_a_child_of_16_makes_a_notice_for_the_child_only():
    registration = register("cjg-den-haag", born=datetime.date(2010, 1, 15))
    assert list(registration.notices.values_list("recipient", flat=True)) == ["child"]


def test_a_notice_holds_no_content():
    field_names = {field.name for field in Notice._meta.get_fields()}
    assert field_names == {"id", "registration", "recipient", "created_at", "sent_at"}


# --- two years ------------------------------------------------------------------------------------


def test_a_registration_is_active_for_two_years():
    registration = register("cjg-den-haag")
    assert registration.expires_at == timezone.make_aware(datetime.datetime(2028, 6, 1, 10, 0))
    assert registration.is_active(NOW + datetime.timedelta(days=729))
    assert not registration.is_active(registration.expires_at)


def test_a_registration_older_than_two_years_no_longer_matches():
    register("cjg-den-haag", now=NOW - datetime.timedelta(days=2 * 365 + 1))
    register("jeugdbescherming-west")
    assert MatchSignal.objects.count() == 0


def test_a_registration_just_under_two_years_old_still_matches():
    register("cjg-den-haag", now=NOW - datetime.timedelta(days=2 * 365 - 1))
    register("jeugdbescherming-west")
    assert MatchSignal.objects.count() == 2


def test_a_signal_is_no_longer_shown_once_either_registration_has_expired():
    register("cjg-den-haag", now=NOW)
    register("jeugdbescherming-west", now=NOW + datetime.timedelta(days=200))
    assert len(signals_of("jeugdbescherming-west", at=NOW + datetime.timedelta(days=300))) == 1
    after_the_first_expired = NOW + datetime.timedelta(days=2 * 365 + 10)
    assert signals_of("jeugdbescherming-west", at=after_the_first_expired) == []


def test_a_registration_made_on_29_february_ends_on_1_march_two_years_later():
    leap = timezone.make_aware(datetime.datetime(2028, 2, 29, 9, 0))
    registration = register("cjg-den-haag", born=datetime.date(2020, 1, 1), now=leap)
    assert registration.expires_at.date() == datetime.date(2030, 3, 1)


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("child", "parents", "born", "field"),
    [
        ("123456789", (MOTHER,), BORN_2018, "child_bsn"),
        ("", (MOTHER,), BORN_2018, "child_bsn"),
        (CHILD, ("999999999",), BORN_2018, "parent_bsns"),
        (CHILD, (CHILD,), BORN_2018, "parent_bsns"),
        (CHILD, (MOTHER,), None, "child_date_of_birth"),
        (CHILD, (MOTHER,), datetime.date(2027, 1, 1), "child_date_of_birth"),
    ],
)
def test_a_registration_with_bad_input_is_refused_naming_the_field_and_nothing_is_saved(
    child, parents, born, field
):
    with pytest.raises(ReferenceIndexError) as refusal:
        register("cjg-den-haag", child, parents, born=born)
    assert refusal.value.field == field
    assert not ReferenceIndexRegistration.objects.exists()
    assert not Notice.objects.exists()


def test_every_registration_is_written_to_the_access_log():
    from privacy.models import AccessLogEntry

    registration = register("cjg-den-haag")
    entry = AccessLogEntry.objects.get(
        target_type="handover.referenceindexregistration", target_id=str(registration.pk)
    )
    assert entry.on_behalf_of == "cjg-den-haag"
