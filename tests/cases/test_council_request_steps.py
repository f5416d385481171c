"""The case's side of the Jeugdbeschermingstafel and the Raad: each step is one case
action with its own audit kind, only while the case waits in council_request, and the
table deciding no investigation sends the case back to the decision."""

from __future__ import annotations

import pytest

from cases.codes import Decision
from cases.models import CaseAuditKind, State
from cases.services import CouncilFact, TransitionRefused, case_council_step
from privacy.models import AccessLogEntry
from tests.cases.factories import decide, decide_assessment, register_case

pytestmark = pytest.mark.django_db


def decided(operator, supervisor, decision: str):
    from cases.services import case_transition

    case = register_case(operator)
    case_transition(case_id=case.pk, name="start_assessment", by=operator, expected_version=None)
    decide_assessment(case, operator)
    return decide(
        case_id=case.pk,
        decision=decision,
        reason="Onderbouwing.",
        by=supervisor,
        proposed_by=operator,
    )


def test_no_investigation_by_the_raad_sends_the_case_back_to_the_decision(operator, supervisor):
    case = decided(operator, supervisor, Decision.COUNCIL_REQUEST)
    case = case_council_step(
        case_id=case.pk,
        kind=CaseAuditKind.TABLE_OUTCOME,
        by=operator,
        record=lambda case: CouncilFact(
            detail="no_investigation", ends_request=True, reason="Geen onderzoek."
        ),
    )
    assert case.state == State.DECISION
    assert (case.decision, case.decision_approved_by) == ("", None)
    step = case.transitions.get(name="end_council_request")
    assert (step.from_state, step.to_state, step.reason) == (
        State.COUNCIL_REQUEST,
        State.DECISION,
        "Geen onderzoek.",
    )
    assert AccessLogEntry.objects.filter(
        target_id=str(case.pk), allowed=True, reason="table_outcome:no_investigation"
    ).exists()


def test_a_table_step_keeps_the_case_waiting_when_it_does_not_end_the_request(operator, supervisor):
    case = decided(operator, supervisor, Decision.COUNCIL_REQUEST)
    version = case.version
    case = case_council_step(
        case_id=case.pk,
        kind=CaseAuditKind.TABLE_PREPARED,
        by=operator,
        record=lambda case: CouncilFact(detail="informed"),
    )
    assert case.state == State.COUNCIL_REQUEST
    assert case.version == version


def test_a_council_step_outside_council_request_is_refused_and_logged(operator, supervisor):
    case = decided(operator, supervisor, Decision.INVESTIGATION)
    recorded: list[int] = []

    def record(case):
        recorded.append(case.pk)
        return CouncilFact(detail="x")

    with pytest.raises(TransitionRefused):
        case_council_step(
            case_id=case.pk, kind=CaseAuditKind.TABLE_OUTCOME, by=operator, record=record
        )
    assert recorded == []
    case.refresh_from_db()
    assert case.state == State.INVESTIGATION
    assert AccessLogEntry.objects.filter(
        actor_id=operator.pk, allowed=False, target_id=str(case.pk)
    ).exists()


def test_only_the_council_kinds_are_council_steps(operator, supervisor):
    case = decided(operator, supervisor, Decision.COUNCIL_REQUEST)
    with pytest.raises(TransitionRefused):
        case_council_step(
            case_id=case.pk,
            kind=CaseAuditKind.DECIDED,
            by=operator,
            record=lambda case: CouncilFact(detail="x"),
        )
