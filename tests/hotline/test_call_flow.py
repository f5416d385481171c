"""The call as the caller lives it: greeting, 112, menu, the queue, and the ways out."""

from __future__ import annotations

import pytest

from events.models import OutboxEvent
from hotline.models import Call, CallOutcome, CallState, CallTransition
from tests.hotline.conftest import MOBILE, new_sid


def test_it_greets_warns_about_112_and_offers_the_role_menu(twilio):
    sid = new_sid()
    response = twilio.voice(sid)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    body = response.content.decode()
    assert "Welkom bij Veilig Thuis" in body
    assert "bel 112" in body
    assert "druk 5" in body.lower()  # "Ben je een kind of jongere"
    assert "Druk op 9" in body  # the fast way out
    assert 'language="nl-NL"' in body
    assert "For English, press 8" in body
    assert "/hotline/twilio/menu/?step=role" in body
    call = Call.objects.get(sid=sid)
    assert call.state == CallState.IVR
    assert call.region == "haaglanden"


def test_it_stores_the_callers_number_encrypted_with_a_blind_index(twilio):
    from django.db import connection

    from privacy.blind_index import phone_index

    sid = new_sid()
    twilio.voice(sid, From="+31701234567")
    call = Call.objects.get(sid=sid)
    assert call.caller_number == "+31701234567"
    assert call.caller_index == phone_index("0701234567")
    with connection.cursor() as cursor:
        cursor.execute("SELECT caller_number FROM hotline_call WHERE id = %s", [call.pk])
        stored = cursor.fetchone()[0]
    assert "1234567" not in stored
    assert Call.objects.filter(caller_index=phone_index("+31 70 123 4567")).count() == 1


def test_english_on_a_key_switches_the_voice(twilio):
    sid = new_sid()
    twilio.voice(sid)
    body = twilio.menu(sid, "role", "8").content.decode()
    assert 'language="en-GB"' in body
    assert "press 1" in body
    assert Call.objects.get(sid=sid).language == "en"


@pytest.mark.parametrize(
    ("key", "role"),
    [
        ("1", "victim"),
        ("2", "bystander"),
        ("3", "professional"),
        ("4", "perpetrator"),
        ("5", "child"),
    ],
)
def test_the_menu_records_the_callers_role_and_queues_them(twilio, key, role):
    sid = new_sid()
    twilio.voice(sid)
    ask = twilio.menu(sid, "role", key).content.decode()
    assert "step=acute" in ask
    body = twilio.menu(sid, "acute", "2").content.decode()
    assert "<Enqueue" in body
    assert 'waitUrl="http' in body and "/hotline/twilio/wait/" in body
    assert "/hotline/twilio/queue-result/" in body
    call = Call.objects.get(sid=sid)
    assert (call.role, call.state, call.acute) == (role, CallState.QUEUED, False)
    event = OutboxEvent.objects.get(kind="call.queued")
    assert event.payload["role"] == role
    assert set(event.payload) == {
        "call_id",
        "role",
        "priority",
        "region",
        "acute",
        "enqueued_at",
        "state",
        "operator",
        "ended_at",
        "case_id",
        "case_reference",
        "wrap_up_outcome",
    }
    assert "+3170" not in str(event.payload)


def test_a_caller_in_danger_is_marked_acute(twilio):
    call = twilio.queued_call(acute=True)
    assert call.acute


def test_an_unknown_key_repeats_the_menu_then_queues_the_caller_anyway(twilio):
    sid = new_sid()
    twilio.voice(sid)
    again = twilio.menu(sid, "role", "7").content.decode()
    assert "step=role" in again
    assert Call.objects.get(sid=sid).state == CallState.IVR
    onward = twilio.menu(sid, "role", "").content.decode()
    assert "step=acute" in onward
    assert Call.objects.get(sid=sid).role == "unknown"


def test_cant_talk_now_ends_the_call_at_once(twilio):
    sid = new_sid()
    twilio.voice(sid)
    body = twilio.menu(sid, "role", "9").content.decode()
    assert "<Hangup" in body
    assert "<Enqueue" not in body and "<Dial" not in body
    call = Call.objects.get(sid=sid)
    assert (call.state, call.outcome) == (CallState.ENDED, CallOutcome.SAFE_EXIT)
    assert OutboxEvent.objects.filter(kind="call.ended").count() == 1


def test_the_wait_message_announces_our_own_position_and_offers_the_menu(twilio):
    first = twilio.queued_call(role_key="2")
    child = twilio.queued_call(role_key="5")
    # Twilio says position 1 for the earlier caller; our order puts the child first.
    body = twilio.wait(first.sid, position=1).content.decode()
    assert "nummer 2 in de wachtrij" in body
    assert "Druk 0" in body and "Druk op 9" in body
    assert "nummer 1 in de wachtrij" in twilio.wait(child.sid, position=2).content.decode()


def test_cant_talk_now_from_the_queue_leaves_it_and_ends_safely(twilio):
    call = twilio.queued_call()
    assert "<Leave" in twilio.wait(call.sid, step="key", digits="9").content.decode()
    body = twilio.queue_result(call.sid, "leave").content.decode()
    assert "<Hangup" in body
    call.refresh_from_db()
    assert (call.state, call.outcome) == (CallState.ENDED, CallOutcome.SAFE_EXIT)


def test_the_menu_from_the_queue_keeps_the_callers_place(twilio):
    call = twilio.queued_call(role_key="2")
    enqueued_at = call.enqueued_at
    assert "<Leave" in twilio.wait(call.sid, step="key", digits="0").content.decode()
    assert "step=role" in twilio.queue_result(call.sid, "leave").content.decode()
    twilio.menu(call.sid, "role", "1")
    twilio.menu(call.sid, "acute", "2")
    call.refresh_from_db()
    assert (call.state, call.role, call.enqueued_at) == (CallState.QUEUED, "victim", enqueued_at)


def test_hanging_up_while_waiting_is_recorded_as_abandoned(twilio):
    call = twilio.queued_call()
    assert twilio.queue_result(call.sid, "hangup").status_code == 200
    twilio.status(call.sid, "completed", 3)
    call.refresh_from_db()
    assert (call.state, call.outcome) == (CallState.ABANDONED, CallOutcome.ABANDONED)
    assert OutboxEvent.objects.filter(kind="call.abandoned").count() == 1


def test_a_full_queue_sends_the_caller_to_the_backup_number(twilio, settings):
    settings.HOTLINE_BACKUP_NUMBER = "+31709999999"
    call = twilio.queued_call()
    body = twilio.queue_result(call.sid, "queue-full").content.decode()
    assert "<Dial>+31709999999</Dial>" in body
    call.refresh_from_db()
    assert call.outcome == CallOutcome.BACKUP


def test_an_unknown_queue_result_is_refused_and_changes_nothing(twilio):
    call = twilio.queued_call()
    transitions = CallTransition.objects.count()
    assert twilio.queue_result(call.sid, "teleported").status_code == 400
    assert CallTransition.objects.count() == transitions


def test_a_menu_answer_without_a_step_is_refused(twilio):
    sid = new_sid()
    twilio.voice(sid)
    response = twilio.post("/hotline/twilio/menu/", {"CallSid": sid, "Digits": "1", "From": MOBILE})
    assert response.status_code == 400
    assert Call.objects.get(sid=sid).state == CallState.IVR


def test_a_voice_webhook_without_callsid_is_refused_and_saves_nothing(twilio):
    response = twilio.post("/hotline/twilio/voice/", {"From": MOBILE})
    assert response.status_code == 400
    assert not Call.objects.exists()


def test_the_system_never_calls_anyone_back_on_its_own(twilio, fake_twilio_api):
    # A whole call life cycle, including the safe exit: not one REST request goes out.
    call = twilio.queued_call()
    twilio.wait(call.sid, step="key", digits="9")
    twilio.queue_result(call.sid, "leave")
    twilio.status(call.sid, "completed", 5)
    assert fake_twilio_api.requests == []


def test_the_key_a_caller_presses_becomes_the_contact_role_of_the_intake(twilio, operator_client):
    from cases.codes import CallerChoice, ContactRole

    sid = new_sid()
    twilio.voice(sid)
    twilio.menu(sid, "role", "5")  # "Ben je een kind of jongere"
    call = Call.objects.get(sid=sid)
    assert call.role == CallerChoice.CHILD
    response = operator_client.get("/cases/new/", {"caller": call.role})
    assert response.context["contact_form"].initial == {
        "role": ContactRole.VICTIM,
        "is_minor_about_self": True,
    }
