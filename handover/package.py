"""The handover package: what the receiving organisation sees.

Built once, when the handover is made, and stored encrypted on the Handover. It holds
the safety conditions, the facts the receiver needs (written for them by staff), the
people involved and the address. It never holds the account as told to Veilig Thuis or
the reasoning behind the decision (both may reveal who reported), and the reporter's
identity only when the reporter consented (cases.rules.reporter_identity_for_disclosure).
"""

from __future__ import annotations

import datetime
from typing import Any

from cases import rules
from cases.models import Case

PACKAGE_VERSION = 1


def package_build(
    case: Case, *, safety_conditions: list[str], facts_for_receiver: str
) -> dict[str, Any]:
    reporters = rules.reporter_identity_for_disclosure(case)
    return {
        "version": PACKAGE_VERSION,
        "reference": case.reference,
        "region": case.region,
        "decision": case.decision,
        "acute": case.acute,
        "violence_forms": list(case.violence_forms or []),
        "safety_conditions": [line for line in safety_conditions if line.strip()],
        "facts": facts_for_receiver,
        "address": case.address or {},
        "people": [
            {
                "role": person.role,
                "is_child": person.is_child,
                "name": person.name,
                "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else "",
                "bsn": person.bsn,
            }
            for person in case.people.order_by("pk")
        ],
        # Empty unless the reporter consented to disclosure.
        "reporters": reporters,
    }


def package_for_display(package: dict[str, Any]) -> dict[str, Any]:
    """The package with the codes turned into words, for the partner's screen."""
    from cases.codes import ContactRole, Decision, PersonRole, ViolenceForm

    decisions = dict(Decision.choices)
    person_roles = dict(PersonRole.choices)
    contact_roles = dict(ContactRole.choices)
    forms = dict(ViolenceForm.choices)
    return {
        **package,
        "decision_label": decisions.get(package.get("decision", ""), ""),
        "violence_form_labels": [
            forms.get(code, code) for code in package.get("violence_forms", [])
        ],
        "people": [
            {
                **person,
                "role_label": person_roles.get(person.get("role", ""), ""),
                "date_of_birth_label": _date_in_words(person.get("date_of_birth", "")),
            }
            for person in package.get("people", [])
        ],
        "reporters": [
            {**reporter, "role_label": contact_roles.get(reporter.get("role", ""), "")}
            for reporter in package.get("reporters", [])
        ],
    }


def _date_in_words(value: str) -> str:
    """The package's ISO date ("2017-06-01") as the reader's words ("1 juni 2017")."""
    from django.utils.formats import date_format

    try:
        return date_format(datetime.date.fromisoformat(value), "j F Y")
    except (TypeError, ValueError):
        return value
