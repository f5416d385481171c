"""Ghost calls: a call whose end never reached us is closed once Twilio says it is over,
and only then. Twilio's REST API is the local server that answers as Twilio does."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from events.models import OutboxEvent
from hotline import services
from hotline.models import Call, CallOutcome, CallState, OperatorPresence, PresenceState
from hotline.reconcile import calls_to_check, reconcile_calls
from hotline.selectors import calls_to_wrap_up
from tests.hotline.conftest import DEN_HAAG_LANDLINE

pytestmark = pytest.mark.django_db


def last_note(call: Call) -> str:
    """What the call's latest audit row says."""
    return call.transitions.order_by("-pk").values_list("note", flat=True)[0]


def grown_stale(call: Call, settings) -> Call:
    """The call was created longer ago than GHOST_CALL_AFTER_MINUTES."""
    long_ago = timezone.now() - datetime.timedelta(minutes=settings.GHOST_CALL_AFTER_MINUTES + 1)
    Call.objects.filter(pk=call.pk).update(created_at=long_ago)
    call.refresh_from_db()
    return call


def fetches(fake) -> list[dict]:
    return [request for request in fake.requests if request.get("method") == "GET"]


def redirects(fake) -> list[dict]:
    return [request for request in fake.requests if request.get("method") != "GET"]


# --- the worker's check ----------------------------------------------------------------


@pytest.mark.parametrize("status", ["completed", "canceled", "failed", "busy", "no-answer"])
def test_a_waiting_call_twilio_says_is_over_is_closed_with_an_outcome_that_says_so(
    twilio, fake_twilio_api, settings, status
):
    call = grown_stale(twilio.queued_call(), settings)
    fake_twilio_api.calls[call.sid] = status
    result = reconcile_calls()
    assert (result.checked, result.closed) == (1, 1)
    call.refresh_from_db()
    assert (call.state, call.outcome) == (CallState.ABANDONED, CallOutcome.ENDED_UNREPORTED)
    assert call.twilio_status == status
    assert call.ended_at is not None
    assert last_note(call) == f"twilio says {status}"
    assert OutboxEvent.objects.filter(kind="call.abandoned").count() == 1


def test_a_call_twilio_does_not_know_is_closed(twilio, fake_twilio_api, settings):
    call = grown_stale(twilio.queued_call(), settings)
    fake_twilio_api.calls[call.sid] = "missing"
    assert reconcile_calls().closed == 1
    call.refresh_from_db()
    assert (call.state, call.outcome) == (CallState.ABANDONED, CallOutcome.ENDED_UNREPORTED)
    assert "20404" in last_note(call)


def test_a_caller_still_waiting_keeps_their_place(twilio, fake_twilio_api, settings):
    call = grown_stale(twilio.queued_call(), settings)
    enqueued_at = call.enqueued_at
    fake_twilio_api.calls[call.sid] = "in-progress"
    result = reconcile_calls()
    assert (result.live, result.closed) == (1, 0)
    call.refresh_from_db()
    assert (call.state, call.outcome, call.enqueued_at) == (CallState.QUEUED, "", enqueued_at)
    assert call.twilio_checked_at is not None


@pytest.mark.parametrize("answer", ["error", "hang"])
def test_a_timeout_or_a_5xx_leaves_the_call_where_it_is(twilio, fake_twilio_api, settings, answer):
    settings.TWILIO_REST_TIMEOUT_SECONDS = 0.3
    call = grown_stale(twilio.queued_call(), settings)
    fake_twilio_api.calls[call.sid] = answer
    result = reconcile_calls()
    assert (result.unknown, result.closed) == (1, 0)
    call.refresh_from_db()
    assert (call.state, call.outcome) == (CallState.QUEUED, "")
    assert not OutboxEvent.objects.filter(kind="call.abandoned").exists()


def test_a_call_younger_than_the_set_time_is_not_asked_about(twilio, fake_twilio_api):
    twilio.queued_call()
    assert reconcile_calls().checked == 0
    assert fake_twilio_api.requests == []


def test_a_call_asked_about_is_not_asked_again_before_the_set_time_has_passed(
    twilio, fake_twilio_api, settings
):
    call = grown_stale(twilio.queued_call(), settings)
    reconcile_calls()
    assert list(calls_to_check()) == []
    later = timezone.now() + datetime.timedelta(minutes=settings.GHOST_CALL_AFTER_MINUTES + 1)
    assert list(calls_to_check(later)) == [call]


def test_simulated_and_finished_calls_are_never_asked_about(
    twilio, fake_twilio_api, settings, operator
):
    simulated = grown_stale(twilio.queued_call(), settings)
    Call.objects.filter(pk=simulated.pk).update(simulated=True)
    ended = grown_stale(twilio.queued_call(), settings)
    twilio.status(ended.sid, "completed", 5)
    assert reconcile_calls().checked == 0
    assert fetches(fake_twilio_api) == []


def test_without_a_twilio_account_nothing_is_asked(twilio, settings):
    grown_stale(twilio.queued_call(), settings)
    settings.TWILIO_ACCOUNT_SID = ""
    assert reconcile_calls().checked == 0


def test_a_conversation_whose_end_was_lost_ends_and_waits_for_its_wrap_up(
    twilio, fake_twilio_api, settings, operator
):
    call = twilio.queued_call()
    services.call_take(call=call, operator=operator)
    twilio.connect(call.sid, call.pk)
    call = grown_stale(call, settings)
    fake_twilio_api.calls[call.sid] = "completed"
    reconcile_calls()
    call.refresh_from_db()
    assert (call.state, call.outcome, call.operator) == (
        CallState.ENDED,
        CallOutcome.ENDED_UNREPORTED,
        operator,
    )
    assert list(calls_to_wrap_up(operator=operator)) == [call]


def test_a_late_status_callback_after_the_check_changes_nothing(twilio, fake_twilio_api, settings):
    call = grown_stale(twilio.queued_call(), settings)
    fake_twilio_api.calls[call.sid] = "completed"
    reconcile_calls()
    assert twilio.status(call.sid, "completed", 7).status_code == 204
    call.refresh_from_db()
    assert (call.state, call.outcome) == (CallState.ABANDONED, CallOutcome.ENDED_UNREPORTED)
    assert call.transitions.filter(to_state=CallState.ABANDONED).count() == 1


def test_the_worker_command_reports_counts_and_no_call_identifiers(
    twilio, fake_twilio_api, settings
):
    gone = grown_stale(twilio.queued_call(), settings)
    live = grown_stale(twilio.queued_call(), settings)
    fake_twilio_api.calls[gone.sid] = "completed"
    out = StringIO()
    call_command("reconcile_calls", stdout=out)
    assert out.getvalue().strip() == "checked 2: closed 1, live 1, unknown 0"
    assert gone.sid not in out.getvalue() and live.sid not in out.getvalue()
    assert DEN_HAAG_LANDLINE not in out.getvalue()


# --- take next, with a ghost at the head of the queue -----------------------------------


def test_take_next_closes_a_call_twilio_refuses_to_move_and_offers_the_next_caller(
    twilio, fake_twilio_api, operator_client, operator
):
    # A bystander who said "acute" and hung up: first in our order, a ghost.
    ghost = twilio.queued_call(role_key="2", acute=True)
    child = twilio.queued_call(role_key="5")
    twilio.queued_call(role_key="1")
    fake_twilio_api.calls[ghost.sid] = "completed"
    response = operator_client.post(reverse("hotline:take_next"))
    assert response.status_code == 200
    body = response.json()
    assert body["call"]["call_id"] == child.pk
    assert "al hadden opgehangen" in body["notice"]
    ghost.refresh_from_db()
    assert (ghost.state, ghost.outcome, ghost.operator) == (
        CallState.ABANDONED,
        CallOutcome.ENDED_UNREPORTED,
        None,
    )
    assert "21220" in last_note(ghost)
    child.refresh_from_db()
    assert (child.state, child.operator) == (CallState.TAKEN, operator)
    moved = [request["path"].rsplit("/", 1)[1] for request in redirects(fake_twilio_api)]
    assert moved == [f"{ghost.sid}.json", f"{child.sid}.json"]


def test_the_operator_of_a_ghost_is_on_the_call_with_the_next_caller_and_owes_no_wrap_up(
    twilio, fake_twilio_api, operator
):
    ghost = twilio.queued_call(acute=True)
    live = twilio.queued_call()
    fake_twilio_api.calls[ghost.sid] = "missing"
    taken = services.call_take_next_reporting(operator=operator)
    assert (taken.call, taken.closed) == (live, 1)
    assert OperatorPresence.objects.get(user=operator).state == PresenceState.ON_CALL
    assert list(calls_to_wrap_up(operator=operator)) == []


def test_a_queue_of_only_ghosts_is_cleared_a_few_at_a_time_and_the_operator_is_told(
    twilio, fake_twilio_api, operator_client
):
    ghosts = [twilio.queued_call() for _ in range(services.MAX_GONE_PER_TAKE + 1)]
    for ghost in ghosts:
        fake_twilio_api.calls[ghost.sid] = "completed"
    first = operator_client.post(reverse("hotline:take_next")).json()
    assert first["call"] is None
    assert "al hadden opgehangen" in first["message"]
    assert Call.objects.filter(state=CallState.QUEUED).count() == 1
    second = operator_client.post(reverse("hotline:take_next")).json()
    assert second["call"] is None
    assert not Call.objects.filter(state=CallState.QUEUED).exists()
    third = operator_client.post(reverse("hotline:take_next")).json()
    assert third == {"call": None, "message": "Er wacht op dit moment niemand.", "notice": ""}


@pytest.mark.parametrize("answer", ["error", "hang"])
def test_take_next_puts_a_caller_twilio_could_not_answer_about_back_in_their_place(
    twilio, fake_twilio_api, operator_client, settings, answer
):
    settings.TWILIO_REST_TIMEOUT_SECONDS = 0.3
    first = twilio.queued_call(acute=True)
    behind = twilio.queued_call()
    enqueued_at = first.enqueued_at
    fake_twilio_api.calls[first.sid] = answer
    response = operator_client.post(reverse("hotline:take_next"))
    assert response.status_code == 502
    assert "weer in de wachtrij" in response.json()["error"]
    first.refresh_from_db()
    assert (first.state, first.operator, first.enqueued_at) == (
        CallState.QUEUED,
        None,
        enqueued_at,
    )
    behind.refresh_from_db()
    assert behind.state == CallState.QUEUED


def test_taking_a_ghost_by_hand_says_the_caller_had_hung_up(
    twilio, fake_twilio_api, operator_client
):
    ghost = twilio.queued_call()
    fake_twilio_api.calls[ghost.sid] = "completed"
    response = operator_client.post(reverse("hotline:take_call", args=[ghost.pk]))
    assert response.status_code == 409
    assert response.json()["error"] == (
        "De beller had al opgehangen; het gesprek is uit de wachtrij gehaald."
    )
    ghost.refresh_from_db()
    assert (ghost.state, ghost.outcome) == (CallState.ABANDONED, CallOutcome.ENDED_UNREPORTED)
