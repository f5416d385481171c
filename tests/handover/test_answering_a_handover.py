"""One truth for a handover: a partner's answer moves the Handover and the case together,
in one case action, through the inbox, the partner API or staff recording a phone answer."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.codes import Decision
from cases.models import State
from handover.models import Handover
from handover.services import HandoverError, handover_accept
from privacy.models import AccessLogEntry
from tests.handover.conftest import decided_case, handed_over
from tests.handover.test_partner_api import PartnerSystem, accept_path

pytestmark = pytest.mark.django_db


def answer_url(handover: Handover) -> str:
    return reverse("handover:case_handover_answer", args=[handover.case_id, handover.pk])


@pytest.fixture
def police_handover(operator, supervisor) -> Handover:
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    return handed_over(
        case, operator, "politie-den-haag", override_reason="De politie pakt dit op."
    )


def test_accepting_in_the_partner_inbox_moves_the_case_and_the_handover_together(
    operator, supervisor, cjg_client, cjg_partner
):
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    handover = handed_over(case, operator)
    response = cjg_client.post(reverse("partner:accept", args=[handover.pk]))
    assert response.status_code == 302
    handover.refresh_from_db()
    case.refresh_from_db()
    assert (handover.status, handover.decided_by, handover.decided_via) == (
        Handover.Status.ACCEPTED,
        cjg_partner,
        "inbox",
    )
    assert case.state == State.MONITORING
    step = case.transitions.get(name="accept_handover")
    assert (step.by, step.by_system) == (cjg_partner, "")
    (entry,) = AccessLogEntry.objects.filter(reason__startswith="handover_accepted")
    assert (entry.actor_id, entry.target_id) == (cjg_partner.pk, str(case.pk))


def test_a_partner_systems_answer_is_recorded_in_the_partners_name(operator, supervisor, jbw):
    case = decided_case(operator, supervisor, Decision.HANDOVER_JBW)
    handover = handed_over(
        case, operator, "jeugdbescherming-west", answers={"measure_in_force": True}
    )
    response = PartnerSystem(jbw).post(accept_path(handover), idempotency_key="jbw-1")
    assert response.status_code == 200
    handover.refresh_from_db()
    case.refresh_from_db()
    assert (handover.status, handover.decided_by, handover.decided_via) == (
        Handover.Status.ACCEPTED,
        None,
        "api",
    )
    assert case.state == State.CLOSED
    # Not the member of staff who handed over: the organisation itself.
    step = case.transitions.get(name="accept_handover_jbw")
    assert (step.by, step.by_system) == (None, "partner:jeugdbescherming-west")
    (entry,) = AccessLogEntry.objects.filter(reason__startswith="handover_accepted")
    assert (entry.actor_id, entry.on_behalf_of, entry.role) == (
        None,
        "jeugdbescherming-west",
        "partner-api",
    )


def test_staff_record_a_phone_partners_acceptance_with_the_name_of_who_accepted(
    operator, operator_client, police_handover
):
    response = operator_client.post(
        answer_url(police_handover), {"answer": "accept", "answered_by_name": "Inspecteur Bakker"}
    )
    assert response.status_code == 302
    police_handover.refresh_from_db()
    case = police_handover.case
    case.refresh_from_db()
    assert police_handover.status == Handover.Status.ACCEPTED
    assert (police_handover.answered_by_name, police_handover.recorded_by) == (
        "Inspecteur Bakker",
        operator,
    )
    assert (police_handover.decided_via, police_handover.decided_by) == ("phone", None)
    assert case.state == State.MONITORING
    assert case.transitions.get(name="accept_handover").by == operator


def test_staff_record_a_phone_partners_refusal_with_its_reason(operator_client, police_handover):
    response = operator_client.post(
        answer_url(police_handover),
        {"answer": "reject", "answered_by_name": "Agent De Vries", "reason": "Geen zaak."},
    )
    assert response.status_code == 302
    police_handover.refresh_from_db()
    police_handover.case.refresh_from_db()
    assert police_handover.status == Handover.Status.REJECTED
    assert police_handover.answered_by_name == "Agent De Vries"
    assert police_handover.case.state == State.DECISION


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"answer": "accept", "answered_by_name": " "}, "answered_by_name"),
        ({"answer": "reject", "answered_by_name": "Agent De Vries"}, "reason"),
    ],
)
def test_a_phone_answer_without_the_name_or_the_reason_is_an_error_and_saves_nothing(
    operator_client, police_handover, data, field
):
    response = operator_client.post(answer_url(police_handover), data)
    assert response.status_code == 400
    assert field in response.context["answer_form"].errors
    police_handover.refresh_from_db()
    assert police_handover.status == Handover.Status.PENDING
    assert police_handover.case.state == State.HANDOVER_LOCAL


def test_the_service_refuses_a_phone_answer_without_a_name(operator, police_handover):
    with pytest.raises(HandoverError) as refusal:
        handover_accept(
            handover_id=police_handover.pk,
            organisation=police_handover.organisation,
            by=operator,
            via="phone",
        )
    assert refusal.value.field == "answered_by_name"
    police_handover.refresh_from_db()
    assert police_handover.status == Handover.Status.PENDING


def test_a_partner_of_another_organisation_is_refused_and_the_refusal_logged(
    operator, supervisor, cjg, jbw_partner
):
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    handover = handed_over(case, operator)
    with pytest.raises(HandoverError):
        handover_accept(handover_id=handover.pk, organisation=cjg, by=jbw_partner, via="inbox")
    handover.refresh_from_db()
    case.refresh_from_db()
    assert handover.status == Handover.Status.PENDING
    assert case.state == State.HANDOVER_LOCAL
    assert AccessLogEntry.objects.filter(
        actor_id=jbw_partner.pk, allowed=False, target_id=str(handover.pk)
    ).exists()


def test_an_operator_without_rights_to_the_case_cannot_record_an_answer(
    other_operator, police_handover
):
    from django.test import Client

    from tests.conftest import log_in_fully

    client = log_in_fully(Client(), other_operator)
    response = client.post(
        answer_url(police_handover), {"answer": "accept", "answered_by_name": "Bakker"}
    )
    assert response.status_code in (403, 404)
    police_handover.refresh_from_db()
    assert police_handover.status == Handover.Status.PENDING
    assert AccessLogEntry.objects.filter(actor_id=other_operator.pk, allowed=False).exists()


def test_a_partner_user_cannot_record_a_phone_answer(cjg_client, police_handover):
    response = cjg_client.post(
        answer_url(police_handover), {"answer": "accept", "answered_by_name": "Bakker"}
    )
    assert response.status_code == 403
    police_handover.refresh_from_db()
    assert police_handover.status == Handover.Status.PENDING


def test_the_handover_page_offers_the_answer_form_only_for_an_open_handover(
    operator_client, police_handover
):
    page = reverse("handover:case_handover", args=[police_handover.case_id])
    assert answer_url(police_handover) in operator_client.get(page).content.decode()
    operator_client.post(
        answer_url(police_handover), {"answer": "accept", "answered_by_name": "Bakker"}
    )
    assert answer_url(police_handover) not in operator_client.get(page).content.decode()
