"""Status callbacks arrive late, twice and out of order; the call still ends right."""

from __future__ import annotations

from events.models import OutboxEvent
from hotline import services
from hotline.models import Call, CallOutcome, CallState, CallTransition
from tests.hotline.conftest import new_sid


def connected_call(twilio, operator):
    call = twilio.queued_call()
    services.call_take(call=call, operator=operator)
    twilio.connect(call.sid, call.pk)
    call.refresh_from_db()
    assert call.state == CallState.CONNECTED
    return call


def test_a_completed_callback_ends_a_connected_call(twilio, operator):
    call = connected_call(twilio, operator)
    assert twilio.status(call.sid, "completed", 4).status_code == 204
    call.refresh_from_db()
    assert (call.state, call.outcome, call.twilio_status) == (
        CallState.ENDED,
        CallOutcome.COMPLETED,
        "completed",
    )
    assert call.ended_at is not None


def test_a_late_in_progress_after_completed_does_not_reopen_the_call(twilio, operator):
    call = connected_call(twilio, operator)
    twilio.status(call.sid, "completed", 4)
    twilio.status(call.sid, "ringing", 1)
    twilio.status(call.sid, "in-progress", 2)
    call.refresh_from_db()
    assert (call.state, call.twilio_status, call.twilio_sequence) == (
        CallState.ENDED,
        "completed",
        4,
    )


def test_an_older_sequence_number_is_ignored(twilio):
    call = twilio.queued_call()
    twilio.status(call.sid, "in-progress", 3)
    twilio.status(call.sid, "ringing", 2)
    call.refresh_from_db()
    assert (call.twilio_status, call.twilio_sequence) == ("in-progress", 3)


def test_a_duplicate_completed_callback_records_the_end_once(twilio, operator):
    call = connected_call(twilio, operator)
    twilio.status(call.sid, "completed", 4)
    events = OutboxEvent.objects.count()
    transitions = CallTransition.objects.count()
    assert twilio.status(call.sid, "completed", 4).status_code == 204
    assert twilio.status(call.sid, "completed", None).status_code == 204
    assert (OutboxEvent.objects.count(), CallTransition.objects.count()) == (events, transitions)


def test_terminal_states_stay_terminal_even_with_a_higher_sequence(twilio):
    call = twilio.queued_call()
    twilio.status(call.sid, "completed", 2)
    twilio.status(call.sid, "in-progress", 9)
    call.refresh_from_db()
    assert (call.state, call.twilio_status) == (CallState.ABANDONED, "completed")


def test_completed_while_waiting_is_abandoned_whichever_arrives_first(twilio):
    call = twilio.queued_call()
    twilio.status(call.sid, "completed", 3)  # before the queue-result callback
    twilio.queue_result(call.sid, "hangup")
    call.refresh_from_db()
    assert call.state == CallState.ABANDONED
    assert OutboxEvent.objects.filter(kind="call.abandoned").count() == 1


def test_hanging_up_in_the_menu_ends_the_call_as_left_in_the_menu(twilio):
    sid = new_sid()
    twilio.voice(sid)
    twilio.status(sid, "completed", 1)
    call = Call.objects.get(sid=sid)
    assert (call.state, call.outcome) == (CallState.ENDED, CallOutcome.LEFT_MENU)


def test_an_unknown_status_is_refused_and_changes_nothing(twilio):
    call = twilio.queued_call()
    assert twilio.status(call.sid, "exploded", 5).status_code == 400
    call.refresh_from_db()
    assert (call.twilio_status, call.twilio_sequence) == ("", -1)


def test_a_malformed_sequence_number_is_refused(twilio):
    call = twilio.queued_call()
    params = {"CallSid": call.sid, "CallStatus": "completed", "SequenceNumber": "x"}
    assert twilio.post("/hotline/twilio/status/", params).status_code == 400
    call.refresh_from_db()
    assert call.state == CallState.QUEUED


def test_a_status_for_a_call_we_never_saw_is_accepted_and_ignored(twilio):
    assert twilio.status(new_sid(), "completed", 1).status_code == 204
    assert not Call.objects.exists()
