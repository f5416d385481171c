"""An acute call before any case (issue 16, item 1): the alert goes out when the call
queues, its clock carries into the case made from it, and a caller who hangs up before
the intake leaves an item on the acute list until an operator records what was done."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from cases.models import Case
from dashboard.views import dashboard_snapshot
from events.catalogue import CATALOGUE, Consumer, audiences_of, kind_reaches
from events.models import OutboxEvent
from hotline import services
from hotline.models import AcuteCallHandling, Call, CallState, CallTransition
from hotline.selectors import acute_list
from privacy.models import AccessLogEntry
from tests.cases.test_views import intake_post
from tests.conftest import log_in_fully
from tests.hotline.conftest import DEN_HAAG_LANDLINE
from tests.hotline.test_call_intake import taken


def acute_call_events() -> list[dict]:
    return list(
        OutboxEvent.objects.filter(kind="acute.call")
        .order_by("seq")
        .values_list("payload", flat=True)
    )


def hung_up_acute_call(twilio) -> Call:
    call = twilio.queued_call(acute=True)
    services.call_abandon(call=call)
    return Call.objects.get(pk=call.pk)


# --- the alert --------------------------------------------------------------------------------


def test_an_acute_call_raises_one_alert_when_it_queues(twilio):
    call = twilio.queued_call(role_key="1", acute=True)
    assert call.acute and call.acute_since is not None
    (payload,) = acute_call_events()
    assert payload == {
        "call_id": call.pk,
        "region": call.region,
        "role": call.role,
        "acute_since": call.acute_since.isoformat(),
        "handled": False,
    }
    # Ids and the clock only: never the caller's number.
    assert DEN_HAAG_LANDLINE not in str(payload)


def test_a_caller_who_goes_back_to_the_menu_and_queues_again_raises_no_second_alert(twilio):
    call = twilio.queued_call(acute=True)
    services.call_back_to_menu(call=call)
    services.call_enqueue(call=Call.objects.get(pk=call.pk), acute=True)
    assert len(acute_call_events()) == 1


def test_a_call_that_is_not_acute_raises_no_alert(twilio):
    call = twilio.queued_call(acute=False)
    assert call.acute_since is None
    assert acute_call_events() == []


def test_the_acute_call_alert_reaches_operators_and_the_supervisors_screen(operator, supervisor):
    assert kind_reaches("acute.call", audiences_of(operator))
    assert kind_reaches("acute.call", audiences_of(supervisor))
    assert Consumer.SUPERVISOR in CATALOGUE["acute.call"].consumers
    assert Consumer.SUPERVISOR in CATALOGUE["acute.alert"].consumers


# --- the clock carries into the case ----------------------------------------------------------


def test_the_case_made_from_an_acute_call_carries_its_clock_and_raises_no_second_alert(
    twilio, operator, operator_client
):
    call = taken(twilio, operator, acute=True)
    response = operator_client.post(f"/hotline/calls/{call.pk}/intake/", intake_post())
    assert response.status_code == 302
    case = Case.objects.get()
    call.refresh_from_db()
    assert case.acute and case.on_acute_list
    assert case.acute_since == call.acute_since
    assert not OutboxEvent.objects.filter(kind="acute.alert").exists()
    created = OutboxEvent.objects.get(kind="case.created")
    assert case.acute_since is not None
    assert created.payload["acute_since"] == case.acute_since.isoformat()
    # The call leaves the acute list: its case is on it now.
    assert [p["handled"] for p in acute_call_events()] == [False, True]
    keys = [item["key"] for item in acute_list(region=case.region)]
    assert keys == [f"case-{case.pk}"]


# --- a caller who hung up before the intake ---------------------------------------------------


def test_an_acute_caller_who_hangs_up_before_the_intake_stays_on_the_acute_list(twilio, operator):
    call = hung_up_acute_call(twilio)
    assert call.state == CallState.ABANDONED
    (item,) = acute_list(region=call.region)
    assert (item["kind"], item["call_id"], item["can_record"]) == ("call", call.pk, True)
    snapshot = dashboard_snapshot(user=operator)
    assert [a["key"] for a in snapshot["alerts"]] == [f"call-{call.pk}"]


def test_an_operator_records_what_was_done_and_the_call_leaves_the_acute_list(
    twilio, operator, operator_client
):
    call = hung_up_acute_call(twilio)
    page = operator_client.get(f"/hotline/calls/{call.pk}/acute/")
    assert page.status_code == 200
    assert "Politie geïnformeerd" in page.content.decode()
    response = operator_client.post(
        f"/hotline/calls/{call.pk}/acute/",
        {"handling": AcuteCallHandling.POLICE_INFORMED, "reason": "Politie gaat langs."},
    )
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.acute_handling == AcuteCallHandling.POLICE_INFORMED
    assert call.acute_handling_reason == "Politie gaat langs."
    assert call.acute_handled_by == operator
    assert not call.on_acute_list
    assert acute_list(region=call.region) == []
    assert CallTransition.objects.filter(
        call=call, note="acute handled: police_informed", by=operator
    ).exists()
    assert AccessLogEntry.objects.filter(
        target_type="hotline.call", target_id=str(call.pk), action="change", allowed=True
    ).exists()
    assert acute_call_events()[-1]["handled"] is True
    assert "Politie gaat langs." not in str(acute_call_events())


def test_nothing_possible_without_a_reason_is_refused_and_nothing_is_saved(twilio, operator_client):
    call = hung_up_acute_call(twilio)
    response = operator_client.post(
        f"/hotline/calls/{call.pk}/acute/",
        {"handling": AcuteCallHandling.NOTHING_POSSIBLE, "reason": "  "},
    )
    assert response.status_code == 400
    assert 'id="id_reason_error"' in response.content.decode()
    assert "Schrijf op waarom." in response.content.decode()
    call.refresh_from_db()
    assert call.on_acute_list and call.acute_handling == ""


@pytest.mark.parametrize("handling", ["", "ufo", "police_informed' OR 1=1"])
def test_an_unknown_choice_is_an_error_at_the_field_never_a_500(twilio, operator_client, handling):
    call = hung_up_acute_call(twilio)
    response = operator_client.post(
        f"/hotline/calls/{call.pk}/acute/", {"handling": handling, "reason": "x"}
    )
    assert response.status_code == 400
    assert "Kies wat er is gedaan." in response.content.decode()
    call.refresh_from_db()
    assert call.on_acute_list


def test_a_call_still_waiting_cannot_be_recorded_yet_and_nothing_is_saved(twilio, operator_client):
    call = twilio.queued_call(acute=True)
    response = operator_client.post(
        f"/hotline/calls/{call.pk}/acute/",
        {"handling": AcuteCallHandling.NOTHING_POSSIBLE, "reason": "Beller hing op."},
    )
    assert response.status_code == 400
    assert "Het gesprek loopt nog" in response.content.decode()
    call.refresh_from_db()
    assert call.on_acute_list


def test_someone_without_the_hotline_role_is_refused_and_it_is_logged(twilio, django_user_model):
    from accounts.devices import totp_device_model
    from tests.conftest import PASSWORD

    call = hung_up_acute_call(twilio)
    stranger = django_user_model.objects.create_user("vreemde", password=PASSWORD)
    totp_device_model().objects.create(user=stranger, name="x", confirmed=True)
    client = log_in_fully(Client(), stranger)
    response = client.post(
        f"/hotline/calls/{call.pk}/acute/",
        {"handling": AcuteCallHandling.POLICE_INFORMED, "reason": ""},
    )
    assert response.status_code == 403
    assert AccessLogEntry.objects.filter(allowed=False, target_id="hotline:call_acute").exists()
    call.refresh_from_db()
    assert call.on_acute_list


def test_an_account_of_another_region_is_refused_and_it_is_logged(twilio, operator, caplog):
    call = hung_up_acute_call(twilio)
    operator.region = "rotterdam-rijnmond"
    operator.save(update_fields=["region"])
    client = log_in_fully(Client(), operator)
    with caplog.at_level(logging.WARNING, logger="veiligthuis.security"):
        response = client.post(
            f"/hotline/calls/{call.pk}/acute/",
            {"handling": AcuteCallHandling.POLICE_INFORMED, "reason": ""},
        )
    assert response.status_code == 403
    assert AccessLogEntry.objects.filter(
        target_type="hotline.call", target_id=str(call.pk), allowed=False
    ).exists()
    assert any("acute call of another region" in r.getMessage() for r in caplog.records)
    call.refresh_from_db()
    assert call.on_acute_list
