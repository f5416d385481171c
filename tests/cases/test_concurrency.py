"""Two people press the same button on the same case at the same moment."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from cases.models import CaseTransition, State
from cases.services import CaseChanged, case_transition
from tests.cases.factories import register_case


@pytest.mark.django_db(transaction=True)
def test_of_two_concurrent_transitions_exactly_one_wins(operator, other_operator):
    case = register_case(operator)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def press(user) -> None:
        start.wait()
        try:
            case_transition(
                case_id=case.pk, name="start_assessment", by=user, expected_version=case.version
            )
            outcomes.append("won")
        except CaseChanged as refusal:
            outcomes.append(str(refusal))
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(u,)) for u in (operator, other_operator)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == [
        "Het dossier is intussen gewijzigd. Laad de pagina opnieuw.",
        "won",
    ]
    case.refresh_from_db()
    assert case.state == State.SAFETY_ASSESSMENT
    assert case.version == 2
    assert CaseTransition.objects.filter(case=case, name="start_assessment").count() == 1
