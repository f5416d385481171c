"""A surge at shift change: many operators take calls at the same moment, on PostgreSQL.

Every call must end up with exactly one operator, every other operator must be told it
was taken, and the audit trail and the dashboards' events must say so once per call.
SQLite serialises writers, so there is no race to test on it: these run on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from accounts import roles
from events.models import OutboxEvent
from hotline import services
from hotline.models import Call, CallState, CallTransition
from tests.conftest import make_staff
from tests.hotline.conftest import new_sid

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]

OPERATORS = 8
CALLS = 12


def racing() -> bool:
    """A real race needs PostgreSQL's row locks (CI). SQLite (the embedded default) has
    none and one writer at a time, so there the same takes run one after another, which
    still checks that every call ends with exactly one operator."""
    return connection.vendor == "postgresql"


def waiting_calls(count: int) -> list[Call]:
    calls = []
    for _ in range(count):
        call, _created = services.call_receive(sid=new_sid(), from_number="", account_sid="")
        calls.append(services.call_enqueue(call=call, acute=False))
    return calls


def run_at_once(targets: list) -> None:
    if not racing():
        for target in targets:
            target()
        return
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a take never finished"


def assert_each_call_taken_once(calls: list[Call], winners: dict[int, list[str]]) -> None:
    for call in calls:
        assert len(winners.get(call.pk, [])) == 1, (call.pk, winners.get(call.pk))
        call.refresh_from_db()
        assert call.state == CallState.TAKEN
        assert call.operator is not None
        assert call.operator.username == winners[call.pk][0]
        assert CallTransition.objects.filter(call=call, to_state=CallState.TAKEN).count() == 1
    assert OutboxEvent.objects.filter(kind="call.taken").count() == len(calls)


def test_many_operators_clicking_the_same_calls_give_one_winner_each():
    operators = [make_staff(f"race{i}", roles.OPERATOR) for i in range(OPERATORS)]
    calls = waiting_calls(CALLS)
    barrier = threading.Barrier(OPERATORS if racing() else 1)
    winners: dict[int, list[str]] = {}
    refused: Counter[int] = Counter()
    lock = threading.Lock()

    def operator_clicks_every_call(operator) -> None:
        try:
            barrier.wait(timeout=20)
            # Everyone clicks the calls in a different order, all at once.
            shift = operators.index(operator)
            for call in calls[shift:] + calls[:shift]:
                try:
                    services.call_take(call=call, operator=operator)
                except services.CallNotAvailable:
                    with lock:
                        refused[call.pk] += 1
                    continue
                with lock:
                    winners.setdefault(call.pk, []).append(operator.username)
        finally:
            connections.close_all()

    run_at_once([lambda op=op: operator_clicks_every_call(op) for op in operators])
    assert_each_call_taken_once(calls, winners)
    assert all(refused[call.pk] == OPERATORS - 1 for call in calls), refused


def test_many_operators_pressing_take_next_share_the_queue_without_overlap():
    operators = [make_staff(f"next{i}", roles.OPERATOR) for i in range(OPERATORS)]
    calls = waiting_calls(CALLS)
    barrier = threading.Barrier(OPERATORS if racing() else 1)
    winners: dict[int, list[str]] = {}
    lock = threading.Lock()

    def operator_takes_next_until_empty(operator) -> None:
        try:
            barrier.wait(timeout=20)
            while (call := services.call_take_next(operator=operator)) is not None:
                with lock:
                    winners.setdefault(call.pk, []).append(operator.username)
        finally:
            connections.close_all()

    run_at_once([lambda op=op: operator_takes_next_until_empty(op) for op in operators])
    assert_each_call_taken_once(calls, winners)
    assert not Call.objects.filter(state=CallState.QUEUED).exists()
