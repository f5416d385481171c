"""Assessments, the acute path and four-eyes decisions, through the service functions."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.models import Case, SafetyActionKind, State
from cases.services import TransitionRefused, case_safety_action_record
from events.models import OutboxEvent
from privacy.models import AccessLogEntry
from safety_assessment import services
from safety_assessment.instrument_loader import instrument_get
from safety_assessment.models import Assessment, AssessmentLocked, DecisionProposal
from tests.cases.factories import decide as decide_directly
from tests.safety_assessment.conftest import register_case, vt_answers

pytestmark = pytest.mark.django_db


def decide(case, by, **risks) -> Assessment:
    return services.assessment_decide(
        case_id=case.pk, instrument_slug="veilig-thuis", answers=vt_answers(**risks), by=by
    )


def refusals_of(user) -> list[str]:
    return list(
        AccessLogEntry.objects.filter(actor_id=user.pk, allowed=False).values_list(
            "reason", flat=True
        )
    )


def events(kind: str) -> list[dict]:
    return list(OutboxEvent.objects.filter(kind=kind).values_list("payload", flat=True))


# --- assessments ----------------------------------------------------------------------------


def test_an_operator_saves_a_draft_and_may_change_it_until_it_is_decided(case, operator):
    draft = services.assessment_save_draft(
        case_id=case.pk, instrument_slug="veilig-thuis", answers={"a_weapon": True}, by=operator
    )
    again = services.assessment_save_draft(
        case_id=case.pk, instrument_slug="veilig-thuis", answers={"a_weapon": False}, by=operator
    )
    assert again.pk == draft.pk
    assert Assessment.objects.get(pk=draft.pk).answers == {"a_weapon": False}
    assert not again.is_decided


def test_deciding_records_outcome_assessor_time_and_instrument_version(case, operator):
    assessment = decide(case, operator, b_repeated=True)
    stored = Assessment.objects.get(pk=assessment.pk)
    assert stored.level == "structural"
    assert stored.assessor == operator
    assert stored.decided_at is not None
    assert (stored.instrument_slug, stored.instrument_version) == ("veilig-thuis", "2026.1")
    assert stored.outcome["findings"][0]["answers"] == [["b_repeated", True]]
    assert stored.version == 1


def test_deciding_the_veilig_thuis_assessment_moves_the_case_to_its_decision_step(case, operator):
    decide(case, operator)
    case.refresh_from_db()
    assert case.state == State.DECISION
    assert case.assessment_completed_at is not None


def test_an_incomplete_assessment_is_refused_per_question_and_nothing_is_decided(case, operator):
    answers = vt_answers()
    del answers["a_immediate_danger"]
    with pytest.raises(services.InvalidInput) as invalid:
        services.assessment_decide(
            case_id=case.pk, instrument_slug="veilig-thuis", answers=answers, by=operator
        )
    assert invalid.value.errors == {"a_immediate_danger": "Beantwoord deze vraag."}
    assert not Assessment.objects.exists()
    case.refresh_from_db()
    assert case.state == State.SAFETY_ASSESSMENT


def test_professional_judgement_needs_a_reason(case, operator):
    with pytest.raises(services.InvalidInput) as invalid:
        services.assessment_decide(
            case_id=case.pk,
            instrument_slug="veilig-thuis",
            answers=vt_answers(),
            by=operator,
            judgement_level="structural",
        )
    assert set(invalid.value.errors) == {"judgement_reason"}
    assert not Assessment.objects.exists()


def test_professional_judgement_raises_the_recorded_level(case, operator):
    assessment = services.assessment_decide(
        case_id=case.pk,
        instrument_slug="veilig-thuis",
        answers=vt_answers(),
        by=operator,
        judgement_level="structural",
        judgement_reason="Broertje eerder uit huis geplaatst.",
    )
    assert (assessment.computed_level, assessment.level) == ("none", "structural")


def test_an_operator_of_another_team_is_refused_and_the_refusal_is_logged(case, other_operator):
    with pytest.raises(TransitionRefused):
        decide(case, other_operator, a_weapon=True)
    assert not Assessment.objects.exists()
    assert refusals_of(other_operator) == [
        # Checked inside the case action the assessment is reported to, which logs it.
        "case_mark_assessment_complete: Dit dossier hoort niet bij jouw werk."
    ]


def test_a_decided_assessment_reaches_the_dashboards_as_a_case_change_without_answers(
    case, operator
):
    # Nothing read an "assessment.decided" event (events.catalogue): the case's own event
    # says what the dashboards show, and carries no answers.
    decide(case, operator, b_incidents_12m=3)
    # One case action, one event: the case's, and nothing of the assessment's content.
    (payload,) = [p for p in events("case.changed") if p["action"] == "assessment_decided"]
    case.refresh_from_db()
    assert payload == {
        "action": "assessment_decided",
        "case_id": case.pk,
        "reference": case.reference,
        "state": case.state,
        "case_type": case.case_type,
        "acute": False,
        "assessment_due": case.assessment_due.isoformat(),
        "team_id": case.team_id,
    }


# --- immutability -----------------------------------------------------------------------------


def test_a_decided_assessment_cannot_be_edited_saved_updated_or_deleted(case, operator):
    assessment = decide(case, operator)
    assessment.answers = vt_answers(a_immediate_danger=True)
    assessment.level = "acute"
    with pytest.raises(AssessmentLocked):
        assessment.save()
    with pytest.raises(AssessmentLocked):
        Assessment.objects.filter(pk=assessment.pk).update(level="acute")
    with pytest.raises(AssessmentLocked):
        Assessment.objects.get(pk=assessment.pk).delete()
    with pytest.raises(AssessmentLocked):
        Assessment.objects.all().delete()
    assert Assessment.objects.get(pk=assessment.pk).level == "none"


def test_a_change_is_a_new_version_that_keeps_the_old_one(case, operator):
    first = decide(case, operator)
    with pytest.raises(services.InvalidInput) as invalid:
        decide(case, operator, a_child_disclosure=True)
    assert set(invalid.value.errors) == {"change_reason"}
    second = services.assessment_decide(
        case_id=case.pk,
        instrument_slug="veilig-thuis",
        answers=vt_answers(a_child_disclosure=True),
        by=operator,
        change_reason="Het kind heeft bij de intern begeleider verteld wat er gebeurde.",
    )
    assert (second.version, second.supersedes_id, second.level) == (2, first.pk, "acute")
    kept = Assessment.objects.get(pk=first.pk)
    assert (kept.level, kept.answers) == ("none", vt_answers())
    assert services.assessment_current(case=case, instrument_slug="veilig-thuis") == second


def test_assessing_during_the_intake_call_takes_the_case_through_its_assessment_step(operator):
    case = register_case(operator, start_assessment=False)
    decide(case, operator)
    case.refresh_from_db()
    assert case.state == State.DECISION


def test_the_risk_checklist_does_not_complete_the_assessment_step(case, operator):
    services.assessment_decide(
        case_id=case.pk,
        instrument_slug="risk-checklist",
        answers={
            question.id: False
            for question in instrument_get("risk-checklist").section("R").questions
        }
        | {"r_incidents_12m": 3},
        by=operator,
    )
    case.refresh_from_db()
    assert case.state == State.SAFETY_ASSESSMENT
    assert Assessment.objects.get().level == "high"


# --- the acute path ---------------------------------------------------------------------------


def test_an_acute_outcome_flags_the_case_and_alerts_the_supervisors_on_duty(case, operator):
    decide(case, operator, a_child_disclosure=True)
    case.refresh_from_db()
    assert case.acute
    # The assessment's one event is the alert itself.
    (alert,) = events("acute.alert")
    assert alert["case_id"] == case.pk
    assert (alert["action"], alert["acute"], alert["reason"]) == (
        "assessment_decided",
        True,
        "acute",
    )
    assert OutboxEvent.objects.get(kind="acute.alert").region == case.region


def test_an_outcome_that_is_not_acute_raises_no_alert(case, operator):
    decide(case, operator, b_repeated=True)
    case.refresh_from_db()
    assert not case.acute
    assert events("acute.alert") == []


def test_the_acute_flag_stays_until_the_action_taken_is_recorded(case, operator):
    decide(case, operator, a_immediate_danger=True)
    with pytest.raises(services.InvalidInput) as invalid:
        services.acute_clear(case_id=case.pk, by=operator, action_taken="  ")
    assert set(invalid.value.errors) == {"action_taken"}
    assert Case.objects.get(pk=case.pk).acute
    # Lifting it needs a safety action recorded with its time first (the acute path).
    case_safety_action_record(
        case_id=case.pk, by=operator, kind=SafetyActionKind.POLICE, happened_at=timezone.now()
    )
    services.acute_clear(
        case_id=case.pk, by=operator, action_taken="Politie ter plaatse, tijdelijk huisverbod."
    )
    case.refresh_from_db()
    assert not case.acute
    assert case.acute_action_taken == "Politie ter plaatse, tijdelijk huisverbod."
    # An audit entry with its kind, not a pseudo-transition.
    assert not case.transitions.filter(name="clear_acute").exists()
    assert AccessLogEntry.objects.filter(
        target_type="cases.case", target_id=str(case.pk), reason="acute_cleared", allowed=True
    ).exists()


# --- four eyes --------------------------------------------------------------------------------


@pytest.fixture
def decided_case(case, operator) -> Case:
    decide(case, operator, b_repeated=True)
    case.refresh_from_db()
    return case


def propose(case, by, **extra) -> DecisionProposal:
    return services.decision_propose(
        case_id=case.pk,
        decision="handover_local",
        reason="Gezin wil hulp van het CJG; veiligheidsvoorwaarden afgesproken.",
        by=by,
        **extra,
    )


def test_an_operator_proposes_and_a_supervisor_approves_the_decision(
    decided_case, operator, supervisor
):
    proposal = propose(decided_case, operator)
    assert events("decision.proposed")[0]["decision"] == "handover_local"
    services.decision_approve(proposal_id=proposal.pk, by=supervisor)
    decided_case.refresh_from_db()
    proposal.refresh_from_db()
    assert decided_case.state == State.HANDOVER_LOCAL
    assert decided_case.decision_approved_by == supervisor
    assert (proposal.status, proposal.reviewed_by) == ("approved", supervisor)
    approved = [p for p in events("case.changed") if p["action"] == "decided"]
    assert approved == [
        {
            "action": "decided",
            "case_id": decided_case.pk,
            "reference": decided_case.reference,
            "state": "handover_local",
            "case_type": decided_case.case_type,
            "acute": False,
            "assessment_due": decided_case.assessment_due.isoformat(),
            "team_id": decided_case.team_id,
            "proposal_id": proposal.pk,
        }
    ]


def test_approving_a_decision_writes_exactly_one_event_and_one_access_log_entry(
    decided_case, operator, supervisor
):
    proposal = propose(decided_case, operator)
    events_before = OutboxEvent.objects.count()
    log_before = AccessLogEntry.objects.count()
    services.decision_approve(proposal_id=proposal.pk, by=supervisor)
    assert OutboxEvent.objects.count() == events_before + 1
    assert AccessLogEntry.objects.count() == log_before + 1
    entry = AccessLogEntry.objects.order_by("-seq").first()
    assert entry is not None
    assert (entry.actor_id, entry.reason) == (supervisor.pk, "decided:handover_local")


def test_the_proposer_cannot_approve_their_own_decision(decided_case, supervisor):
    proposal = propose(decided_case, supervisor)
    with pytest.raises(TransitionRefused, match="tweede medewerker"):
        services.decision_approve(proposal_id=proposal.pk, by=supervisor)
    decided_case.refresh_from_db()
    assert decided_case.state == State.DECISION
    assert DecisionProposal.objects.get().status == "proposed"
    # Four eyes is checked once, by the case action, which logs the refusal.
    assert refusals_of(supervisor) == [
        "case_decide: Een tweede medewerker moet het besluit goedkeuren."
    ]


def test_an_operator_cannot_approve_a_decision(decided_case, operator, other_operator):
    proposal = propose(decided_case, operator)
    with pytest.raises(TransitionRefused, match="Alleen een gedragswetenschapper"):
        services.decision_approve(proposal_id=proposal.pk, by=other_operator)
    with pytest.raises(TransitionRefused, match="Alleen een gedragswetenschapper"):
        services.decision_reject(proposal_id=proposal.pk, by=other_operator, reason="Nee.")
    decided_case.refresh_from_db()
    assert decided_case.state == State.DECISION
    assert len(refusals_of(other_operator)) == 2


def test_the_database_itself_refuses_a_reviewer_who_proposed(decided_case, supervisor):
    proposal = propose(decided_case, supervisor)
    with pytest.raises(IntegrityError), transaction.atomic():
        DecisionProposal.objects.filter(pk=proposal.pk).update(reviewed_by=supervisor)


def test_a_rejection_goes_back_to_the_proposer_with_the_reason(decided_case, operator, supervisor):
    proposal = propose(decided_case, operator)
    services.decision_reject(
        proposal_id=proposal.pk, by=supervisor, reason="Eerst de school spreken."
    )
    proposal.refresh_from_db()
    decided_case.refresh_from_db()
    assert (proposal.status, proposal.review_reason) == ("rejected", "Eerst de school spreken.")
    assert decided_case.state == State.DECISION
    assert events("decision.rejected")[0]["proposal_id"] == proposal.pk
    # The proposer can propose again.
    assert propose(decided_case, operator).status == "proposed"


def test_a_rejection_without_a_reason_is_refused_and_changes_nothing(
    decided_case, operator, supervisor
):
    proposal = propose(decided_case, operator)
    with pytest.raises(services.InvalidInput) as invalid:
        services.decision_reject(proposal_id=proposal.pk, by=supervisor, reason=" ")
    assert set(invalid.value.errors) == {"reason"}
    assert DecisionProposal.objects.get().status == "proposed"


def test_a_proposal_without_a_decision_or_reason_is_refused(decided_case, operator):
    with pytest.raises(services.InvalidInput) as invalid:
        services.decision_propose(case_id=decided_case.pk, decision="", reason="", by=operator)
    assert set(invalid.value.errors) == {"decision", "reason"}
    assert not DecisionProposal.objects.exists()


def test_only_one_proposal_waits_for_approval_at_a_time(decided_case, operator, supervisor):
    propose(decided_case, operator)
    with pytest.raises(TransitionRefused, match="al een besluit"):
        propose(decided_case, supervisor)


def test_a_proposal_already_approved_cannot_be_approved_again(
    decided_case, operator, supervisor, second_supervisor
):
    proposal = propose(decided_case, operator)
    services.decision_approve(proposal_id=proposal.pk, by=supervisor)
    with pytest.raises(TransitionRefused, match="al beoordeeld"):
        services.decision_reject(proposal_id=proposal.pk, by=second_supervisor, reason="Toch niet")


def test_a_supervisor_proposal_is_approved_by_a_second_supervisor(
    decided_case, supervisor, second_supervisor
):
    proposal = propose(decided_case, supervisor)
    services.decision_approve(proposal_id=proposal.pk, by=second_supervisor)
    decided_case.refresh_from_db()
    assert decided_case.decision_approved_by == second_supervisor


# --- the state machine needs an assessment ----------------------------------------------------


def test_no_decision_can_be_proposed_before_the_assessment_is_decided(case, operator):
    services.assessment_save_draft(
        case_id=case.pk, instrument_slug="veilig-thuis", answers={}, by=operator
    )
    with pytest.raises(TransitionRefused, match="na de vastgestelde veiligheidsbeoordeling"):
        propose(case, operator)
    assert not DecisionProposal.objects.exists()


def test_the_case_cannot_move_to_a_decision_without_an_approved_assessment(
    case, operator, supervisor
):
    # Straight to the state machine, skipping the assessment: refused.
    with pytest.raises(TransitionRefused):
        decide_directly(
            case_id=case.pk,
            decision="advice_close",
            reason="Niets aan de hand.",
            by=supervisor,
            proposed_by=operator,
        )
    case.refresh_from_db()
    assert (case.state, case.decision) == (State.SAFETY_ASSESSMENT, "")


# --- deadlines ------------------------------------------------------------------------------


def test_a_late_proposal_must_say_why_it_is_late(decided_case, operator, supervisor):
    Case.objects.filter(pk=decided_case.pk).update(
        assessment_due=timezone.localdate() - datetime.timedelta(days=1)
    )
    with pytest.raises(services.InvalidInput) as invalid:
        propose(decided_case, operator)
    assert set(invalid.value.errors) == {"late_reason"}
    proposal = propose(decided_case, operator, late_reason="Gezin pas na drie pogingen bereikt.")
    services.decision_approve(proposal_id=proposal.pk, by=supervisor)
    assert DecisionProposal.objects.get().late_reason == "Gezin pas na drie pogingen bereikt."


def test_a_proposal_that_becomes_late_before_approval_needs_the_reason_from_the_approver(
    decided_case, operator, supervisor
):
    proposal = propose(decided_case, operator)
    Case.objects.filter(pk=decided_case.pk).update(
        assessment_due=timezone.localdate() - datetime.timedelta(days=1)
    )
    with pytest.raises(services.InvalidInput):
        services.decision_approve(proposal_id=proposal.pk, by=supervisor)
    services.decision_approve(
        proposal_id=proposal.pk, by=supervisor, late_reason="Supervisor ziek, geen vervanging."
    )
    assert DecisionProposal.objects.get().status == "approved"


# --- destruction ------------------------------------------------------------------------------


def test_destroying_the_case_file_takes_its_assessments_and_proposals_with_it(
    decided_case, operator, supervisor
):
    from privacy.services import record_destroy

    services.assessment_decide(
        case_id=decided_case.pk,
        instrument_slug="veilig-thuis",
        answers=vt_answers(b_repeated=True, b_escalation=True),
        by=operator,
        change_reason="Escalatie bekend geworden.",
    )
    proposal = propose(decided_case, operator)
    services.decision_approve(proposal_id=proposal.pk, by=supervisor)
    decided_case.refresh_from_db()
    assert decided_case.state == State.HANDOVER_LOCAL
    assert Assessment.objects.count() == 2
    Case.objects.filter(pk=decided_case.pk).update(state=State.CLOSED, closed_at=timezone.now())
    record_destroy(
        target_type="cases.case",
        target_id=decided_case.pk,
        reason="unfounded_on_request",
        by=supervisor,
    )
    assert not Case.objects.filter(pk=decided_case.pk).exists()
    assert not Assessment.objects.exists()
    assert not DecisionProposal.objects.exists()
