"""Cases for tests, registered through the real intake service."""

from __future__ import annotations

import datetime
from typing import Any

from cases.codes import CaseType, Channel, ContactRole, PersonRole
from cases.services import (
    AssessedFact,
    DecidedFact,
    HandoverAnswer,
    IntakeData,
    case_decide,
    intake_register,
)


def victim_contact(**overrides: Any) -> dict[str, Any]:
    contact = {
        "channel": Channel.PHONE,
        "role": ContactRole.VICTIM,
        "anonymous": False,
        "name": "Sanne de Vries",
        "phone": "070-1234567",
        "safety_check": {
            "safe_to_talk": "yes",
            "other_person_nearby": "no",
            "children_present": "yes",
        },
    }
    contact.update(overrides)
    return contact


def register_case(by, *, case_type: str = CaseType.REPORT, contact=None, people=None, **case):
    case_data = {
        "case_type": case_type,
        "account": "Buren horen al weken geschreeuw en klappen.",
        "violence_forms": ["partner_violence", "witnessing"],
        "address": {"postcode": "2511 AB", "house_number": "12", "street": "Lange Poten"},
    }
    case_data.update(case)
    if people is None:
        people = [
            {
                "role": PersonRole.VICTIM,
                "is_child": True,
                "name": "Noor de Vries",
                "date_of_birth": datetime.date(2016, 3, 1),
                "bsn": "111222333",
            },
            {"role": PersonRole.SUSPECTED_PERPETRATOR, "is_child": False, "name": "Kees Bakker"},
        ]
    return intake_register(
        intake=IntakeData(contact=contact or victim_contact(), case=case_data, people=people),
        by=by,
    )


def decide_assessment(case, by):
    """Decide the Veilig Thuis safety assessment with no risk answered, through the real
    service (which completes the case's assessment step). The case must be in it."""
    from safety_assessment.instrument_loader import instrument_get
    from safety_assessment.services import assessment_decide

    questions = instrument_get("veilig-thuis").questions.values()
    answers = {q.id: (False if q.type == "yes_no" else 0) for q in questions}
    return assessment_decide(
        case_id=case.pk, instrument_slug="veilig-thuis", answers=answers, by=by
    )


def decide(*, case_id: int, decision: str, reason: str, by, proposed_by):
    """Straight to the case action, with a decision proposal as the fact (no proposal row)."""
    return case_decide(
        case_id=case_id,
        by=by,
        proposal=lambda case: DecidedFact(
            decision=decision, reason=reason, proposed_by=proposed_by
        ),
    )


def partner_answer(reason: str = "", *, organisation: str = "CJG"):
    """A partner's answer as the handover app would report it, without a Handover row."""
    return lambda case: HandoverAnswer(organisation=organisation, reason=reason)


def assessment_completed(case) -> AssessedFact:
    """An assessment fact that completes the assessment step (the assessment is elsewhere)."""
    return AssessedFact(label="test", acute=False, completes_assessment=True)


def bulk_cases(count: int, *, by, state: str = "intake", channel: str = Channel.PHONE, **fields):
    """`count` cases at once (bulk inserts, no encrypted content), each with one contact:
    for tests about how many there are, not what they say."""
    from django.utils import timezone

    from cases import working_days
    from cases.models import Case, Contact

    now = timezone.now()
    start = Case.objects.count()
    cases = Case.objects.bulk_create(
        Case(
            reference=f"VT-T{start + number:07d}",
            case_type=CaseType.REPORT,
            state=state,
            region=by.region,
            team_id=by.team_id,
            created_by=by,
            reported_at=now - datetime.timedelta(minutes=number),
            assessment_due=working_days.assessment_due(timezone.localdate(now)),
            closed_at=now if state == "closed" else None,
            **fields,
        )
        for number in range(count)
    )
    Contact.objects.bulk_create(
        Contact(case=case, channel=channel, role=ContactRole.VICTIM) for case in cases
    )
    return cases
