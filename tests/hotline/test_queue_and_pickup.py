"""Our queue order, and exactly one operator per call."""

from __future__ import annotations

import logging
import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from accounts import roles
from events.models import OutboxEvent
from hotline import services
from hotline.models import Call, CallState, CallTransition
from hotline.selectors import call_queue
from privacy.models import AccessLogEntry
from tests.conftest import log_in_fully, make_staff
from tests.hotline.conftest import new_sid


def test_the_queue_puts_acute_first_then_role_priority_then_waiting_time(twilio, settings):
    settings.HOTLINE_ROLE_PRIORITY = ["child", "victim", "professional", "bystander"]
    bystander = twilio.queued_call(role_key="2")
    victim_early = twilio.queued_call(role_key="1")
    perpetrator = twilio.queued_call(role_key="4")  # not in the list: last
    victim_late = twilio.queued_call(role_key="1")
    child = twilio.queued_call(role_key="5")
    acute_bystander = twilio.queued_call(role_key="2", acute=True)
    assert list(call_queue()) == [
        acute_bystander,
        child,
        victim_early,
        victim_late,
        bystander,
        perpetrator,
    ]


def test_the_role_priority_is_a_setting(twilio, settings):
    settings.HOTLINE_ROLE_PRIORITY = ["perpetrator", "victim"]
    victim = twilio.queued_call(role_key="1")
    perpetrator = twilio.queued_call(role_key="4")
    assert list(call_queue()) == [perpetrator, victim]


def test_an_operator_takes_a_waiting_call(twilio, operator_client, operator):
    call = twilio.queued_call()
    response = operator_client.post(reverse("hotline:take_call", args=[call.pk]))
    assert response.status_code == 200
    assert response.json()["call"]["operator"] == operator.username
    call.refresh_from_db()
    assert (call.state, call.operator) == (CallState.TAKEN, operator)
    transition = CallTransition.objects.get(call=call, to_state=CallState.TAKEN)
    assert (transition.by, transition.by_label) == (operator, operator.username)
    event = OutboxEvent.objects.get(kind="call.taken")
    assert event.payload["operator"] == operator.username


def test_a_simulated_call_leaves_the_queue_and_is_bridged_to_the_operator(
    twilio, operator_client, operator
):
    call = twilio.queued_call()
    operator_client.post(reverse("hotline:take_call", args=[call.pk]))
    assert "<Leave" in twilio.wait(call.sid).content.decode()
    redirect = twilio.queue_result(call.sid, "leave").content.decode()
    assert f"/hotline/twilio/connect/?call={call.pk}" in redirect
    bridge = twilio.connect(call.sid, call.pk).content.decode()
    assert f"<Client>operator-{operator.pk}</Client>" in bridge
    call.refresh_from_db()
    assert call.state == CallState.CONNECTED


def test_an_operator_who_does_not_answer_puts_the_caller_back_in_their_place(twilio, operator):
    call = twilio.queued_call()
    enqueued_at = call.enqueued_at
    services.call_take(call=call, operator=operator)
    twilio.connect(call.sid, call.pk)
    body = twilio.connect(call.sid, call.pk, step="after", DialCallStatus="no-answer")
    assert "<Enqueue" in body.content.decode()
    call.refresh_from_db()
    assert (call.state, call.operator, call.enqueued_at) == (CallState.QUEUED, None, enqueued_at)


def test_take_next_takes_the_first_call_in_our_order(twilio, operator_client):
    twilio.queued_call(role_key="2")
    child = twilio.queued_call(role_key="5")
    response = operator_client.post(reverse("hotline:take_next"))
    assert response.status_code == 200
    assert response.json()["call"]["call_id"] == child.pk


def test_take_next_with_nobody_waiting_says_so(operator_client):
    response = operator_client.post(reverse("hotline:take_next"))
    assert response.status_code == 200
    assert response.json()["call"] is None


def test_a_call_already_taken_is_refused_with_a_clear_message(twilio, operator, other_operator):
    call = twilio.queued_call()
    services.call_take(call=call, operator=other_operator)
    client = log_in_fully(Client(), operator)
    response = client.post(reverse("hotline:take_call", args=[call.pk]))
    assert response.status_code == 409
    assert "al aangenomen" in response.json()["error"]
    call.refresh_from_db()
    assert call.operator == other_operator


def test_taking_a_call_that_does_not_exist_is_404(operator_client):
    response = operator_client.post(reverse("hotline:take_call", args=[999999]))
    assert response.status_code == 404


def test_taking_needs_post(twilio, operator_client):
    call = twilio.queued_call()
    assert operator_client.get(reverse("hotline:take_call", args=[call.pk])).status_code == 405
    call.refresh_from_db()
    assert call.state == CallState.QUEUED


def test_staff_without_the_hotline_permission_are_refused_and_it_is_logged(twilio, caplog):
    from django.contrib.auth.models import Group

    clerk = make_staff("kees", roles.OPERATOR)
    clerk.groups.remove(Group.objects.get(name=roles.OPERATOR))
    call = twilio.queued_call()
    client = log_in_fully(Client(), clerk)
    with caplog.at_level(logging.WARNING, logger="veiligthuis.security"):
        response = client.post(reverse("hotline:take_call", args=[call.pk]))
        refused_next = client.post(reverse("hotline:take_next"))
        refused_token = client.get(reverse("hotline:token"))
    assert (response.status_code, refused_next.status_code, refused_token.status_code) == (
        403,
        403,
        403,
    )
    call.refresh_from_db()
    assert call.state == CallState.QUEUED
    assert "access refused" in caplog.text
    assert AccessLogEntry.objects.filter(allowed=False, actor_id=clerk.pk).count() == 3


def test_someone_not_logged_in_is_sent_to_the_login(twilio):
    call = twilio.queued_call()
    response = Client().post(reverse("hotline:take_call", args=[call.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    call.refresh_from_db()
    assert call.state == CallState.QUEUED


@pytest.mark.django_db(transaction=True)
def test_of_operators_racing_for_the_same_call_exactly_one_wins():
    """On PostgreSQL the takes really run at once; SQLite serialises writers itself, so
    there they run one after the other and the test still checks the outcome."""
    concurrent = connection.vendor == "postgresql"
    operators = [make_staff(f"op{i}", roles.OPERATOR) for i in range(4)]
    calls = []
    for _ in range(5):
        call, _created = services.call_receive(sid=new_sid(), from_number="", account_sid="")
        calls.append(services.call_enqueue(call=call, acute=False))
    serialise = threading.Lock()

    for call in calls:
        barrier = threading.Barrier(len(operators))
        outcomes: dict[str, str] = {}

        def take(operator, call=call, barrier=barrier, outcomes=outcomes):
            try:
                barrier.wait(timeout=10)
                if concurrent:
                    services.call_take(call=call, operator=operator)
                else:
                    with serialise:
                        services.call_take(call=call, operator=operator)
                outcomes[operator.username] = "won"
            except services.CallNotAvailable:
                outcomes[operator.username] = "told it was taken"
            finally:
                connections.close_all()

        threads = [threading.Thread(target=take, args=(op,)) for op in operators]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        winners = [name for name, outcome in outcomes.items() if outcome == "won"]
        assert len(winners) == 1, outcomes
        assert sorted(outcomes.values()).count("told it was taken") == len(operators) - 1
        call.refresh_from_db()
        assert call.state == CallState.TAKEN
        assert call.operator is not None
        assert call.operator.username == winners[0]
        assert CallTransition.objects.filter(call=call, to_state=CallState.TAKEN).count() == 1
    assert OutboxEvent.objects.filter(kind="call.taken").count() == len(calls)


@pytest.mark.django_db(transaction=True)
def test_a_second_take_waits_for_the_first_and_is_then_refused():
    """The first take holds the row (its transaction still open) while the second tries."""
    first_operator = make_staff("eerste", roles.OPERATOR)
    second_operator = make_staff("tweede", roles.OPERATOR)
    call, _created = services.call_receive(sid=new_sid(), from_number="", account_sid="")
    call = services.call_enqueue(call=call, acute=False)
    result: dict[str, str] = {}
    first_claimed = threading.Event()
    release_first = threading.Event()

    def first():
        from django.db import transaction

        try:
            with transaction.atomic():
                services.call_take(call=call, operator=first_operator)
                first_claimed.set()
                release_first.wait(timeout=10)
            result["first"] = "won"
        finally:
            connections.close_all()

    def second():
        try:
            first_claimed.wait(timeout=10)
            if connection.vendor != "postgresql":
                # SQLite would refuse the second writer with "database is locked";
                # the row-level wait is what PostgreSQL adds. Let the first commit.
                release_first.set()
                thread_one.join(timeout=10)
            services.call_take(call=call, operator=second_operator)
            result["second"] = "won"
        except services.CallNotAvailable:
            result["second"] = "told it was taken"
        finally:
            connections.close_all()

    thread_one = threading.Thread(target=first)
    thread_two = threading.Thread(target=second)
    thread_one.start()
    thread_two.start()
    first_claimed.wait(timeout=10)
    thread_two.join(timeout=0.5)  # on PostgreSQL the second is now blocked on the row lock
    release_first.set()
    thread_one.join(timeout=10)
    thread_two.join(timeout=10)
    assert result == {"first": "won", "second": "told it was taken"}
    assert Call.objects.get(pk=call.pk).operator == first_operator
