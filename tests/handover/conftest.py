"""Cases walked to a handover decision, partner organisations and their users."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts import roles
from accounts.models import User
from cases.codes import ContactRole
from cases.models import Case
from cases.services import case_transition
from handover.models import PartnerOrganisation
from handover.services import handover_create, partner_member_add
from tests.cases.factories import decide, decide_assessment, register_case, victim_contact
from tests.conftest import log_in_fully, make_staff

CONDITIONS = ["Geen geweld in het bijzijn van de kinderen", "Vader volgt plegerhulp"]


def bystander_contact(**overrides) -> dict:
    contact = {
        "channel": "phone",
        "role": ContactRole.BYSTANDER,
        "name": "Henk Buurman",
        "phone": "0612345678",
        "email": "henk@buurman.example",
        "organisation": "Buurtvereniging Zeeheldenkwartier",
    }
    contact.update(overrides)
    return contact


def decided_case(operator: User, supervisor: User, decision: str, **case_options) -> Case:
    """A reported case through intake and assessment, decided with four eyes."""
    case = register_case(operator, **case_options)
    case_transition(case_id=case.pk, name="start_assessment", by=operator, expected_version=None)
    decide_assessment(case, operator)
    return decide(
        case_id=case.pk,
        decision=decision,
        reason="Onderbouwing van het besluit.",
        by=supervisor,
        proposed_by=operator,
    )


def handed_over(case: Case, by: User, slug: str = "cjg-den-haag", **options):
    options.setdefault("answers", {"upbringing_questions": True})
    options.setdefault("safety_conditions", CONDITIONS)
    options.setdefault("facts_for_receiver", "Twee kinderen, 4 en 9 jaar; moeder wil hulp.")
    return handover_create(case_id=case.pk, organisation_slug=slug, by=by, **options)


def make_partner(username: str, slug: str) -> User:
    user = make_staff(username, roles.PARTNER, team="")
    partner_member_add(user=user, organisation_slug=slug)
    return user


@pytest.fixture
def cjg() -> PartnerOrganisation:
    return PartnerOrganisation.objects.get(slug="cjg-den-haag")


@pytest.fixture
def jbw() -> PartnerOrganisation:
    return PartnerOrganisation.objects.get(slug="jeugdbescherming-west")


@pytest.fixture
def cjg_partner(db) -> User:
    return make_partner("petra", "cjg-den-haag")


@pytest.fixture
def jbw_partner(db) -> User:
    return make_partner("jan", "jeugdbescherming-west")


@pytest.fixture
def cjg_client(cjg_partner) -> Client:
    return log_in_fully(Client(), cjg_partner)


@pytest.fixture
def jbw_client(jbw_partner) -> Client:
    return log_in_fully(Client(), jbw_partner)


__all__ = ["bystander_contact", "victim_contact"]
