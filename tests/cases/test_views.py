"""The operator's intake screens: it works, bad input is refused next to the field with
nothing saved, and the wrong person is refused and logged."""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import Case, Contact, Person, State
from privacy.models import AccessLogEntry
from tests.cases.factories import register_case
from tests.conftest import log_in_fully

pytestmark = pytest.mark.django_db


def intake_post(**overrides) -> dict:
    data = {
        "case-case_type": "report",
        "case-acute": "",
        "case-violence_forms": ["partner_violence"],
        "case-account": "Hij slaat haar als hij gedronken heeft.",
        "case-postcode": "2511 AB",
        "case-house_number": "12",
        "contact-channel": "phone",
        "contact-role": "victim",
        "contact-language": "nl",
        "contact-safe_to_talk": "yes",
        "contact-other_person_nearby": "no",
        "contact-children_present": "yes",
        "contact-name": "Sanne",
        "contact-phone": "0612345678",
        "contact-is_reporter": "on",
        "contact-safe_number": "0687654321",
        "contact-safe_window_start": "09:00",
        "contact-safe_window_end": "11:00",
        "people-TOTAL_FORMS": "3",
        "people-INITIAL_FORMS": "0",
        "people-MIN_NUM_FORMS": "0",
        "people-MAX_NUM_FORMS": "20",
        "people-0-role": "victim",
        "people-0-is_child": "child",
        "people-0-name": "Noor",
        "people-0-date_of_birth": "2016-03-01",
        "people-0-bsn": "111222333",
    }
    data.update(overrides)
    return data


def test_an_operator_registers_an_intake_and_lands_on_the_case(operator_client, operator):
    response = operator_client.post("/cases/new/", intake_post())
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/"
    assert case.state == State.INTAKE and case.case_type == "report"
    contact = case.contacts.get()
    assert contact.safety_check == {
        "safe_to_talk": "yes",
        "other_person_nearby": "no",
        "children_present": "yes",
    }
    assert contact.handled_by == operator
    assert case.people.get().bsn == "111222333"
    page = operator_client.get(response["Location"]).content.decode()
    assert case.reference in page
    assert "Hij slaat haar als hij gedronken heeft." in page


def test_the_intake_page_has_labelled_fields_and_role_fieldsets(operator_client):
    page = operator_client.get("/cases/new/").content.decode()
    assert 'data-roles="victim"' in page
    assert '<label for="id_contact-safe_number">Veilig terugbelnummer' in page
    assert "/static/js/intake.js" in page


def test_a_victim_intake_without_the_safety_questions_is_refused_and_nothing_saved(
    operator_client,
):
    response = operator_client.post(
        "/cases/new/", intake_post(**{"contact-safe_to_talk": "", "contact-children_present": ""})
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_contact-safe_to_talk_error"' in page
    assert "Stel eerst de veiligheidsvraag." in page
    assert not Case.objects.exists() and not Contact.objects.exists()


def test_an_anonymous_bystander_report_is_refused_next_to_the_field(operator_client):
    response = operator_client.post(
        "/cases/new/",
        intake_post(**{"contact-role": "bystander", "contact-anonymous": "on"}),
    )
    assert response.status_code == 400
    assert "Voor een melding moet de melder zich bekendmaken." in response.content.decode()
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("people-0-bsn", "123456789", "elfproef"),
        ("case-postcode", "ABCD 12", "geldige postcode"),
        ("contact-phone", "12", "geen geldig telefoonnummer"),
        ("contact-safe_window_end", "", "zowel een begin- als een eindtijd"),
        ("case-violence_forms", [], "minstens één vorm van geweld"),
        ("case-account", "x" * 10_001, "10000"),
    ],
)
def test_bad_input_gets_an_error_next_to_the_field_and_nothing_is_saved(
    operator_client, field, value, message
):
    response = operator_client.post("/cases/new/", intake_post(**{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Case.objects.exists() and not Person.objects.exists()


def test_a_professional_must_give_organisation_and_profession(operator_client):
    response = operator_client.post(
        "/cases/new/",
        intake_post(**{"contact-role": "professional", "contact-email": "a@b.nl"}),
    )
    page = response.content.decode()
    assert "Organisatie is verplicht" in page and "Beroepsgroep is verplicht" in page
    assert not Case.objects.exists()


def test_an_account_with_html_is_shown_escaped(operator_client, operator):
    case = register_case(operator, account='<script>alert("x")</script><b>vet</b>')
    page = operator_client.get(f"/cases/{case.pk}/").content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;vet&lt;/b&gt;" in page


def test_viewing_a_case_is_written_to_the_access_log(operator_client, operator):
    case = register_case(operator)
    operator_client.get(f"/cases/{case.pk}/")
    entry = AccessLogEntry.objects.filter(action="view", target_id=str(case.pk)).get()
    assert entry.actor_id == operator.pk and entry.allowed


def test_an_operator_is_refused_another_teams_case_and_it_is_logged(
    operator_client, other_operator, caplog
):
    theirs = register_case(other_operator)
    with caplog.at_level(logging.WARNING, logger="veiligthuis.security"):
        response = operator_client.get(f"/cases/{theirs.pk}/")
    assert response.status_code == 403
    assert theirs.reference not in response.content.decode()
    refused = AccessLogEntry.objects.get(target_id=str(theirs.pk), allowed=False)
    assert refused.reason == "not need-to-know"
    assert any("case outside need-to-know" in r.getMessage() for r in caplog.records)
    assert theirs.reference not in operator_client.get("/cases/").content.decode()


def test_a_supervisor_sees_every_case_of_the_region(supervisor_client, other_operator):
    theirs = register_case(other_operator)
    assert supervisor_client.get(f"/cases/{theirs.pk}/").status_code == 200


def test_a_case_that_does_not_exist_is_a_404(operator_client):
    assert operator_client.get("/cases/999999/").status_code == 404


def test_someone_without_a_role_is_refused_the_intake(django_user_model):
    from accounts.devices import totp_device_model
    from tests.conftest import PASSWORD

    stranger = django_user_model.objects.create_user("vreemde", password=PASSWORD)
    totp_device_model().objects.create(user=stranger, name="x", confirmed=True)
    client = log_in_fully(Client(), stranger)
    response = client.post("/cases/new/", intake_post())
    assert response.status_code == 403
    assert not Case.objects.exists()
    assert AccessLogEntry.objects.filter(allowed=False, target_id="cases:intake_new").exists()


def test_an_operator_starts_the_assessment_from_the_case_page(operator_client, operator):
    case = register_case(operator)
    response = operator_client.post(
        f"/cases/{case.pk}/step/start_assessment/", {"version": case.version}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.SAFETY_ASSESSMENT


def test_a_stale_page_is_told_to_reload_and_changes_nothing(operator_client, operator):
    case = register_case(operator)
    operator_client.post(f"/cases/{case.pk}/step/start_assessment/", {"version": case.version})
    response = operator_client.post(
        f"/cases/{case.pk}/step/close/",
        {"version": case.version, "reason": "dubbel", "confirmed": "1"},
        follow=True,
    )
    assert "Het dossier is intussen gewijzigd. Laad de pagina opnieuw." in response.content.decode()
    case.refresh_from_db()
    assert case.state == State.SAFETY_ASSESSMENT


def test_a_refused_step_shows_why(operator_client, operator):
    case = register_case(operator)
    response = operator_client.post(
        f"/cases/{case.pk}/step/close/",
        {"version": case.version, "reason": "klaar", "confirmed": "1"},
        follow=True,
    )
    assert "Een melding sluit je pas na een besluit." in response.content.decode()


def test_an_unknown_step_changes_nothing(operator_client, operator):
    case = register_case(operator)
    response = operator_client.post(f"/cases/{case.pk}/step/decide/", {"version": 1}, follow=True)
    assert "onvolledig verzoek" in response.content.decode()
    case.refresh_from_db()
    assert case.state == State.INTAKE


def test_an_operator_links_a_radar_match(operator_client, operator):
    earlier, later = register_case(operator), register_case(operator)
    page = operator_client.get(f"/cases/{later.pk}/").content.decode()
    assert earlier.reference in page
    operator_client.post(f"/cases/{later.pk}/link/{earlier.pk}/", {"matched_on": ["phone"]})
    assert later.links.get().linked_case == earlier


def test_an_operator_cannot_link_a_case_outside_their_access(
    operator_client, operator, other_operator
):
    mine, theirs = register_case(operator), register_case(other_operator)
    response = operator_client.post(f"/cases/{mine.pk}/link/{theirs.pk}/", follow=True)
    assert "buiten jouw toegang" in response.content.decode()
    assert not mine.links.exists()


def test_the_case_page_leads_to_the_safety_assessment_when_it_is_due(operator_client, operator):
    case = register_case(operator)
    assert (
        f"/cases/{case.pk}/assessment/"
        not in operator_client.get(f"/cases/{case.pk}/").content.decode()
    )
    operator_client.post(f"/cases/{case.pk}/step/start_assessment/", {"version": case.version})
    page = operator_client.get(f"/cases/{case.pk}/").content.decode()
    assert f'href="/cases/{case.pk}/assessment/"' in page


def test_the_supervisor_start_page_links_the_approvals_and_overdue_lists(supervisor_client):
    page = supervisor_client.get("/").content.decode()
    assert 'href="/approvals/"' in page and 'href="/assessments/overdue/"' in page


def test_an_unclaimed_report_reaches_every_operator_of_the_region_until_one_acts(
    operator_client, operator, other_operator
):
    from cases.services import IntakeData, case_transition, intake_register

    online = intake_register(
        intake=IntakeData(
            contact={
                "channel": "online",
                "role": "professional",
                "name": "Juf",
                "email": "juf@school.example",
                "organisation": "School",
                "profession": "education",
            },
            case={"case_type": "report", "violence_forms": ["physical_abuse"]},
        ),
        by=None,
    )
    assert online.team is None
    assert operator_client.get(f"/cases/{online.pk}/").status_code == 200
    case_transition(
        case_id=online.pk, name="start_assessment", by=other_operator, expected_version=None
    )
    online.refresh_from_db()
    assert (online.assigned_to, online.team) == (other_operator, other_operator.team)
    assert operator_client.get(f"/cases/{online.pk}/").status_code == 403


def test_the_case_page_has_no_accept_button_without_a_pending_handover(operator, operator_client):
    """Accepting or refusing a handover is an answer on the Handover (partner inbox, API,
    or staff recording a phone answer on the handover page), never a case-page step."""
    case = register_case(operator)
    Case.objects.filter(pk=case.pk).update(state=State.HANDOVER_LOCAL)
    page = operator_client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "accept_handover" not in page and "reject_handover" not in page
    refused = operator_client.post(
        reverse("cases:case_step", args=[case.pk, "accept_handover"]), {"version": case.version}
    )
    assert refused.status_code == 302
    assert Case.objects.get(pk=case.pk).state == State.HANDOVER_LOCAL
