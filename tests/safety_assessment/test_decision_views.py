"""The decision screens of issue 16: the proposal screen warns before a decision milder than
the assessment, a medical question can be marked, and approving asks for confirmation (a
page of its own, without script) before anything changes."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts import roles
from cases.models import Case, State
from privacy.models import AccessLogEntry
from safety_assessment import services
from safety_assessment.models import DecisionProposal
from tests.conftest import log_in_fully, make_staff
from tests.safety_assessment.conftest import vt_answers

pytestmark = pytest.mark.django_db

LOWERING = "Slachtoffer verblijft bij haar zus; politie heeft de pleger aangehouden."


def assessed(case, by, **risks) -> Case:
    services.assessment_decide(
        case_id=case.pk, instrument_slug="veilig-thuis", answers=vt_answers(**risks), by=by
    )
    case.refresh_from_db()
    return case


def page_url(case) -> str:
    return reverse("safety_assessment:case_assessment", kwargs={"case_id": case.pk})


def propose_url(case) -> str:
    return reverse("safety_assessment:decision_propose", kwargs={"case_id": case.pk})


def approve_url(proposal) -> str:
    return reverse("safety_assessment:approve", kwargs={"proposal_id": proposal.pk})


@pytest.fixture
def gedragswetenschapper(db):
    return make_staff("gwen", roles.GEDRAGSWETENSCHAPPER)


@pytest.fixture
def gw_client(gedragswetenschapper) -> Client:
    return log_in_fully(Client(), gedragswetenschapper)


@pytest.fixture
def acute_case(case, operator) -> Case:
    return assessed(case, operator, a_strangulation=True, a_perpetrator_access=True)


# --- the proposal screen --------------------------------------------------------------------


def test_the_proposal_screen_warns_before_submitting_when_the_assessment_found_acute_unsafety(
    acute_case, operator_client, gedragswetenschapper
):
    html = operator_client.get(page_url(acute_case)).content.decode()
    assert 'id="decision-warning"' in html
    assert "vond acute of structurele onveiligheid" in html
    # Read out with the decision field, before anything is sent.
    assert 'aria-describedby="decision-warning"' in html
    assert "Een gedragswetenschapper keurt het besluit goed" in html


def test_the_proposal_screen_has_no_warning_when_the_assessment_found_no_unsafety(
    case, operator, operator_client
):
    html = operator_client.get(page_url(assessed(case, operator))).content.decode()
    assert 'id="decision-warning"' not in html
    # No gedragswetenschapper in the region yet: the screen says who approves instead.
    assert "Een teamleider keurt het besluit goed" in html


def test_a_medical_question_is_marked_when_proposing(acute_case, operator_client):
    response = operator_client.post(
        propose_url(acute_case),
        {"decision": "investigation", "reason": "Letsel laten duiden.", "medical_question": "on"},
    )
    assert response.status_code == 302
    assert DecisionProposal.objects.get().medical_question is True


def test_a_proposal_without_a_decision_shows_the_error_and_saves_nothing(
    acute_case, operator_client
):
    response = operator_client.post(
        propose_url(acute_case), {"decision": "", "reason": "x", "medical_question": "on"}
    )
    assert response.status_code == 400
    assert 'id="id_decision_error"' in response.content.decode()
    assert not DecisionProposal.objects.exists()


def test_a_partner_cannot_propose_and_the_refusal_is_logged(acute_case):
    partner = make_staff("piet", roles.PARTNER)
    client = log_in_fully(Client(), partner)
    response = client.post(propose_url(acute_case), {"decision": "investigation", "reason": "x"})
    assert response.status_code == 403
    assert not DecisionProposal.objects.exists()
    assert AccessLogEntry.objects.filter(actor_id=partner.pk, allowed=False).exists()


# --- approving: confirm first -----------------------------------------------------------------


@pytest.fixture
def advice_on_acute(acute_case, operator) -> DecisionProposal:
    return services.decision_propose(
        case_id=acute_case.pk, decision="advice_close", reason="Wil geen hulp.", by=operator
    )


def test_the_first_approve_post_changes_nothing_and_shows_what_will_happen(
    advice_on_acute, gw_client
):
    response = gw_client.post(approve_url(advice_on_acute))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Besluit goedkeuren?" in html
    assert "Het dossier wordt gesloten." in html
    assert "1 kind" in html
    assert 'name="confirmed" value="1"' in html
    assert 'id="lowering-reason"' in html
    assert DecisionProposal.objects.get().status == "proposed"
    assert Case.objects.get(pk=advice_on_acute.case_id).state == State.DECISION


def test_confirming_advice_on_acute_without_the_reason_shows_the_error_and_saves_nothing(
    advice_on_acute, gw_client
):
    response = gw_client.post(approve_url(advice_on_acute), {"confirmed": "1"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="lowering-reason_error"' in html
    assert DecisionProposal.objects.get().status == "proposed"
    assert Case.objects.get(pk=advice_on_acute.case_id).state == State.DECISION


def test_confirming_with_the_reason_closes_and_the_case_page_shows_the_reason(
    advice_on_acute, gw_client
):
    response = gw_client.post(
        approve_url(advice_on_acute), {"confirmed": "1", "lowering_reason": LOWERING}
    )
    assert response.status_code == 302
    case = Case.objects.get(pk=advice_on_acute.case_id)
    assert case.state == State.CLOSED
    assert LOWERING in gw_client.get(f"/cases/{case.pk}/").content.decode()
    assert LOWERING in gw_client.get(page_url(case)).content.decode()


def test_a_teamleider_is_refused_at_the_first_approve_post_where_a_gedragswetenschapper_works(
    advice_on_acute, supervisor, supervisor_client, gedragswetenschapper
):
    queue = supervisor_client.get(reverse("safety_assessment:approvals")).content.decode()
    assert "Dit besluit keurt een gedragswetenschapper goed." in queue
    assert approve_url(advice_on_acute) not in queue
    response = supervisor_client.post(approve_url(advice_on_acute))
    assert response.status_code == 403
    assert DecisionProposal.objects.get().status == "proposed"
    assert AccessLogEntry.objects.filter(
        actor_id=supervisor.pk, allowed=False, reason__startswith="decision_approve_check"
    ).exists()


def test_an_operator_cannot_approve_where_a_gedragswetenschapper_must_and_is_logged(
    advice_on_acute, other_operator, gedragswetenschapper
):
    client = log_in_fully(Client(), other_operator)
    response = client.post(approve_url(advice_on_acute), {"confirmed": "1"})
    assert response.status_code == 403
    assert DecisionProposal.objects.get().status == "proposed"
    assert AccessLogEntry.objects.filter(actor_id=other_operator.pk, allowed=False).exists()
