"""A webhook's writes cost what they must: no savepoint, only the changed columns, and the
audit row written with the event (issue 24: a webhook as cheap as a bare view)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.models import OutboxEvent
from hotline import services
from hotline.models import Call, CallState, CallTransition
from tests.hotline.conftest import new_sid

pytestmark = [pytest.mark.django_db(transaction=True)]

CALLER = "+31701234567"


def sql_of(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in queries.captured_queries]


def test_the_first_webhook_of_a_call_makes_it_without_a_savepoint():
    with CaptureQueriesContext(connection) as queries:
        call, created = services.call_receive(sid=new_sid(), from_number=CALLER, account_sid="")
    assert created
    assert not [sql for sql in sql_of(queries) if "SAVEPOINT" in sql.upper()]
    assert CallTransition.objects.filter(call=call, to_state=CallState.IVR).count() == 1


def test_the_same_first_webhook_twice_returns_the_call_it_made():
    sid = new_sid()
    first, created = services.call_receive(sid=sid, from_number=CALLER, account_sid="")
    again, created_again = services.call_receive(sid=sid, from_number=CALLER, account_sid="")
    assert created and not created_again
    assert again.pk == first.pk
    assert Call.objects.filter(sid=sid).count() == 1
    assert CallTransition.objects.filter(call=first).count() == 1


def test_queueing_a_call_writes_only_what_changed_and_its_audit_row_with_its_event():
    call, _ = services.call_receive(sid=new_sid(), from_number=CALLER, account_sid="")
    call = services.call_role_choose(call=call, role="victim")
    with CaptureQueriesContext(connection) as queries:
        services.call_enqueue(call=call, acute=False)
    statements = sql_of(queries)
    assert not [sql for sql in statements if "SAVEPOINT" in sql.upper()]
    call_table = connection.ops.quote_name(Call._meta.db_table)
    updates = [sql for sql in statements if sql.startswith(f"UPDATE {call_table}")]
    # One update of the call, and never its encrypted number.
    assert len(updates) == 1
    assert "caller_number" not in updates[0]
    if connection.vendor == "postgresql":
        audit_table = CallTransition._meta.db_table
        outbox_table = OutboxEvent._meta.db_table
        together = [sql for sql in statements if audit_table in sql and outbox_table in sql]
        assert len(together) == 1
    transition = CallTransition.objects.get(call=call, to_state=CallState.QUEUED)
    assert (transition.from_state, transition.by_label) == (CallState.IVR, "twilio")
    assert OutboxEvent.objects.filter(kind="call.queued", payload__call_id=call.pk).count() == 1
    call.refresh_from_db()
    assert call.state == CallState.QUEUED
    assert call.caller_number == CALLER
