"""The partner inbox: own organisation only, accept or reject with a reason, all logged."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cases.codes import Decision
from cases.models import State
from handover.models import Handover
from privacy.models import AccessLogEntry
from tests.handover.conftest import bystander_contact, decided_case, handed_over

pytestmark = pytest.mark.django_db


@pytest.fixture
def handover(operator, supervisor) -> Handover:
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL, contact=bystander_contact())
    return handed_over(case, operator, "cjg-den-haag")


def refusals_for(handover: Handover):
    return AccessLogEntry.objects.filter(
        target_type="handover.handover", target_id=str(handover.pk), allowed=False
    )


def test_a_partner_sees_their_own_organisations_handovers_in_the_inbox(cjg_client, handover):
    response = cjg_client.get(reverse("partner:inbox"))
    assert response.status_code == 200
    assert handover.case.reference in response.content.decode()
    assert AccessLogEntry.objects.filter(reason__startswith="partner inbox cjg-den-haag").exists()


def test_a_partner_does_not_see_another_organisations_handovers_in_the_inbox(jbw_client, handover):
    response = jbw_client.get(reverse("partner:inbox"))
    assert response.status_code == 200
    assert handover.case.reference not in response.content.decode()


def test_a_partner_reads_the_package_and_the_view_is_logged(cjg_client, handover):
    response = cjg_client.get(reverse("partner:handover", args=[handover.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Geen geweld in het bijzijn van de kinderen" in page
    assert "Noor de Vries" in page
    assert "Henk Buurman" not in page
    assert AccessLogEntry.objects.filter(
        target_type="handover.handover", target_id=str(handover.pk), action="view", allowed=True
    ).exists()


def test_a_partner_cannot_open_another_organisations_handover_and_it_is_logged(
    jbw_client, handover, caplog
):
    response = jbw_client.get(reverse("partner:handover", args=[handover.pk]))
    assert response.status_code == 404  # the same as for a missing one
    assert "Noor de Vries" not in response.content.decode()
    assert refusals_for(handover).filter(action="view").exists()
    assert "handover of another organisation" in caplog.text


def test_a_partner_cannot_accept_another_organisations_handover_and_it_is_logged(
    jbw_client, handover
):
    response = jbw_client.post(reverse("partner:accept", args=[handover.pk]))
    assert response.status_code == 404  # the same as for a missing one
    handover.refresh_from_db()
    assert handover.status == Handover.Status.PENDING
    assert refusals_for(handover).filter(action="change").exists()


def test_a_partner_cannot_reject_another_organisations_handover(jbw_client, handover):
    response = jbw_client.post(reverse("partner:reject", args=[handover.pk]), {"reason": "Nee"})
    assert response.status_code == 404  # the same as for a missing one
    handover.refresh_from_db()
    assert handover.status == Handover.Status.PENDING


def test_a_handover_that_does_not_exist_is_not_found(cjg_client):
    assert cjg_client.get(reverse("partner:handover", args=[999999])).status_code == 404


def test_a_partner_accepts_a_handover_and_the_case_goes_into_monitoring(cjg_client, handover):
    response = cjg_client.post(reverse("partner:accept", args=[handover.pk]))
    assert response.status_code == 302
    handover.refresh_from_db()
    handover.case.refresh_from_db()
    assert handover.status == Handover.Status.ACCEPTED
    assert handover.decided_via == "inbox"
    assert handover.case.state == State.MONITORING


def test_a_partner_rejects_a_handover_with_a_reason_and_the_case_returns_to_decision(
    cjg_client, handover
):
    response = cjg_client.post(
        reverse("partner:reject", args=[handover.pk]), {"reason": "Past beter bij het wijkteam."}
    )
    assert response.status_code == 302
    handover.refresh_from_db()
    handover.case.refresh_from_db()
    assert handover.status == Handover.Status.REJECTED
    assert handover.case.state == State.DECISION


def test_a_rejection_without_a_reason_shows_the_error_next_to_the_field(cjg_client, handover):
    response = cjg_client.post(reverse("partner:reject", args=[handover.pk]), {"reason": "  "})
    assert response.status_code == 400
    assert 'id="id_reason_error"' in response.content.decode()
    handover.refresh_from_db()
    assert handover.status == Handover.Status.PENDING


def test_staff_without_the_partner_role_are_refused_the_inbox(operator_client, handover):
    assert operator_client.get(reverse("partner:inbox")).status_code == 403
    assert operator_client.get(reverse("partner:handover", args=[handover.pk])).status_code == 403


def test_a_partner_cannot_open_veilig_thuis_case_pages(cjg_client, handover):
    response = cjg_client.get(reverse("cases:case_detail", args=[handover.case_id]))
    assert response.status_code == 403


def test_a_partner_needs_the_second_factor_like_staff(cjg_partner, handover):
    from tests.conftest import PASSWORD

    client = Client()
    client.post(reverse("accounts:login"), {"username": cjg_partner.username, "password": PASSWORD})
    response = client.get(reverse("partner:inbox"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:token"))


def test_a_partner_logs_in_and_carries_the_partner_role(cjg_partner):
    assert cjg_partner.role == "partner"


def test_a_partners_answer_moves_the_case_in_their_own_name(cjg_client, cjg_partner, handover):
    cjg_client.post(reverse("partner:accept", args=[handover.pk]))
    step = handover.case.transitions.get(name="accept_handover")
    assert step.by == cjg_partner


def test_a_partners_answer_still_counts_when_the_staff_member_who_handed_over_left(
    cjg_client, cjg_partner, handover
):
    handover.created_by.is_active = False
    handover.created_by.save(update_fields=["is_active"])
    response = cjg_client.post(
        reverse("partner:reject", args=[handover.pk]), {"reason": "Geen plek."}
    )
    assert response.status_code == 302
    handover.case.refresh_from_db()
    assert handover.case.state == State.DECISION
    assert handover.case.transitions.get(name="reject_handover").by == cjg_partner
