"""A reported case in its safety-assessment step, and answers to the Veilig Thuis assessment."""

from __future__ import annotations

import pytest

from accounts import roles
from accounts.models import User
from cases.models import Case
from cases.services import IntakeData, case_transition, intake_register
from safety_assessment.instrument_loader import instrument_get

# The browser fixtures (Debian's Chromium) for the keyboard test in this directory.
from tests.browser.conftest import chromium, page  # noqa: F401
from tests.conftest import make_staff

VEILIG_THUIS = instrument_get("veilig-thuis")


def register_case(by: User, *, start_assessment: bool = True) -> Case:
    case = intake_register(
        intake=IntakeData(
            contact={
                "channel": "phone",
                "role": "professional",
                "name": "Mw. de Vries",
                "phone": "0701234567",
                "organisation": "Basisschool De Linde",
                "profession": "onderwijs",
            },
            case={"case_type": "report", "account": "Een leerling vertelde over slaan thuis."},
            people=[{"role": "victim", "is_child": True, "name": "Kind"}],
        ),
        by=by,
    )
    if start_assessment:
        case = case_transition(
            case_id=case.pk, name="start_assessment", by=by, expected_version=None
        )
    return case


def vt_answers(**risks) -> dict:
    """Every question of the Veilig Thuis assessment answered 'no' (or 0), except `risks`."""
    answers = {
        question.id: (False if question.type == "yes_no" else 0)
        for question in VEILIG_THUIS.questions.values()
    }
    answers.update(risks)
    return answers


@pytest.fixture
def case(operator) -> Case:
    return register_case(operator)


@pytest.fixture
def second_supervisor(db) -> User:
    return make_staff("sem", roles.SUPERVISOR)
