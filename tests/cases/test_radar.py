"""Radar: a new intake shows earlier cases with the same phone, address, names or BSN."""

from __future__ import annotations

import pytest

from cases.codes import PersonRole
from cases.selectors import radar_for_case, radar_matches
from cases.services import case_link
from tests.cases.factories import register_case, victim_contact

pytestmark = pytest.mark.django_db


def test_the_same_phone_number_written_differently_matches(operator):
    earlier = register_case(operator, contact=victim_contact(phone="070-1234567"))
    matches = radar_matches(user=operator, phones=["+31 70 123 4567"])
    assert [(m.case, m.matched_on) for m in matches] == [(earlier, {"phone"})]


def test_the_same_address_matches_whatever_the_spacing(operator):
    earlier = register_case(operator, address={"postcode": "2511AB", "house_number": "12"})
    matches = radar_matches(user=operator, address={"postcode": "2511 ab", "house_number": " 12"})
    assert matches[0].case == earlier
    assert "address" in matches[0].matched_on


def test_names_and_bsn_of_people_involved_match(operator):
    earlier = register_case(operator)
    by_name = radar_matches(user=operator, names=["noor DE vries"])
    by_bsn = radar_matches(user=operator, bsns=["111 222 333"])
    assert by_name[0].case == earlier and "name" in by_name[0].matched_on
    assert by_bsn[0].case == earlier and by_bsn[0].matched_on == {"bsn"}


def test_a_new_case_sees_the_earlier_one_but_not_itself(operator):
    earlier = register_case(operator)
    later = register_case(operator)
    matches = radar_for_case(case=later, user=operator)
    assert [m.case for m in matches] == [earlier]
    assert matches[0].matched_on >= {"phone", "address", "name", "bsn"}


def test_nothing_matches_on_different_people(operator):
    register_case(operator)
    assert (
        radar_matches(
            user=operator, phones=["0201234567"], names=["Iemand Anders"], bsns=["123456782"]
        )
        == []
    )


def test_an_invalid_bsn_or_withheld_number_matches_nothing(operator):
    register_case(
        operator,
        contact=victim_contact(phone="anonymous"),
        people=[{"role": PersonRole.VICTIM, "is_child": True, "bsn": "123456789"}],
    )
    assert radar_matches(user=operator, phones=["anonymous"], bsns=["123456789"]) == []


def test_a_match_outside_need_to_know_is_shown_only_as_not_visible(operator, other_operator):
    earlier = register_case(other_operator)
    matches = radar_matches(user=operator, phones=["0701234567"])
    assert matches[0].case == earlier
    assert matches[0].visible is False


def test_an_operator_can_link_a_matching_case_and_it_is_logged(operator):
    from privacy.models import AccessLogEntry

    earlier, later = register_case(operator), register_case(operator)
    case_link(case=later, other=earlier, matched_on="phone", by=operator)
    assert list(later.links.values_list("linked_case", flat=True)) == [earlier.pk]
    assert list(earlier.links.values_list("linked_case", flat=True)) == [later.pk]
    # One action, one audit entry: on the case linked from, naming the other.
    (entry,) = AccessLogEntry.objects.filter(reason__startswith="linked:")
    assert (entry.target_id, entry.reason) == (str(later.pk), f"linked:{earlier.reference}")
