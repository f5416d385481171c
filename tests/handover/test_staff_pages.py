"""Staff pages: handing a case over, escalated handovers, monitoring tasks, createstaff."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import User
from cases.codes import Decision
from cases.models import Case, MonitoringContact, State
from handover.models import Handover, MonitoringResult, PartnerMembership
from handover.services import handover_accept, handovers_escalate
from privacy.models import AccessLogEntry
from tests.handover.conftest import decided_case, handed_over

pytestmark = pytest.mark.django_db


def handover_form(**overrides) -> dict:
    data = {
        "upbringing_questions": "on",
        "organisation": "cjg-den-haag",
        "override_reason": "",
        "safety_conditions": "Geen geweld in het bijzijn van de kinderen\nOuders nemen hulp aan",
        "facts_for_receiver": "Twee kinderen; moeder wil hulp.",
        # The second POST, from the confirmation page.
        "confirmed": "1",
    }
    data.update(overrides)
    return data


# --- handing over --------------------------------------------------------------------------


def test_the_handover_page_proposes_a_destination_with_its_reason(
    operator_client, operator, supervisor
):
    case = decided_case(operator, supervisor, Decision.HANDOVER_JBW)
    response = operator_client.get(reverse("handover:case_handover", args=[case.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Jeugdbescherming West" in page
    assert "Er geldt een kinderbeschermingsmaatregel" in page


def test_staff_hand_a_case_over_from_the_page(operator_client, operator, supervisor):
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    response = operator_client.post(
        reverse("handover:case_handover", args=[case.pk]), handover_form()
    )
    assert response.status_code == 302
    handover = Handover.objects.get(case=case)
    assert handover.rule_id == "upbringing_questions"
    assert handover.package["safety_conditions"] == [
        "Geen geweld in het bijzijn van de kinderen",
        "Ouders nemen hulp aan",
    ]


def test_handing_over_asks_for_confirmation_first_and_saves_nothing_until_then(
    operator_client, operator, supervisor
):
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    url = reverse("handover:case_handover", args=[case.pk])
    response = operator_client.post(url, handover_form(confirmed=""))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Overdragen?" in page and "Ja, overdragen" in page
    assert "Ouders nemen hulp aan" in page  # what goes with it, to check before sending
    assert not Handover.objects.exists()
    # The confirmation page carries the form on; confirming hands over once.
    assert 'name="organisation" value="cjg-den-haag"' in page
    assert operator_client.post(url, handover_form()).status_code == 302
    assert Handover.objects.filter(case=case).count() == 1


def test_after_handing_over_the_page_shows_the_handover_and_its_status_not_the_form(
    operator_client, operator, supervisor
):
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    handed_over(case, operator, "cjg-den-haag")
    page = operator_client.get(reverse("handover:case_handover", args=[case.pk])).content.decode()
    assert "Overgedragen: wacht op antwoord" in page
    assert "Centrum Jeugd en Gezin Den Haag" in page or "cjg" in page.lower()
    # A further handover to another organisation is tucked away, not offered first.
    assert "Ook overdragen aan een andere organisatie" in page


def test_before_a_decision_the_handover_page_says_why_it_cannot_act_and_what_comes_first(
    operator_client, operator
):
    from tests.cases.factories import register_case

    case = register_case(operator)
    page = operator_client.get(reverse("handover:case_handover", args=[case.pk])).content.decode()
    assert "Nog niet over te dragen" in page
    assert "besluit tot overdracht" in page
    assert "Overdragen…" not in page


def test_previewing_the_proposal_saves_nothing(operator_client, operator, supervisor):
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    response = operator_client.post(
        reverse("handover:case_handover", args=[case.pk]),
        {"perpetrator_seeks_help": "on", "preview": "1"},
    )
    assert response.status_code == 200
    assert "plegerhulp via het wijkteam" in response.content.decode()
    assert not Handover.objects.exists()


def test_choosing_otherwise_without_a_reason_shows_the_error_next_to_the_field(
    operator_client, operator, supervisor
):
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    response = operator_client.post(
        reverse("handover:case_handover", args=[case.pk]),
        # Before the confirmation page: it is not asked for in vain.
        handover_form(organisation="wijkteams-den-haag", confirmed=""),
    )
    assert response.status_code == 400
    assert 'id="id_override_reason_error"' in response.content.decode()
    assert not Handover.objects.exists()


def test_a_handover_without_safety_conditions_shows_the_error_next_to_the_field(
    operator_client, operator, supervisor
):
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    response = operator_client.post(
        reverse("handover:case_handover", args=[case.pk]), handover_form(safety_conditions="")
    )
    assert response.status_code == 400
    assert 'id="id_safety_conditions_error"' in response.content.decode()
    assert not Handover.objects.exists()


def test_staff_outside_need_to_know_cannot_hand_a_case_over_and_it_is_logged(
    operator, other_operator, supervisor
):
    from django.test import Client

    from tests.conftest import log_in_fully

    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    client = log_in_fully(Client(), other_operator)
    response = client.post(reverse("handover:case_handover", args=[case.pk]), handover_form())
    assert response.status_code == 403
    assert not Handover.objects.exists()
    assert AccessLogEntry.objects.filter(
        target_type="cases.case", target_id=str(case.pk), allowed=False
    ).exists()


def test_a_partner_cannot_use_the_staff_handover_page(cjg_client, operator, supervisor):
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    response = cjg_client.get(reverse("handover:case_handover", args=[case.pk]))
    assert response.status_code == 403


def test_supervisors_see_escalated_handovers(supervisor_client, operator, supervisor):
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    handover = handed_over(case, operator)
    handovers_escalate(today=handover.accept_due + datetime.timedelta(days=1))
    response = supervisor_client.get(reverse("handover:escalated"))
    assert response.status_code == 200
    assert case.reference in response.content.decode()


def test_operators_are_refused_the_escalation_list(operator_client):
    assert operator_client.get(reverse("handover:escalated")).status_code == 403


# --- monitoring ------------------------------------------------------------------------------


def first_contact(case: Case) -> MonitoringContact:
    contact = MonitoringContact.objects.filter(case=case).first()
    assert contact is not None
    return contact


@pytest.fixture
def monitored(operator, supervisor, cjg):
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    handover = handed_over(case, operator)
    handover_accept(handover_id=handover.pk, organisation=cjg, by=None, via="api")
    return case


def test_monitoring_contacts_are_tasks_with_due_dates(operator_client, monitored):
    response = operator_client.get(reverse("monitoring:list"))
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count(monitored.reference) == 3
    assert "3 maanden na overdracht" in page


def test_a_safe_monitoring_contact_is_done_and_the_case_stays_in_monitoring(
    operator_client, monitored
):
    first = first_contact(monitored)
    response = operator_client.post(
        reverse("monitoring:contact", args=[first.pk]), {"outcome": "safe", "note": ""}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    monitored.refresh_from_db()
    assert first.done_at is not None
    assert first.result.outcome == MonitoringResult.Outcome.SAFE
    assert monitored.state == State.MONITORING


def test_an_unsafe_monitoring_contact_reopens_the_case(operator_client, monitored):
    first = first_contact(monitored)
    response = operator_client.post(
        reverse("monitoring:contact", args=[first.pk]),
        {"outcome": "unsafe", "note": "Nieuwe incidenten; vader weer thuis."},
    )
    assert response.status_code == 302
    monitored.refresh_from_db()
    assert monitored.state == State.INTAKE
    outcomes = set(
        MonitoringResult.objects.filter(contact__case=monitored).values_list("outcome", flat=True)
    )
    assert outcomes == {"unsafe", "cancelled"}
    assert (
        "Geen monitoringcontacten te doen."
        in operator_client.get(reverse("monitoring:list")).content.decode()
    )


def test_an_unsafe_outcome_needs_a_note_and_changes_nothing_without_one(operator_client, monitored):
    first = first_contact(monitored)
    response = operator_client.post(
        reverse("monitoring:contact", args=[first.pk]), {"outcome": "unsafe", "note": ""}
    )
    assert response.status_code == 400
    assert 'id="id_note_error"' in response.content.decode()
    monitored.refresh_from_db()
    assert monitored.state == State.MONITORING
    assert not MonitoringResult.objects.exists()


def test_a_monitoring_contact_without_an_outcome_is_refused(operator_client, monitored):
    first = first_contact(monitored)
    response = operator_client.post(reverse("monitoring:contact", args=[first.pk]), {})
    assert response.status_code == 400
    assert not MonitoringResult.objects.exists()


def test_staff_outside_need_to_know_cannot_record_monitoring_and_it_is_logged(
    other_operator, monitored
):
    from django.test import Client

    from tests.conftest import log_in_fully

    client = log_in_fully(Client(), other_operator)
    first = first_contact(monitored)
    response = client.post(reverse("monitoring:contact", args=[first.pk]), {"outcome": "safe"})
    assert response.status_code == 403
    assert not MonitoringResult.objects.exists()
    assert AccessLogEntry.objects.filter(
        target_type="cases.case", target_id=str(monitored.pk), allowed=False
    ).exists()


def test_a_partner_cannot_see_monitoring(cjg_client):
    assert cjg_client.get(reverse("monitoring:list")).status_code == 403


# --- partner accounts ---------------------------------------------------------------------------


def test_a_partner_is_created_by_createstaff_and_linked_by_partner_member_add(db, capsys):
    call_command("createstaff", "--role", "partner", "--username", "pien", "--no-qr")
    assert "partner_member_add --username pien" in capsys.readouterr().out
    user = User.objects.get(username="pien")
    assert user.role == "partner"
    assert user.stafftotpdevice_set.filter(confirmed=True).exists()
    assert not PartnerMembership.objects.filter(user=user).exists()
    call_command("partner_member_add", "--username", "pien", "--organisation", "cjg-den-haag")
    assert PartnerMembership.objects.get(user=user).organisation.slug == "cjg-den-haag"


def test_partner_member_add_refuses_an_unknown_organisation_and_links_nothing(db):
    call_command("createstaff", "--role", "partner", "--username", "pien", "--no-qr")
    with pytest.raises(CommandError, match="Unknown organisation"):
        call_command("partner_member_add", "--username", "pien", "--organisation", "nergens")
    assert not PartnerMembership.objects.exists()


def test_partner_member_add_refuses_staff_and_unknown_users(db, operator):
    with pytest.raises(CommandError, match="partner role"):
        call_command(
            "partner_member_add", "--username", operator.username, "--organisation", "cjg-den-haag"
        )
    with pytest.raises(CommandError, match="No user"):
        call_command("partner_member_add", "--username", "nobody", "--organisation", "cjg-den-haag")
    assert not PartnerMembership.objects.exists()


def test_partner_api_key_prints_a_key_once(db, capsys):
    call_command("partner_api_key", "jeugdbescherming-west")
    out = capsys.readouterr().out
    assert "Key id: vt_jeugdbescherming-wes" in out
    assert "Secret (shown once): " in out
