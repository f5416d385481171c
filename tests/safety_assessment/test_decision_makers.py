"""Who approves which decision (issue 16): the gedragswetenschapper, the vertrouwensarts for a
medical question, the teamleider only while the region has neither; never the proposer; and a
decision milder than the assessment only with a gedragswetenschapper's written reason."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings

from accounts import roles
from cases.models import Case, CaseTransition, State
from cases.services import ReasonRequired, TransitionRefused
from events.models import OutboxEvent
from privacy.models import AccessLogEntry
from safety_assessment import services
from safety_assessment.models import DecisionProposal
from tests.conftest import make_staff
from tests.safety_assessment.conftest import vt_answers

pytestmark = pytest.mark.django_db

LOWERING = "Slachtoffer verblijft bij haar zus; politie heeft de pleger aangehouden."


def assessed(case, by, **risks) -> Case:
    services.assessment_decide(
        case_id=case.pk, instrument_slug="veilig-thuis", answers=vt_answers(**risks), by=by
    )
    case.refresh_from_db()
    return case


def propose(case, by, decision="handover_local", **extra) -> DecisionProposal:
    return services.decision_propose(
        case_id=case.pk, decision=decision, reason="Zo besloten na overleg.", by=by, **extra
    )


def refusals_of(user) -> list[str]:
    return list(
        AccessLogEntry.objects.filter(actor_id=user.pk, allowed=False).values_list(
            "reason", flat=True
        )
    )


@pytest.fixture
def gedragswetenschapper(db):
    return make_staff("gwen", roles.GEDRAGSWETENSCHAPPER)


@pytest.fixture
def vertrouwensarts(db):
    return make_staff("vera", roles.VERTROUWENSARTS)


@pytest.fixture
def structural_case(case, operator) -> Case:
    return assessed(case, operator, b_repeated=True)


@pytest.fixture
def acute_case(case, operator) -> Case:
    # Strangulation while the perpetrator can reach the victim: acute.
    return assessed(case, operator, a_strangulation=True, a_perpetrator_access=True)


# --- who approves -----------------------------------------------------------------------------


def test_a_gedragswetenschapper_approves_a_decision(
    structural_case, operator, gedragswetenschapper
):
    proposal = propose(structural_case, operator)
    services.decision_approve(proposal_id=proposal.pk, by=gedragswetenschapper)
    structural_case.refresh_from_db()
    assert structural_case.state == State.HANDOVER_LOCAL
    assert structural_case.decision_approved_by == gedragswetenschapper


def test_a_teamleider_cannot_approve_where_a_gedragswetenschapper_works_in_the_region(
    structural_case, operator, supervisor, gedragswetenschapper
):
    proposal = propose(structural_case, operator)
    with pytest.raises(TransitionRefused, match="gedragswetenschapper"):
        services.decision_approve(proposal_id=proposal.pk, by=supervisor)
    structural_case.refresh_from_db()
    assert structural_case.state == State.DECISION
    assert DecisionProposal.objects.get().status == "proposed"
    assert refusals_of(supervisor) == [
        "case_decide: Dit besluit keurt een gedragswetenschapper goed."
    ]


def test_an_operator_cannot_approve_where_a_gedragswetenschapper_must(
    structural_case, operator, other_operator, gedragswetenschapper
):
    proposal = propose(structural_case, operator)
    with pytest.raises(TransitionRefused):
        services.decision_approve(proposal_id=proposal.pk, by=other_operator)
    assert Case.objects.get(pk=structural_case.pk).state == State.DECISION
    assert len(refusals_of(other_operator)) == 1


def test_a_teamleider_sends_nothing_back_where_a_gedragswetenschapper_decides(
    structural_case, operator, supervisor, gedragswetenschapper
):
    proposal = propose(structural_case, operator)
    with pytest.raises(TransitionRefused, match="gedragswetenschapper"):
        services.decision_reject(proposal_id=proposal.pk, by=supervisor, reason="Nee.")
    assert DecisionProposal.objects.get().status == "proposed"
    assert len(refusals_of(supervisor)) == 1


def test_a_teamleider_approves_while_the_region_has_no_gedragswetenschapper(
    structural_case, operator, supervisor
):
    proposal = propose(structural_case, operator)
    services.decision_approve(proposal_id=proposal.pk, by=supervisor)
    assert Case.objects.get(pk=structural_case.pk).state == State.HANDOVER_LOCAL


def test_a_gedragswetenschapper_of_another_region_leaves_the_teamleider_the_approval(
    structural_case, operator, supervisor
):
    elsewhere = make_staff("gert", roles.GEDRAGSWETENSCHAPPER)
    elsewhere.region = "utrecht"
    elsewhere.save(update_fields=["region"])
    proposal = propose(structural_case, operator)
    services.decision_approve(proposal_id=proposal.pk, by=supervisor)
    assert Case.objects.get(pk=structural_case.pk).state == State.HANDOVER_LOCAL


def test_an_inactive_gedragswetenschapper_leaves_the_teamleider_the_approval(
    structural_case, operator, supervisor, gedragswetenschapper
):
    gedragswetenschapper.is_active = False
    gedragswetenschapper.save(update_fields=["is_active"])
    proposal = propose(structural_case, operator)
    services.decision_approve(proposal_id=proposal.pk, by=supervisor)
    assert Case.objects.get(pk=structural_case.pk).state == State.HANDOVER_LOCAL


def test_a_medical_question_goes_to_the_vertrouwensarts(
    structural_case, operator, gedragswetenschapper, vertrouwensarts
):
    proposal = propose(structural_case, operator, medical_question=True)
    assert DecisionProposal.objects.get().medical_question is True
    with pytest.raises(TransitionRefused, match="medische vraag"):
        services.decision_approve(proposal_id=proposal.pk, by=gedragswetenschapper)
    services.decision_approve(proposal_id=proposal.pk, by=vertrouwensarts)
    assert Case.objects.get(pk=structural_case.pk).decision_approved_by == vertrouwensarts


def test_a_vertrouwensarts_does_not_approve_what_is_not_a_medical_question(
    structural_case, operator, gedragswetenschapper, vertrouwensarts
):
    proposal = propose(structural_case, operator)
    with pytest.raises(TransitionRefused):
        services.decision_approve(proposal_id=proposal.pk, by=vertrouwensarts)
    assert len(refusals_of(vertrouwensarts)) == 1


@override_settings(DECISION_APPROVERS={"default": ["supervisor"], "medical": ["vertrouwensarts"]})
def test_who_approves_is_a_setting(structural_case, operator, supervisor, gedragswetenschapper):
    proposal = propose(structural_case, operator)
    with pytest.raises(TransitionRefused):
        services.decision_approve(proposal_id=proposal.pk, by=gedragswetenschapper)
    services.decision_approve(proposal_id=proposal.pk, by=supervisor)
    assert Case.objects.get(pk=structural_case.pk).state == State.HANDOVER_LOCAL


def test_the_proposer_never_approves_not_even_as_gedragswetenschapper(
    structural_case, gedragswetenschapper
):
    proposal = propose(structural_case, gedragswetenschapper)
    with pytest.raises(TransitionRefused, match="tweede medewerker"):
        services.decision_approve(proposal_id=proposal.pk, by=gedragswetenschapper)
    assert Case.objects.get(pk=structural_case.pk).state == State.DECISION


# --- a decision milder than the assessment ----------------------------------------------------


def test_advice_on_an_acute_outcome_is_refused_without_the_gedragswetenschappers_reason(
    acute_case, operator, gedragswetenschapper
):
    proposal = propose(acute_case, operator, decision="advice_close")
    with pytest.raises(ReasonRequired) as missing:
        services.decision_approve(proposal_id=proposal.pk, by=gedragswetenschapper)
    assert missing.value.field == "lowering_reason"
    acute_case.refresh_from_db()
    assert (acute_case.state, acute_case.lowering_reason) == (State.DECISION, "")
    assert DecisionProposal.objects.get().status == "proposed"
    assert len(refusals_of(gedragswetenschapper)) == 1


def test_advice_on_an_acute_outcome_is_refused_to_a_teamleider_even_with_a_reason(
    acute_case, operator, supervisor, gedragswetenschapper
):
    proposal = propose(acute_case, operator, decision="advice_close")
    with pytest.raises(TransitionRefused):
        services.decision_approve(proposal_id=proposal.pk, by=supervisor, lowering_reason=LOWERING)
    assert Case.objects.get(pk=acute_case.pk).state == State.DECISION


def test_advice_on_structural_unsafety_goes_ahead_with_the_reason_kept_encrypted_and_in_history(
    structural_case, operator, gedragswetenschapper
):
    proposal = propose(structural_case, operator, decision="advice_close")
    services.decision_approve(
        proposal_id=proposal.pk, by=gedragswetenschapper, lowering_reason=LOWERING
    )
    case = Case.objects.get(pk=structural_case.pk)
    assert case.state == State.CLOSED
    assert (case.lowering_reason, case.lowering_reason_by) == (LOWERING, gedragswetenschapper)
    assert DecisionProposal.objects.get().lowering_reason == LOWERING
    decided = CaseTransition.objects.get(case=case, name="decide")
    assert LOWERING in decided.reason
    with connection.cursor() as cursor:
        cursor.execute("SELECT lowering_reason FROM reports_case WHERE id = %s", [case.pk])
        (stored,) = cursor.fetchone()
    assert stored and LOWERING not in str(stored)  # encrypted at rest
    # Case data never travels in an event.
    payloads = OutboxEvent.objects.values_list("payload", flat=True)
    assert all(LOWERING not in str(payload) for payload in payloads)


def test_advice_where_the_assessment_found_no_unsafety_needs_no_extra_reason(
    case, operator, gedragswetenschapper
):
    quiet = assessed(case, operator)
    proposal = propose(quiet, operator, decision="advice_close")
    services.decision_approve(proposal_id=proposal.pk, by=gedragswetenschapper)
    closed = Case.objects.get(pk=quiet.pk)
    assert (closed.state, closed.lowering_reason) == (State.CLOSED, "")


def test_a_handover_on_an_acute_outcome_needs_no_extra_reason(
    acute_case, operator, gedragswetenschapper
):
    proposal = propose(acute_case, operator)
    services.decision_approve(proposal_id=proposal.pk, by=gedragswetenschapper)
    assert Case.objects.get(pk=acute_case.pk).state == State.HANDOVER_LOCAL
