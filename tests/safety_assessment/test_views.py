"""The assessment screen, the acute protocol, proposing, the approvals queue and the
overdue list, through the pages (logged in with password and TOTP)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, SafetyActionKind, State
from cases.services import case_safety_action_record
from privacy.models import AccessLogEntry
from safety_assessment import services
from safety_assessment.models import Assessment, DecisionProposal
from tests.conftest import log_in_fully
from tests.safety_assessment.conftest import vt_answers

pytestmark = pytest.mark.django_db


def page_url(case) -> str:
    return reverse("safety_assessment:case_assessment", kwargs={"case_id": case.pk})


def form_url(case, slug="veilig-thuis") -> str:
    return reverse(
        "safety_assessment:assessment_form", kwargs={"case_id": case.pk, "instrument_slug": slug}
    )


def posted(action="decide", **risks) -> dict:
    data = {
        name: ("yes" if value is True else "no" if value is False else str(value))
        for name, value in vt_answers(**risks).items()
    }
    data["action"] = action
    return data


def logged(user, case, *, allowed=True) -> bool:
    return AccessLogEntry.objects.filter(
        actor_id=user.pk, target_type="cases.case", target_id=str(case.pk), allowed=allowed
    ).exists()


# --- the assessment screen ------------------------------------------------------------------


def test_the_assessment_page_opens_on_section_a_and_logs_the_view(case, operator, operator_client):
    response = operator_client.get(page_url(case))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("A. Acute onveiligheid") < html.index("B. Structurele onveiligheid")
    assert "nog 5 werkdagen" in html
    assert logged(operator, case)


def test_an_operator_decides_and_sees_the_explanation_in_words(case, operator_client):
    response = operator_client.post(form_url(case), posted(b_repeated=True), follow=True)
    html = response.content.decode()
    assert "Uitkomst: Structurele onveiligheid." in html
    assert "herhaald of aanhoudend geweld of verwaarlozing" in html
    assert Assessment.objects.get().level == "structural"
    assert Case.objects.get(pk=case.pk).state == State.DECISION


def test_an_acute_outcome_shows_the_acute_protocol_at_once(case, operator_client):
    response = operator_client.post(form_url(case), posted(a_child_disclosure=True), follow=True)
    html = response.content.decode()
    assert 'id="acute-protocol"' in html
    assert "<strong>112</strong>" in html
    assert "crisisdienst" in html
    assert "tijdelijk huisverbod" in html
    assert "onthulling door een kind" in html
    assert Case.objects.get(pk=case.pk).acute


def test_unanswered_questions_get_an_error_next_to_them_and_nothing_is_saved(case, operator_client):
    data = posted()
    del data["a_weapon"]
    data["b_incidents_12m"] = "veel"
    response = operator_client.post(form_url(case), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_a_weapon_error"' in html
    assert 'id="id_b_incidents_12m_error"' in html
    assert not Assessment.objects.exists()


def test_pressing_enter_keeps_a_draft_instead_of_deciding(case, operator_client):
    data = posted()
    del data["action"]
    response = operator_client.post(form_url(case), data)
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert assessment.decided_at is None
    assert Case.objects.get(pk=case.pk).state == State.SAFETY_ASSESSMENT


def test_an_operator_of_another_team_is_refused_and_logged(case, other_operator):
    client = log_in_fully(Client(), other_operator)
    assert client.get(page_url(case)).status_code == 403
    assert client.post(form_url(case), posted(a_weapon=True)).status_code == 403
    assert logged(other_operator, case, allowed=False)
    assert not Assessment.objects.exists()


def test_an_unknown_case_or_instrument_is_not_found(case, operator_client):
    assert operator_client.get(page_url(Case(pk=999_999))).status_code == 404
    assert operator_client.get(form_url(case, "tarot")).status_code == 404


def test_a_decided_assessment_is_revised_only_as_a_new_version_with_a_reason(case, operator_client):
    operator_client.post(form_url(case), posted())
    response = operator_client.post(form_url(case), posted(a_immediate_danger=True))
    assert response.status_code == 400
    assert 'id="id_change_reason_error"' in response.content.decode()
    data = posted(a_immediate_danger=True)
    data["change_reason"] = "Nieuwe informatie van de politie."
    operator_client.post(form_url(case), data)
    assert list(Assessment.objects.order_by("version").values_list("version", "level")) == [
        (1, "none"),
        (2, "acute"),
    ]


def test_clearing_the_acute_flag_needs_the_action_taken(case, operator_client, operator):
    operator_client.post(form_url(case), posted(a_immediate_danger=True))
    url = reverse("safety_assessment:acute_clear", kwargs={"case_id": case.pk})
    response = operator_client.post(url, {"action_taken": ""})
    assert response.status_code == 400
    assert 'id="id_action_taken_error"' in response.content.decode()
    assert Case.objects.get(pk=case.pk).acute
    # Not before a safety action is recorded with its time (the acute path): refused, shown.
    response = operator_client.post(
        url, {"action_taken": "Politie is ter plaatse geweest."}, follow=True
    )
    assert "Leg eerst de veiligheidsactie vast" in response.content.decode()
    assert Case.objects.get(pk=case.pk).acute
    case_safety_action_record(
        case_id=case.pk, by=operator, kind=SafetyActionKind.POLICE, happened_at=timezone.now()
    )
    operator_client.post(url, {"action_taken": "Politie is ter plaatse geweest."})
    assert not Case.objects.get(pk=case.pk).acute


# --- proposing a decision -------------------------------------------------------------------


def propose_url(case) -> str:
    return reverse("safety_assessment:decision_propose", kwargs={"case_id": case.pk})


@pytest.fixture
def decided_case(case, operator_client) -> Case:
    operator_client.post(form_url(case), posted(b_repeated=True))
    return Case.objects.get(pk=case.pk)


def test_an_operator_proposes_a_decision_after_the_assessment(decided_case, operator_client):
    response = operator_client.post(
        propose_url(decided_case),
        {"decision": "conditions", "reason": "Voorwaarden met ouders afgesproken."},
        follow=True,
    )
    assert "Wacht op goedkeuring" in response.content.decode()
    assert DecisionProposal.objects.get().decision == "conditions"


def test_a_proposal_without_decision_or_reason_shows_errors_and_saves_nothing(
    decided_case, operator_client
):
    response = operator_client.post(propose_url(decided_case), {"decision": "", "reason": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_decision_error"' in html
    assert 'id="id_reason_error"' in html
    assert not DecisionProposal.objects.exists()


def test_a_late_proposal_asks_why_next_to_the_field(decided_case, operator_client):
    Case.objects.filter(pk=decided_case.pk).update(
        assessment_due=timezone.localdate() - datetime.timedelta(days=7)
    )
    response = operator_client.post(
        propose_url(decided_case), {"decision": "conditions", "reason": "Voorwaarden."}
    )
    assert response.status_code == 400
    assert 'id="id_late_reason_error"' in response.content.decode()
    assert not DecisionProposal.objects.exists()


def test_an_operator_of_another_team_cannot_propose(decided_case, other_operator):
    client = log_in_fully(Client(), other_operator)
    response = client.post(
        propose_url(decided_case), {"decision": "advice_close", "reason": "Geen zorgen."}
    )
    assert response.status_code == 403
    assert not DecisionProposal.objects.exists()


# --- the approvals queue --------------------------------------------------------------------


@pytest.fixture
def proposal(decided_case, operator) -> DecisionProposal:
    return services.decision_propose(
        case_id=decided_case.pk,
        decision="handover_local",
        reason="CJG neemt over met veiligheidsvoorwaarden.",
        by=operator,
    )


def test_a_supervisor_sees_the_proposal_in_the_approvals_queue(
    proposal, supervisor, supervisor_client
):
    response = supervisor_client.get(reverse("safety_assessment:approvals"))
    html = response.content.decode()
    assert proposal.case.reference in html
    assert "CJG neemt over met veiligheidsvoorwaarden." in html
    assert "Structurele onveiligheid" in html
    assert logged(supervisor, proposal.case)


def test_a_supervisor_approves_and_the_case_moves_to_the_decision(proposal, supervisor_client):
    url = reverse("safety_assessment:approve", kwargs={"proposal_id": proposal.pk})
    assert supervisor_client.post(url, {"confirmed": "1"}).status_code == 302
    assert Case.objects.get(pk=proposal.case_id).state == State.HANDOVER_LOCAL
    assert DecisionProposal.objects.get().status == "approved"


def test_an_operator_cannot_open_the_queue_or_approve(proposal, operator, operator_client):
    assert operator_client.get(reverse("safety_assessment:approvals")).status_code == 403
    url = reverse("safety_assessment:approve", kwargs={"proposal_id": proposal.pk})
    assert operator_client.post(url).status_code == 403
    assert Case.objects.get(pk=proposal.case_id).state == State.DECISION
    assert AccessLogEntry.objects.filter(actor_id=operator.pk, allowed=False).count() == 2


def test_the_proposer_cannot_approve_their_own_proposal_in_the_queue(
    decided_case, supervisor, supervisor_client
):
    own = services.decision_propose(
        case_id=decided_case.pk, decision="investigation", reason="Onduidelijk.", by=supervisor
    )
    queue = supervisor_client.get(reverse("safety_assessment:approvals")).content.decode()
    assert "Je eigen voorstel" in queue
    assert reverse("safety_assessment:approve", kwargs={"proposal_id": own.pk}) not in queue
    response = supervisor_client.post(
        reverse("safety_assessment:approve", kwargs={"proposal_id": own.pk}), {"confirmed": "1"}
    )
    assert response.status_code == 403
    assert Case.objects.get(pk=decided_case.pk).state == State.DECISION
    assert AccessLogEntry.objects.filter(
        actor_id=supervisor.pk, allowed=False, reason__startswith="case_decide"
    ).exists()


def test_a_rejection_needs_a_reason_shown_next_to_the_field(proposal, supervisor_client):
    url = reverse("safety_assessment:reject", kwargs={"proposal_id": proposal.pk})
    response = supervisor_client.post(url, {"reason": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="reject-reason-{proposal.pk}_error"' in page
    # Listed at the top of the proposal too, as a link to its box.
    assert f'href="#reject-reason-{proposal.pk}"' in page
    assert DecisionProposal.objects.get().status == "proposed"


def test_a_rejection_goes_back_to_the_proposer_with_the_reason(
    proposal, supervisor_client, operator_client
):
    url = reverse("safety_assessment:reject", kwargs={"proposal_id": proposal.pk})
    supervisor_client.post(url, {"reason": "Eerst het gezin zelf spreken."})
    page = operator_client.get(page_url(proposal.case)).content.decode()
    assert "Teruggestuurd: Eerst het gezin zelf spreken." in page
    assert f'action="{propose_url(proposal.case)}"' in page


# --- the overdue list -------------------------------------------------------------------------


def test_supervisors_see_overdue_assessments_with_the_working_days_late(
    case, operator, supervisor_client
):
    from tests.safety_assessment.conftest import register_case

    on_time = register_case(operator)
    Case.objects.filter(pk=case.pk).update(assessment_due=datetime.date(2026, 11, 2))
    response = supervisor_client.get(reverse("safety_assessment:overdue"))
    html = response.content.decode()
    assert case.reference in html
    assert on_time.reference not in html
    late = Case.objects.get(pk=case.pk).working_days_left()
    assert f"{-late} werkdagen" in html


def test_operators_do_not_get_the_overdue_list(operator_client):
    assert operator_client.get(reverse("safety_assessment:overdue")).status_code == 403
