"""A caller who pressed 9 ("I can't talk now") is never put through, whatever an operator
does at that moment, and their call counts as a safe exit, never as abandoned."""

from __future__ import annotations

import pytest
from django.urls import reverse

from events.models import OutboxEvent
from hotline import services
from hotline.models import (
    Call,
    CallOutcome,
    CallState,
    OperatorPresence,
    PendingAction,
    PresenceState,
)
from hotline.selectors import calls_to_wrap_up

pytestmark = pytest.mark.django_db


def last_note(call: Call) -> str:
    """What the call's latest audit row says."""
    return call.transitions.order_by("-pk").values_list("note", flat=True)[0]


CANT_TALK = "De beller heeft het gesprek beëindigd (kan niet praten)."


def press_9(twilio, call: Call):
    return twilio.wait(call.sid, step="key", digits="9")


def assert_ended_safely(call: Call) -> None:
    call.refresh_from_db()
    assert (call.state, call.outcome, call.operator) == (
        CallState.ENDED,
        CallOutcome.SAFE_EXIT,
        None,
    )


def test_9_while_waiting_ends_the_call_at_once(twilio):
    call = twilio.queued_call()
    assert "<Leave" in press_9(twilio, call).content.decode()
    assert_ended_safely(call)
    assert OutboxEvent.objects.filter(kind="call.ended").count() == 1


def test_a_take_after_9_is_refused_with_a_clear_answer(twilio, operator_client):
    call = twilio.queued_call()
    press_9(twilio, call)
    response = operator_client.post(reverse("hotline:take_call", args=[call.pk]))
    assert (response.status_code, response.json()["error"]) == (409, CANT_TALK)
    assert_ended_safely(call)


def test_take_next_passes_over_a_caller_who_pressed_9(twilio, operator_client):
    cant_talk = twilio.queued_call(acute=True)
    other = twilio.queued_call()
    press_9(twilio, cant_talk)
    response = operator_client.post(reverse("hotline:take_next"))
    assert response.json()["call"]["call_id"] == other.pk
    assert_ended_safely(cant_talk)


def test_9_just_after_a_take_ends_the_call_and_the_queue_result_hangs_up(twilio, operator):
    call = twilio.queued_call()
    services.call_take(call=call, operator=operator)
    press_9(twilio, call)
    body = twilio.queue_result(call.sid, "leave").content.decode()
    assert "<Hangup" in body
    assert "<Dial" not in body and "/hotline/twilio/connect/" not in body
    assert_ended_safely(call)


def test_the_operator_who_lost_to_a_9_is_free_again_and_owes_no_wrap_up(twilio, operator):
    call = twilio.queued_call()
    services.call_take(call=call, operator=operator)
    press_9(twilio, call)
    assert OperatorPresence.objects.get(user=operator).state == PresenceState.AVAILABLE
    assert list(calls_to_wrap_up(operator=operator)) == []


def test_9_before_twilio_fetches_the_operators_bridge_makes_the_bridge_hang_up(
    twilio, fake_twilio_api, operator
):
    call = twilio.queued_call()
    services.call_take(call=call, operator=operator)  # the REST redirect is on its way
    press_9(twilio, call)
    body = twilio.connect(call.sid, call.pk).content.decode()
    assert "<Hangup" in body and "<Dial" not in body
    assert_ended_safely(call)


def test_9_between_the_claim_and_the_redirect_moves_nobody(
    twilio, fake_twilio_api, operator_client, monkeypatch
):
    call = twilio.queued_call()
    claim = services._call_claim

    def claim_then_the_caller_presses_9(**kwargs):
        claimed = claim(**kwargs)
        press_9(twilio, call)
        return claimed

    monkeypatch.setattr(services, "_call_claim", claim_then_the_caller_presses_9)
    response = operator_client.post(reverse("hotline:take_call", args=[call.pk]))
    assert (response.status_code, response.json()["error"]) == (409, CANT_TALK)
    assert fake_twilio_api.requests == []
    assert_ended_safely(call)


def test_the_wait_url_lets_an_ended_call_out_of_the_queue(twilio):
    call = twilio.queued_call()
    press_9(twilio, call)
    assert "<Leave" in twilio.wait(call.sid).content.decode()


def test_9_in_the_menu_of_a_call_an_operator_just_took_still_wins(twilio, operator):
    # A menu answer Twilio sent before the caller reached the queue, arriving late.
    call = twilio.queued_call()
    services.call_take(call=call, operator=operator)
    body = twilio.menu(call.sid, "acute", "9").content.decode()
    assert "<Hangup" in body and "<Dial" not in body
    assert_ended_safely(call)


def test_a_9_that_arrives_after_the_caller_was_put_through_changes_nothing(twilio, operator):
    call = twilio.queued_call()
    services.call_take(call=call, operator=operator)
    assert "<Dial" in twilio.connect(call.sid, call.pk).content.decode()
    press_9(twilio, call)
    call.refresh_from_db()
    assert (call.state, call.operator) == (CallState.CONNECTED, operator)
    assert last_note(call) == "caller pressed 9 after being put through"


# --- issue 18, item 6: the end of the call overtakes the queue result ---------------


def test_9_then_completed_before_the_queue_result_is_a_safe_exit_not_abandoned(twilio):
    call = twilio.queued_call()
    press_9(twilio, call)
    twilio.status(call.sid, "completed", 4)
    body = twilio.queue_result(call.sid, "leave").content.decode()
    assert "<Hangup" in body
    assert_ended_safely(call)
    assert not OutboxEvent.objects.filter(kind="call.abandoned").exists()
    assert OutboxEvent.objects.filter(kind="call.ended").count() == 1


def test_9_then_completed_then_a_hangup_result_is_still_a_safe_exit(twilio):
    call = twilio.queued_call()
    press_9(twilio, call)
    twilio.status(call.sid, "completed", 4)
    twilio.queue_result(call.sid, "hangup")
    assert_ended_safely(call)


def test_a_9_waiting_for_its_queue_result_from_before_this_release_counts_as_safe(twilio):
    # The 9 of an earlier release only marked the call; its end then came with the result.
    call = twilio.queued_call()
    Call.objects.filter(pk=call.pk).update(pending_action=PendingAction.SAFE_EXIT)
    twilio.status(call.sid, "completed", 4)
    assert_ended_safely(call)
