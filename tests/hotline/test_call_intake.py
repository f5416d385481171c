"""From "Neem aan" to a case: the call's own intake, its link to the contact, the case's
calls, and the wrap-up of an answered call that has no intake (issue 15, items 1, 3, 6)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from cases.models import Case, Contact
from dashboard.views import dashboard_snapshot
from events.models import OutboxEvent
from hotline import services
from hotline.models import Call, CallState, WrapUpOutcome
from privacy.models import AccessLogEntry
from tests.cases.factories import register_case, victim_contact
from tests.cases.test_views import intake_post
from tests.conftest import log_in_fully
from tests.hotline.conftest import DEN_HAAG_LANDLINE

NUMBER_WRITTEN = ("+31701234567", "0701234567", "070-1234567", "70 123 4567", "1234567")


def taken(twilio, operator, *, role_key: str = "2", acute: bool = False) -> Call:
    call = twilio.queued_call(role_key=role_key, acute=acute)
    return services.call_take(call=call, operator=operator)


def ended(call: Call) -> Call:
    """The operator talked to the caller for 3 minutes 5 seconds; then it ended."""
    services.call_connect(call=call)
    now = timezone.now()
    Call.objects.filter(pk=call.pk).update(connected_at=now - datetime.timedelta(seconds=185))
    services.call_status_record(sid=call.sid, status="completed", sequence=5)
    call = Call.objects.get(pk=call.pk)
    assert call.connected_at is not None
    Call.objects.filter(pk=call.pk).update(
        ended_at=call.connected_at + datetime.timedelta(seconds=185)
    )
    return Call.objects.get(pk=call.pk)


def bystander_post(**overrides: object) -> dict:
    data = intake_post(
        **{
            "contact-role": "bystander",
            "contact-name": "Buurvrouw",
            "contact-phone": "",
            "contact-email": "buur@example.nl",
            "contact-safe_number": "",
            "contact-safe_window_start": "",
            "contact-safe_window_end": "",
        }
    )
    data.update(overrides)
    return data


# --- 1. the intake for this call --------------------------------------------------------------


def test_taking_a_call_opens_its_intake_prefilled_from_the_menu(twilio, operator, operator_client):
    call = taken(twilio, operator, role_key="2", acute=True)
    url = f"/hotline/calls/{call.pk}/intake/"
    response = operator_client.get(url)
    assert response.status_code == 200
    form = response.context["contact_form"]
    assert form.initial["role"] == "bystander"
    assert form.initial["channel"] == "phone"
    assert form.initial["language"] == "nl"
    assert response.context["case_form"].initial["acute"] is True
    page = response.content.decode()
    assert re.search(r'<input[^>]*value="bystander"[^>]*checked', page)
    assert re.search(r'<input[^>]*name="case-acute"[^>]*checked', page)
    assert f"Gesprek {call.pk}, binnengekomen om" in page
    assert f'data-radar-url="/hotline/calls/{call.pk}/radar/"' in page
    # Nothing of the caller's number, in the page or its address.
    for written in NUMBER_WRITTEN:
        assert written not in page and written not in url


def test_a_child_calling_becomes_a_minor_victim_through_the_one_role_table(
    twilio, operator, operator_client
):
    call = taken(twilio, operator, role_key="5")
    form = operator_client.get(f"/hotline/calls/{call.pk}/intake/").context["contact_form"]
    assert (form.initial["role"], form.initial["is_minor_about_self"]) == ("victim", True)


def test_saving_the_intake_links_the_call_to_the_contact_and_the_panel_gets_the_reference(
    twilio, operator, operator_client
):
    call = taken(twilio, operator)
    response = operator_client.post(f"/hotline/calls/{call.pk}/intake/", bystander_post())
    case = Case.objects.get()
    assert response.status_code == 302 and response.url == f"/cases/{case.pk}/"
    call.refresh_from_db()
    assert call.contact == case.contacts.get()
    event = OutboxEvent.objects.filter(kind__startswith="call.").order_by("seq").last()
    assert event is not None
    assert event.payload["call_id"] == call.pk
    assert (event.payload["case_id"], event.payload["case_reference"]) == (case.pk, case.reference)
    snapshot = dashboard_snapshot(user=operator)
    mine = next(c for c in snapshot["calls"] if c["call_id"] == call.pk)
    assert mine["case_reference"] == case.reference
    # Opening the call's intake again leads to its case, not to a second case.
    again = operator_client.get(f"/hotline/calls/{call.pk}/intake/")
    assert again.status_code == 302 and again.url == f"/cases/{case.pk}/"


def test_the_case_shows_its_calls_when_how_long_and_who_answered(twilio, operator, operator_client):
    call = ended(taken(twilio, operator))
    operator_client.post(f"/hotline/calls/{call.pk}/intake/", bystander_post())
    case = Case.objects.get()
    page = operator_client.get(f"/cases/{case.pk}/").content.decode()
    assert f"Gesprek {call.pk}" in page
    assert "duur 3:05" in page
    assert "aangenomen door olga" in page
    for written in NUMBER_WRITTEN:
        assert written not in page


def test_an_invalid_intake_for_a_call_saves_nothing_and_links_nothing(
    twilio, operator, operator_client
):
    call = taken(twilio, operator)
    response = operator_client.post(
        f"/hotline/calls/{call.pk}/intake/", bystander_post(**{"contact-role": ""})
    )
    assert response.status_code == 400
    assert not Case.objects.exists()
    call.refresh_from_db()
    assert call.contact is None


def test_only_the_operator_who_took_the_call_opens_its_intake_and_a_refusal_is_logged(
    twilio, operator, other_operator, caplog
):
    call = taken(twilio, operator)
    otto = log_in_fully(Client(), other_operator)
    assert otto.get(f"/hotline/calls/{call.pk}/intake/").status_code == 403
    assert otto.post(f"/hotline/calls/{call.pk}/intake/", bystander_post()).status_code == 403
    assert otto.post(f"/hotline/calls/{call.pk}/radar/", {"name": "Noor"}).status_code == 403
    assert not Case.objects.exists()
    refused = AccessLogEntry.objects.filter(
        actor_id=other_operator.pk,
        target_type="hotline.call",
        target_id=str(call.pk),
        allowed=False,
    )
    assert refused.count() == 3
    assert any("call taken by someone else" in r.getMessage() for r in caplog.records)
    # A call nobody took yet is nobody's intake either.
    waiting = twilio.queued_call()
    assert otto.get(f"/hotline/calls/{waiting.pk}/intake/").status_code == 403


# --- 3. "Toevoegen aan dossier": the intake as a report on a known case -------------------


def test_adding_the_intake_to_a_radar_match_joins_that_case_and_links_the_call(
    twilio, operator, operator_client
):
    earlier = register_case(operator, contact=victim_contact(phone="070-1234567"))
    call = taken(twilio, operator)
    response = operator_client.post(
        f"/hotline/calls/{call.pk}/intake/", bystander_post(add_to_case=str(earlier.pk))
    )
    assert response.status_code == 302 and response.url == f"/cases/{earlier.pk}/"
    assert Case.objects.count() == 1
    contact = Contact.objects.order_by("pk").last()
    assert contact is not None
    assert contact.case == earlier and contact.role == "bystander"
    call.refresh_from_db()
    assert call.contact == contact


def test_adding_to_a_case_outside_need_to_know_is_refused_logged_and_saves_nothing(
    twilio, operator, other_operator, operator_client
):
    theirs = register_case(other_operator)
    call = taken(twilio, operator)
    response = operator_client.post(
        f"/hotline/calls/{call.pk}/intake/", bystander_post(add_to_case=str(theirs.pk))
    )
    assert response.status_code == 403
    assert theirs.contacts.count() == 1 and Case.objects.count() == 1
    call.refresh_from_db()
    assert call.contact is None
    assert AccessLogEntry.objects.filter(
        actor_id=operator.pk, target_id=str(theirs.pk), allowed=False
    ).exists()


# --- 6. wrap-up: an intake or an outcome code ---------------------------------------------


def test_an_ended_call_without_intake_stays_on_the_panel_until_an_outcome_is_recorded(
    twilio, operator, operator_client
):
    call = ended(taken(twilio, operator))
    assert [c["call_id"] for c in dashboard_snapshot(user=operator)["wrap_up"]] == [call.pk]
    # It does not stop the operator taking the next call.
    nxt = twilio.queued_call()
    assert operator_client.post("/hotline/calls/take-next/").json()["call"]["call_id"] == nxt.pk

    response = operator_client.post(
        f"/hotline/calls/{call.pk}/wrap-up/", {"outcome": WrapUpOutcome.WRONG_NUMBER}
    )
    assert response.status_code == 200
    call.refresh_from_db()
    assert (call.wrap_up_outcome, call.wrap_up_by) == ("wrong_number", operator)
    assert call.wrap_up_at is not None
    assert dashboard_snapshot(user=operator)["wrap_up"] == []
    event = OutboxEvent.objects.filter(kind="call.ended").order_by("seq").last()
    assert event is not None
    assert event.payload["wrap_up_outcome"] == "wrong_number"


def test_an_ended_call_with_an_intake_needs_no_wrap_up(twilio, operator, operator_client):
    call = ended(taken(twilio, operator))
    operator_client.post(f"/hotline/calls/{call.pk}/intake/", bystander_post())
    assert dashboard_snapshot(user=operator)["wrap_up"] == []
    response = operator_client.post(
        f"/hotline/calls/{call.pk}/wrap-up/", {"outcome": WrapUpOutcome.SILENT}
    )
    assert response.status_code == 400
    assert "al een intake" in response.json()["error"]
    call.refresh_from_db()
    assert call.wrap_up_outcome == ""


@pytest.mark.parametrize("outcome", ["", "gezellig_gekletst", "SILENT"])
def test_an_unknown_outcome_is_a_clear_error_and_nothing_is_saved(
    twilio, operator, operator_client, outcome
):
    call = ended(taken(twilio, operator))
    response = operator_client.post(f"/hotline/calls/{call.pk}/wrap-up/", {"outcome": outcome})
    assert response.status_code == 400
    assert response.json()["error"] == "Kies een van de afrondcodes."
    call.refresh_from_db()
    assert (call.wrap_up_outcome, call.wrap_up_at, call.wrap_up_by) == ("", None, None)


def test_a_call_still_going_or_already_wrapped_up_is_not_wrapped_up_again(
    twilio, operator, operator_client
):
    call = taken(twilio, operator)
    response = operator_client.post(f"/hotline/calls/{call.pk}/wrap-up/", {"outcome": "silent"})
    assert response.status_code == 400
    call = ended(call)
    done = operator_client.post(f"/hotline/calls/{call.pk}/wrap-up/", {"outcome": "silent"})
    assert done.status_code == 200
    again = operator_client.post(f"/hotline/calls/{call.pk}/wrap-up/", {"outcome": "abusive"})
    assert again.status_code == 400
    call.refresh_from_db()
    assert call.wrap_up_outcome == "silent"


def test_someone_elses_call_is_not_wrapped_up_and_the_attempt_is_logged(
    twilio, operator, other_operator
):
    call = ended(taken(twilio, operator))
    otto = log_in_fully(Client(), other_operator)
    response = otto.post(f"/hotline/calls/{call.pk}/wrap-up/", {"outcome": "silent"})
    assert response.status_code == 403
    call.refresh_from_db()
    assert call.wrap_up_outcome == ""
    assert AccessLogEntry.objects.filter(
        actor_id=other_operator.pk,
        target_type="hotline.call",
        target_id=str(call.pk),
        allowed=False,
    ).exists()
    assert dashboard_snapshot(user=other_operator)["wrap_up"] == []
    with pytest.raises(services.CallTakenBySomeoneElse):
        services.call_wrap_up(call_id=call.pk, outcome="silent", by=other_operator)


def test_the_outcome_codes_are_one_list_with_dutch_labels():
    assert WrapUpOutcome.values == ["silent", "wrong_number", "hung_up", "advice_only", "abusive"]
    assert all(label for label in WrapUpOutcome.labels)


def test_a_call_abandoned_before_it_was_answered_needs_no_wrap_up(twilio, operator):
    call = taken(twilio, operator)
    services.call_status_record(sid=call.sid, status="completed", sequence=3)
    assert Call.objects.get(pk=call.pk).state == CallState.ABANDONED
    assert dashboard_snapshot(user=operator)["wrap_up"] == []


def test_the_caller_number_is_only_used_through_its_index(twilio, operator):
    call = taken(twilio, operator)
    assert call.caller_number == DEN_HAAG_LANDLINE and call.caller_index
