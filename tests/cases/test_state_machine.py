"""The case life cycle: every path through it, and every forbidden step refused."""

from __future__ import annotations

import pytest

from cases.codes import CaseType, ContactRole, Decision, PersonRole
from cases.models import Case, CaseTransition, FeedbackTask, MonitoringContact, State
from cases.services import (
    MonitoringFact,
    TransitionRefused,
    case_accept_handover,
    case_close,
    case_convert_to_report,
    case_finish_investigation,
    case_mark_assessment_complete,
    case_monitoring_contact_done,
    case_reject_handover,
    case_transition,
    contact_add,
)
from events.models import OutboxEvent
from privacy.models import AccessLogEntry
from tests.cases.factories import (
    assessment_completed,
    decide,
    decide_assessment,
    partner_answer,
    register_case,
    victim_contact,
)

pytestmark = pytest.mark.django_db


def assessed(case: Case, operator) -> Case:
    """Through the real safety assessment: decided, which completes the case's step."""
    case_transition(case_id=case.pk, name="start_assessment", by=operator, expected_version=None)
    decide_assessment(case, operator)
    return Case.objects.get(pk=case.pk)


def decided(case: Case, operator, supervisor, decision: str) -> Case:
    assessed(case, operator)
    return decide(
        case_id=case.pk,
        decision=decision,
        reason="Onderbouwing van het besluit.",
        by=supervisor,
        proposed_by=operator,
    )


def professional_contact() -> dict:
    return {
        "channel": "online",
        "role": ContactRole.PROFESSIONAL,
        "name": "Juf Ineke",
        "email": "ineke@school.example",
        "organisation": "Basisschool De Linde",
        "profession": "education",
    }


# --- the paths -------------------------------------------------------------------------------


def test_a_new_case_starts_in_intake_with_a_reference_and_a_deadline(operator):
    case = register_case(operator)
    assert case.state == State.INTAKE
    assert case.reference.startswith("VT-")
    assert case.assessment_due > case.reported_at.date()
    assert case.team == operator.team
    assert OutboxEvent.objects.filter(kind="case.created").count() == 1


def test_references_are_unique_and_count_up(operator):
    first, second = register_case(operator), register_case(operator)
    assert int(second.reference[-6:]) == int(first.reference[-6:]) + 1


def test_an_advice_case_can_be_closed_at_intake_with_a_reason(operator):
    case = register_case(operator, case_type=CaseType.ADVICE, people=[])
    case = case_close(
        case_id=case.pk, by=operator, reason="Advies gegeven over een veiligheidsplan."
    )
    assert case.state == State.CLOSED
    assert case.closed_at is not None


def test_a_report_decided_as_advice_closes(operator, supervisor):
    case = decided(register_case(operator), operator, supervisor, Decision.ADVICE_CLOSE)
    assert case.state == State.CLOSED
    names = list(case.transitions.values_list("name", flat=True))
    assert names == ["register", "start_assessment", "complete_assessment", "decide"]


def test_a_local_handover_goes_into_monitoring_at_3_12_and_18_months(operator, supervisor):
    case = decided(register_case(operator), operator, supervisor, Decision.HANDOVER_LOCAL)
    assert case.state == State.HANDOVER_LOCAL
    case = case_accept_handover(case_id=case.pk, by=operator)
    assert case.state == State.MONITORING
    months = list(
        MonitoringContact.objects.filter(case=case).values_list("months_after_handover", flat=True)
    )
    assert months == [3, 12, 18]
    case = case_close(case_id=case.pk, by=operator, reason="Monitoring afgerond: veilig.")
    assert case.state == State.CLOSED


def test_conditions_and_follow_up_can_be_handed_over_or_closed(operator, supervisor):
    case = decided(register_case(operator), operator, supervisor, Decision.CONDITIONS)
    assert case.state == State.CONDITIONS
    case = case_accept_handover(case_id=case.pk, by=operator)
    assert case.state == State.MONITORING
    other = decided(register_case(operator), operator, supervisor, Decision.CONDITIONS)
    other = case_close(case_id=other.pk, by=operator, reason="Voorwaarden nageleefd.")
    assert other.state == State.CLOSED


def test_an_investigation_gets_a_ten_week_deadline_and_returns_to_decision(operator, supervisor):
    case = decided(register_case(operator), operator, supervisor, Decision.INVESTIGATION)
    assert case.state == State.INVESTIGATION
    assert case.investigation_due is not None and case.decided_at is not None
    assert (case.investigation_due - case.decided_at.date()).days == 70
    case = case_finish_investigation(case_id=case.pk, by=operator, reason="Onderzoek afgerond.")
    assert case.state == State.DECISION
    assert case.decision == ""


def test_a_council_request_can_end_in_a_handover_to_jeugdbescherming_west(operator, supervisor):
    case = decided(register_case(operator), operator, supervisor, Decision.COUNCIL_REQUEST)
    assert case.state == State.COUNCIL_REQUEST
    case = case_finish_investigation(case_id=case.pk, by=operator, reason="Maatregel uitgesproken.")
    case = decide(
        case_id=case.pk,
        decision=Decision.HANDOVER_JBW,
        reason="Ondertoezichtstelling.",
        by=supervisor,
        proposed_by=operator,
    )
    assert case.state == State.HANDOVER_JBW
    case = case_accept_handover(case_id=case.pk, by=operator)
    assert case.state == State.CLOSED
    assert case.handed_over_at is not None


def test_a_rejected_handover_goes_back_to_decision(operator, supervisor):
    case = decided(register_case(operator), operator, supervisor, Decision.HANDOVER_LOCAL)
    case = case_reject_handover(
        case_id=case.pk, by=operator, answer=partner_answer("Geen capaciteit.")
    )
    assert case.state == State.DECISION
    assert case.decision_approved_by is None


def test_a_new_report_reopens_a_closed_case(operator, supervisor):
    case = decided(register_case(operator), operator, supervisor, Decision.ADVICE_CLOSE)
    contact_add(case=case, data=victim_contact(name="Buurvrouw", role="bystander"), by=operator)
    case.refresh_from_db()
    assert case.state == State.INTAKE
    assert case.decision == ""
    transition = case.transitions.last()
    assert transition is not None
    assert transition.name == "reopen"


def test_an_unsafe_monitoring_outcome_reopens_the_case(operator, supervisor):
    case = decided(register_case(operator), operator, supervisor, Decision.HANDOVER_LOCAL)
    case_accept_handover(case_id=case.pk, by=operator)
    contact = case.monitoring_contacts.first()
    assert contact is not None
    case = case_monitoring_contact_done(
        case_id=case.pk,
        contact_id=contact.pk,
        by=operator,
        record=lambda case: MonitoringFact(outcome="unsafe", note="Nieuw incident."),
    )
    assert case.state == State.INTAKE


@pytest.mark.parametrize("why", ["reporter_request", "own_initiative"])
def test_advice_can_become_a_report(operator, why):
    case = register_case(operator, case_type=CaseType.ADVICE, people=[])
    case = case_convert_to_report(case_id=case.pk, by=operator, conversion_reason=why)
    assert case.case_type == CaseType.REPORT
    assert case.conversion_reason == why
    transition = case.transitions.last()
    assert transition is not None
    assert transition.name == "convert_to_report"


def test_feedback_is_owed_to_a_professional_after_the_decision_and_the_investigation(
    operator, supervisor
):
    case = register_case(operator, contact=professional_contact())
    case = decided(case, operator, supervisor, Decision.INVESTIGATION)
    case_finish_investigation(case_id=case.pk, by=operator, reason="Klaar.")
    moments = set(FeedbackTask.objects.filter(case=case).values_list("moment", flat=True))
    assert moments == {"after_assessment", "after_investigation"}


def test_no_feedback_is_owed_to_a_victim(operator, supervisor):
    case = decided(register_case(operator), operator, supervisor, Decision.ADVICE_CLOSE)
    assert not FeedbackTask.objects.filter(case=case).exists()


def test_every_action_is_announced_once_and_audited_once_with_its_kind(operator, supervisor):
    case = decided(register_case(operator), operator, supervisor, Decision.HANDOVER_LOCAL)
    # Start the assessment, decide the assessment (which completes the step), decide.
    assert OutboxEvent.objects.filter(kind="case.changed").count() == 3
    changes = AccessLogEntry.objects.filter(target_type="cases.case", target_id=str(case.pk))
    assert list(
        changes.filter(action="change", allowed=True)
        .order_by("seq")
        .values_list("reason", flat=True)
    ) == [
        "transitioned:start_assessment",
        "assessment_decided:veilig-thuis v1",
        "decided:handover_local",
    ]
    event = OutboxEvent.objects.filter(kind="case.changed").last()
    assert event is not None
    payload = event.payload
    assert payload["action"] == "decided"
    assert set(payload) == {
        "action",
        "case_id",
        "reference",
        "state",
        "case_type",
        "acute",
        "assessment_due",
        "team_id",
    }


# --- forbidden steps -------------------------------------------------------------------------


def assert_refused_and_unchanged(case: Case, call, message: str) -> None:
    case.refresh_from_db()
    before_state, before_version = case.state, case.version
    before_transitions = CaseTransition.objects.filter(case=case).count()
    with pytest.raises(TransitionRefused, match=message):
        call()
    case.refresh_from_db()
    assert (case.state, case.version) == (before_state, before_version)
    assert CaseTransition.objects.filter(case=case).count() == before_transitions
    assert AccessLogEntry.objects.filter(
        target_type="cases.case", target_id=str(case.pk), allowed=False
    ).exists()


def test_a_decision_is_refused_before_the_safety_assessment(operator, supervisor):
    case = register_case(operator)
    case_transition(case_id=case.pk, name="start_assessment", by=operator, expected_version=None)
    assert_refused_and_unchanged(
        case,
        lambda: decide(
            case_id=case.pk,
            decision=Decision.CONDITIONS,
            reason="x",
            by=supervisor,
            proposed_by=operator,
        ),
        "kan niet in de fase",
    )


def test_an_operator_cannot_take_the_decision(operator, other_operator):
    case = assessed(register_case(operator), operator)
    assert_refused_and_unchanged(
        case,
        lambda: decide(
            case_id=case.pk,
            decision=Decision.CONDITIONS,
            reason="x",
            by=operator,
            proposed_by=other_operator,
        ),
        "hoort niet bij jouw rol",
    )


def test_the_proposer_cannot_approve_their_own_decision(supervisor, operator):
    case = assessed(register_case(operator), operator)
    assert_refused_and_unchanged(
        case,
        lambda: decide(
            case_id=case.pk,
            decision=Decision.CONDITIONS,
            reason="x",
            by=supervisor,
            proposed_by=supervisor,
        ),
        "tweede medewerker",
    )


def test_a_decision_needs_a_reason(operator, supervisor):
    case = assessed(register_case(operator), operator)
    assert_refused_and_unchanged(
        case,
        lambda: decide(
            case_id=case.pk,
            decision=Decision.CONDITIONS,
            reason=" ",
            by=supervisor,
            proposed_by=operator,
        ),
        "motivering",
    )


def test_a_report_cannot_be_closed_without_a_decision(operator):
    case = register_case(operator)
    assert_refused_and_unchanged(
        case,
        lambda: case_close(case_id=case.pk, by=operator, reason="Klaar."),
        "pas na een besluit",
    )


def test_a_case_cannot_be_closed_without_a_reason(operator):
    case = register_case(operator, case_type=CaseType.ADVICE, people=[])
    assert_refused_and_unchanged(
        case, lambda: case_close(case_id=case.pk, by=operator, reason=""), "reden"
    )


def test_advice_from_a_perpetrator_with_children_must_be_assessed(operator):
    case = register_case(
        operator,
        case_type=CaseType.ADVICE,
        contact={"channel": "phone", "role": ContactRole.PERPETRATOR, "anonymous": True},
        people=[{"role": PersonRole.WITNESS, "is_child": True, "name": "Kind"}],
    )
    assert_refused_and_unchanged(
        case,
        lambda: case_close(case_id=case.pk, by=operator, reason="Alleen advies gevraagd."),
        "eerst een veiligheidsbeoordeling",
    )
    case = case_transition(
        case_id=case.pk, name="start_assessment", by=operator, expected_version=None
    )
    assert case.state == State.SAFETY_ASSESSMENT


def test_plain_advice_does_not_go_to_the_safety_assessment(operator):
    case = register_case(operator, case_type=CaseType.ADVICE, people=[])
    assert_refused_and_unchanged(
        case,
        lambda: case_transition(
            case_id=case.pk, name="start_assessment", by=operator, expected_version=None
        ),
        "adviesdossier",
    )


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (lambda c, u: case_accept_handover(case_id=c.pk, by=u), "kan niet in de fase"),
        (
            lambda c, u: case_reject_handover(case_id=c.pk, by=u, answer=partner_answer("x")),
            "kan niet in de fase",
        ),
        (lambda c, u: case_finish_investigation(case_id=c.pk, by=u, reason="x"), "kan niet"),
        (
            lambda c, u: case_transition(case_id=c.pk, name="reopen", by=u, expected_version=None),
            "kan niet in de fase",
        ),
        # From intake the assessment step is gone through first (assessed during the call):
        # without a decided assessment it cannot complete.
        (
            lambda c, u: case_mark_assessment_complete(
                case_id=c.pk, by=u, assessment=assessment_completed
            ),
            "nog niet afgerond",
        ),
        (
            lambda c, u: case_transition(case_id=c.pk, name="decide", by=u, expected_version=None),
            "Onbekende stap",
        ),
    ],
)
def test_steps_from_the_wrong_state_are_refused(operator, step, message):
    case = register_case(operator)
    assert_refused_and_unchanged(case, lambda: step(case, operator), message)


def test_a_report_cannot_be_converted_again(operator):
    case = register_case(operator)
    assert_refused_and_unchanged(
        case,
        lambda: case_convert_to_report(
            case_id=case.pk, by=operator, conversion_reason="own_initiative"
        ),
        "kan niet",
    )


def test_a_conversion_needs_a_known_reason(operator):
    case = register_case(operator, case_type=CaseType.ADVICE, people=[])
    with pytest.raises(TransitionRefused, match="Kies waarom"):
        case_convert_to_report(case_id=case.pk, by=operator, conversion_reason="zomaar")
    case.refresh_from_db()
    assert case.case_type == CaseType.ADVICE


def test_someone_without_a_role_can_take_no_step(operator, django_user_model):
    stranger = django_user_model.objects.create_user("vreemde", password="x" * 20)
    case = register_case(operator)
    assert_refused_and_unchanged(
        case,
        lambda: case_transition(
            case_id=case.pk, name="start_assessment", by=stranger, expected_version=None
        ),
        "hoort niet bij jouw rol",
    )


def test_a_stale_screen_is_told_the_case_changed(operator):
    from cases.services import CaseChanged

    case = register_case(operator)
    case_transition(case_id=case.pk, name="start_assessment", by=operator, expected_version=1)
    with pytest.raises(CaseChanged, match="gewijzigd"):
        case_transition(case_id=case.pk, name="start_assessment", by=operator, expected_version=1)


def test_the_assessment_step_cannot_be_completed_without_a_decided_assessment(operator):
    case = register_case(operator)
    case_transition(case_id=case.pk, name="start_assessment", by=operator, expected_version=None)
    assert_refused_and_unchanged(
        case,
        lambda: case_mark_assessment_complete(
            case_id=case.pk, by=operator, assessment=assessment_completed
        ),
        "nog niet afgerond",
    )
