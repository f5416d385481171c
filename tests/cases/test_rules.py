"""Separate handling per contact role: one test per rule in cases.rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cases import rules
from cases.codes import CaseType, ContactRole, PersonRole
from cases.models import Contact
from cases.services import contact_add
from tests.cases.factories import register_case


def contact(**fields) -> Contact:
    defaults = {"channel": "phone", "role": ContactRole.VICTIM}
    defaults.update(fields)
    return Contact(**defaults)


def at(hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 11, 24, hour, minute))


def refused(person: Contact, when: dt.datetime) -> str:
    """The reason a callback is refused; fails the test if it is allowed."""
    refusal = rules.callback_refusal(person, when)
    assert refusal is not None
    return refusal


# --- victims ---------------------------------------------------------------------------


def test_a_victim_may_stay_anonymous_for_advice_but_not_for_a_report():
    assert rules.may_stay_anonymous(role=ContactRole.VICTIM, case_type=CaseType.ADVICE)
    assert not rules.may_stay_anonymous(role=ContactRole.VICTIM, case_type=CaseType.REPORT)


def test_a_victim_is_asked_the_safety_questions_first():
    errors = rules.safety_check_errors(role=ContactRole.VICTIM, data={"safe_to_talk": "yes"})
    assert set(errors) == {"other_person_nearby", "children_present"}
    assert rules.safety_check_errors(role=ContactRole.BYSTANDER, data={}) == {}


def test_a_callback_goes_only_to_a_safe_number_within_the_safe_window():
    safe = contact(
        safe_number="0612345678",
        safe_window_start=dt.time(9, 0),
        safe_window_end=dt.time(11, 0),
    )
    assert rules.callback_refusal(safe, at(10)) is None
    assert "Buiten het veilige tijdvak" in refused(safe, at(12))


def test_a_window_over_midnight_is_understood():
    night = contact(
        safe_number="0612345678",
        safe_window_start=dt.time(22, 0),
        safe_window_end=dt.time(2, 0),
    )
    assert rules.callback_refusal(night, at(23, 30)) is None
    assert rules.callback_refusal(night, at(1)) is None
    assert rules.callback_refusal(night, at(12)) is not None


def test_no_callback_without_a_safe_number_or_window_or_when_refused():
    assert "geen veilig nummer" in refused(contact(), at(10))
    assert "tijdvak" in refused(contact(safe_number="0612345678"), at(10))
    assert "niet teruggebeld" in refused(
        contact(never_call_back=True, safe_number="0612345678"), at(10)
    )


# --- minors ----------------------------------------------------------------------------------


def test_a_child_is_never_called_back_on_a_shared_family_phone():
    child = contact(
        is_minor_about_self=True,
        shared_family_phone=True,
        safe_number="0612345678",
        safe_window_start=dt.time(0, 0),
        safe_window_end=dt.time(23, 59),
    )
    assert "gedeelde gezinstelefoon" in refused(child, at(10))


@pytest.mark.django_db
def test_a_child_gets_simple_language(operator):
    case = register_case(
        operator,
        contact={
            "channel": "phone",
            "role": ContactRole.VICTIM,
            "is_minor_about_self": True,
            "anonymous": True,
        },
        case_type=CaseType.ADVICE,
    )
    assert rules.uses_simple_language(case.contacts.get())


# --- perpetrators ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_perpetrator_with_children_involved_means_a_safety_assessment(operator):
    case = register_case(
        operator,
        case_type=CaseType.ADVICE,
        contact={
            "channel": "phone",
            "role": ContactRole.PERPETRATOR,
            "anonymous": True,
            "wants_help_referral": True,
        },
        people=[{"role": PersonRole.VICTIM, "is_child": True, "name": "Kind"}],
    )
    assert rules.requires_safety_assessment(case)
    assert case.contacts.get().wants_help_referral


@pytest.mark.django_db
def test_a_perpetrator_without_children_may_just_get_advice(operator):
    case = register_case(
        operator,
        case_type=CaseType.ADVICE,
        contact={"channel": "phone", "role": ContactRole.PERPETRATOR, "anonymous": True},
        people=[{"role": PersonRole.VICTIM, "is_child": False, "name": "Partner"}],
    )
    assert not rules.requires_safety_assessment(case)


# --- bystanders ------------------------------------------------------------------------------


def test_a_bystander_must_identify_for_a_report():
    errors = rules.identity_errors(
        role=ContactRole.BYSTANDER, case_type=CaseType.REPORT, data={"anonymous": True}
    )
    assert "anonymous" in errors
    errors = rules.identity_errors(role=ContactRole.BYSTANDER, case_type=CaseType.REPORT, data={})
    assert set(errors) == {"name", "phone"}
    assert (
        rules.identity_errors(
            role=ContactRole.BYSTANDER, case_type=CaseType.ADVICE, data={"anonymous": True}
        )
        == {}
    )


@pytest.mark.django_db
def test_a_bystanders_identity_leaves_veilig_thuis_only_with_consent(operator):
    case = register_case(
        operator,
        contact={
            "channel": "phone",
            "role": ContactRole.BYSTANDER,
            "name": "Buurman Jan",
            "phone": "0612345678",
        },
    )
    assert rules.reporter_identity_for_disclosure(case) == []
    case.reporter_consents_to_disclosure = True
    assert rules.reporter_identity_for_disclosure(case)[0]["name"] == "Buurman Jan"


# --- professionals -----------------------------------------------------------------------------


def test_a_professional_always_identifies_with_organisation_and_profession():
    errors = rules.identity_errors(
        role=ContactRole.PROFESSIONAL, case_type=CaseType.ADVICE, data={"anonymous": True}
    )
    assert set(errors) == {"anonymous", "name", "phone", "organisation", "profession"}


@pytest.mark.parametrize(
    ("answers", "outcome"),
    [
        ({"suspicion": False}, "no_report"),
        ({"suspicion": True, "acute_or_structural": True}, "report"),
        ({"suspicion": True, "acute_or_structural": False, "can_help": False}, "report"),
        (
            {
                "suspicion": True,
                "acute_or_structural": False,
                "can_help": True,
                "help_accepted": False,
            },
            "report",
        ),
        (
            {
                "suspicion": True,
                "acute_or_structural": False,
                "can_help": True,
                "help_accepted": True,
                "lasting_safety": False,
            },
            "report",
        ),
        (
            {
                "suspicion": True,
                "acute_or_structural": False,
                "can_help": True,
                "help_accepted": True,
                "lasting_safety": True,
            },
            "consult",
        ),
    ],
)
def test_the_afwegingskader_decides_between_report_and_consultation(answers, outcome):
    assert rules.afwegingskader_outcome(answers) == outcome


@pytest.mark.django_db
def test_an_informant_is_owed_no_feedback(operator):
    case = register_case(
        operator,
        contact={
            "channel": "phone",
            "role": ContactRole.PROFESSIONAL,
            "name": "Dr. Jansen",
            "phone": "0701112222",
            "organisation": "Huisartsenpraktijk",
            "profession": "health",
            "is_reporter": True,
        },
    )
    contact_add(
        case=case,
        data={
            "channel": "phone",
            "role": ContactRole.PROFESSIONAL,
            "name": "Wijkagent",
            "phone": "0703334444",
            "organisation": "Politie",
            "profession": "police",
            "is_reporter": False,
        },
        by=operator,
    )
    assert [c.name for c in rules.feedback_recipients(case)] == ["Dr. Jansen"]


@pytest.mark.django_db
def test_an_anonymous_contact_keeps_no_identity_even_if_typed_in(operator):
    case = register_case(
        operator,
        case_type=CaseType.ADVICE,
        contact={
            "channel": "phone",
            "role": ContactRole.VICTIM,
            "anonymous": True,
            "name": "per ongeluk ingevuld",
            "phone": "0612345678",
        },
    )
    stored = case.contacts.get()
    assert (stored.name, stored.phone, stored.phone_index) == ("", "", "")
