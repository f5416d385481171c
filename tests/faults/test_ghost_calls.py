"""Ghost calls at the head of the queue (issue 18, item 4).

Callers hung up and Twilio's final webhooks for them never arrived: in our queue they still
wait, first in line. Twilio refuses to move them (400, code 21220). Operators pressing
"take next" all at once must get the live callers behind them (one a child), never a 502,
and each ghost must be closed exactly once. The worker's check closes a ghost only on
Twilio's definitive answer, and leaves every call Twilio says nothing definite about.

Twilio's REST API is a local server that answers as Twilio does; on PostgreSQL the
operators really race, on SQLite they take turns (tests/faults/test_take_call_race.py).
"""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from hotline import services
from hotline.models import Call, CallOutcome, CallState, CallTransition
from hotline.reconcile import reconcile_calls
from tests.conftest import log_in_fully, make_staff
from tests.faults.test_take_call_race import racing, run_at_once
from tests.hotline.conftest import fake_twilio_api_running, new_sid

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]

OPERATORS = 4
GHOSTS = 3


@pytest.fixture
def twilio_api(settings):
    with fake_twilio_api_running(settings) as fake:
        yield fake


def real_waiting_call(*, role: str = "victim", acute: bool = False) -> Call:
    from django.conf import settings

    call, _created = services.call_receive(
        sid=new_sid(), from_number="", account_sid=settings.TWILIO_ACCOUNT_SID
    )
    assert not call.simulated
    call = services.call_role_choose(call=call, role=role)
    return services.call_enqueue(call=call, acute=acute)


def test_operators_taking_next_at_once_get_the_live_callers_behind_the_ghosts(twilio_api):
    operators = [make_staff(f"ghost{i}", roles.OPERATOR) for i in range(OPERATORS)]
    clients = {op.pk: log_in_fully(Client(), op) for op in operators}
    # Acute callers who hung up: first in our order, and gone at Twilio.
    ghosts = [real_waiting_call(role="bystander", acute=True) for _ in range(GHOSTS)]
    for ghost in ghosts:
        twilio_api.calls[ghost.sid] = "completed"
    child = real_waiting_call(role="child")
    live = [child, *(real_waiting_call() for _ in range(OPERATORS - 1))]
    barrier = threading.Barrier(OPERATORS if racing() else 1)
    answers: list[tuple[int, int | None, int]] = []
    lock = threading.Lock()

    def operator_presses_take_next(operator) -> None:
        try:
            barrier.wait(timeout=20)
            response = clients[operator.pk].post(reverse("hotline:take_next"))
            call = response.json().get("call")
            with lock:
                answers.append((response.status_code, call and call["call_id"], operator.pk))
        finally:
            connections.close_all()

    run_at_once([lambda op=op: operator_presses_take_next(op) for op in operators])

    assert [status for status, _, _ in answers] == [200] * OPERATORS
    taken = sorted(call_id for _, call_id, _ in answers if call_id is not None)
    assert taken == sorted(call.pk for call in live)
    child.refresh_from_db()
    assert child.state == CallState.TAKEN
    for ghost in ghosts:
        ghost.refresh_from_db()
        assert (ghost.state, ghost.outcome, ghost.operator) == (
            CallState.ABANDONED,
            CallOutcome.ENDED_UNREPORTED,
            None,
        )
        assert CallTransition.objects.filter(call=ghost, to_state=CallState.ABANDONED).count() == 1


def test_the_worker_closes_only_what_twilio_says_is_over(twilio_api, settings):
    settings.TWILIO_REST_TIMEOUT_SECONDS = 0.3
    answers = ["completed", "canceled", "missing", "in-progress", "error", "hang"]
    calls = {answer: real_waiting_call() for answer in answers}
    long_ago = timezone.now() - datetime.timedelta(minutes=settings.GHOST_CALL_AFTER_MINUTES + 5)
    Call.objects.update(created_at=long_ago)
    for answer, call in calls.items():
        twilio_api.calls[call.sid] = answer

    result = reconcile_calls()

    assert (result.checked, result.closed, result.live, result.unknown) == (6, 3, 1, 2)
    states = {
        answer: Call.objects.values_list("state", "outcome").get(pk=call.pk)
        for answer, call in calls.items()
    }
    closed = (CallState.ABANDONED, CallOutcome.ENDED_UNREPORTED)
    kept = (CallState.QUEUED, "")
    assert states == {
        "completed": closed,
        "canceled": closed,
        "missing": closed,
        "in-progress": kept,
        "error": kept,
        "hang": kept,
    }
    # The callers still waiting can be taken as before.
    operator = make_staff("after-check", roles.OPERATOR)
    twilio_api.calls.clear()
    taken = services.call_take_next_reporting(operator=operator)
    assert taken.call is not None and taken.closed == 0
