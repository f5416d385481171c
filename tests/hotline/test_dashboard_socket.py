"""The dashboard socket: who may open it, the snapshot, events in order, and `since`."""

from __future__ import annotations

import datetime
import logging

import pytest
from channels.db import database_sync_to_async
from django.contrib.sessions.backends.db import SessionStore
from django.db import transaction
from django.test import Client
from django.utils import timezone

from accounts import roles
from dashboard import views as dashboard
from dashboard.consumers import CLOSE_SESSION_ENDED, DashboardConsumer
from events.models import OutboxEvent
from events.services import group_for_region
from hotline import services
from hotline.models import Call, CallState
from privacy.models import AccessLogEntry
from tests.conftest import PASSWORD, log_in_fully, make_staff
from tests.hotline.conftest import new_sid
from tests.hotline.dashboard_helpers import (
    Page,
    open_socket,
    receive,
    receive_until,
    session_cookie,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.fixture(autouse=True)
def no_relay_loop(settings):
    # The relay loop has its own tests; here it would only publish behind the tests' backs.
    settings.EVENTS_RELAY_INTERVAL_SECONDS = 0


def queue_a_call(*, acute: bool = False, role: str = "victim") -> Call:
    """A Den Haag caller through the menu into the queue, by the real services."""
    call, _ = services.call_receive(sid=new_sid(), from_number="+31701234567", account_sid="")
    call = services.call_role_choose(call=call, role=role)
    return services.call_enqueue(call=call, acute=acute)


@pytest.fixture
def operator_cookie(operator) -> str:
    return session_cookie(log_in_fully(Client(), operator))


async def test_an_operator_gets_the_snapshot_then_each_event_in_order(operator, operator_cookie):
    waiting = await database_sync_to_async(queue_a_call)(acute=True)
    socket, connected = await open_socket(operator_cookie)
    assert connected
    snapshot = await receive(socket)
    assert snapshot["type"] == "snapshot"
    assert snapshot["seq"] == await database_sync_to_async(dashboard.outbox_head)()
    assert [c["call_id"] for c in snapshot["calls"]] == [waiting.pk]
    assert snapshot["calls"][0]["acute"] is True

    later = await database_sync_to_async(queue_a_call)()
    event = await receive_until(socket, "call.queued")
    assert event["type"] == "event"
    assert event["seq"] == snapshot["seq"] + 1
    assert event["payload"]["call_id"] == later.pk
    await socket.disconnect()


async def test_an_anonymous_socket_is_refused_before_the_handshake_and_logged(caplog):
    caplog.set_level(logging.WARNING, logger="veiligthuis.security")
    _socket, connected = await open_socket(None)
    assert not connected
    assert "view=ws:dashboard" in caplog.text and "not logged in" in caplog.text
    # A stranger: the security log has it, the access log does not (privacy.strangers).
    assert not await database_sync_to_async(AccessLogEntry.objects.exists)()


async def test_a_password_without_the_second_factor_is_refused(operator):
    client = Client()
    await database_sync_to_async(client.post)(
        "/accounts/login/", {"username": operator.username, "password": PASSWORD}
    )
    _socket, connected = await open_socket(session_cookie(client))
    assert not connected


async def test_staff_without_the_hotline_permission_are_refused_and_logged(caplog):
    caplog.set_level(logging.WARNING, logger="veiligthuis.security")

    def verified_user_without_role() -> str:
        user = make_staff("nina", roles.OPERATOR)
        client = log_in_fully(Client(), user)
        user.groups.clear()
        return session_cookie(client)

    cookie = await database_sync_to_async(verified_user_without_role)()
    _socket, connected = await open_socket(cookie)
    assert not connected
    assert "lacks accounts.answer_hotline" in caplog.text
    entry = await database_sync_to_async(AccessLogEntry.objects.get)(target_id="ws:dashboard")
    assert entry.allowed is False and entry.actor_username == "nina"


async def test_a_socket_from_another_site_is_refused(operator_cookie):
    _socket, connected = await open_socket(operator_cookie, origin="https://evil.example")
    assert not connected


async def test_an_idle_session_cannot_open_the_socket(operator_cookie):
    def make_idle() -> None:
        session = SessionStore(session_key=operator_cookie)
        session["last_seen"] = int((timezone.now() - datetime.timedelta(hours=1)).timestamp())
        session.save()

    await database_sync_to_async(make_idle)()
    _socket, connected = await open_socket(operator_cookie)
    assert not connected


async def test_logging_out_closes_an_open_socket(operator, monkeypatch):
    monkeypatch.setattr(DashboardConsumer, "session_check_seconds", 0.1)
    client = await database_sync_to_async(log_in_fully)(Client(), operator)
    socket, connected = await open_socket(session_cookie(client))
    assert connected
    await receive(socket)
    await database_sync_to_async(client.post)("/accounts/logout/")
    closed = await socket.receive_output(timeout=3)
    assert closed == {"type": "websocket.close", "code": CLOSE_SESSION_ENDED}


async def test_since_returns_every_later_event_in_order(operator_cookie):
    socket, _ = await open_socket(operator_cookie)
    snapshot = await receive(socket)
    calls = [await database_sync_to_async(queue_a_call)() for _ in range(3)]
    for _ in calls:
        await receive_until(socket, "call.queued")
    await socket.send_json_to({"type": "since", "seq": snapshot["seq"]})
    reply = await receive(socket)
    assert reply["type"] == "events"
    seqs = [event["seq"] for event in reply["events"]]
    assert seqs == sorted(seqs) and seqs[0] > snapshot["seq"]
    assert [e["payload"]["call_id"] for e in reply["events"]] == [c.pk for c in calls]
    assert reply["upto"] == seqs[-1]
    await socket.disconnect()


@pytest.mark.parametrize(
    "message",
    [{"type": "since", "seq": -1}, {"type": "since", "seq": "3"}, {"type": "since"}, {"x": 1}],
)
async def test_a_bad_message_gets_an_error_and_changes_nothing(operator_cookie, message):
    socket, _ = await open_socket(operator_cookie)
    await receive(socket)
    events = await database_sync_to_async(OutboxEvent.objects.count)()
    await socket.send_json_to(message)
    assert (await receive(socket))["type"] == "error"
    await socket.send_to(text_data="not json")
    assert (await receive(socket))["type"] == "error"
    assert await database_sync_to_async(OutboxEvent.objects.count)() == events
    # Still open and answering.
    await socket.send_json_to({"type": "since", "seq": 0})
    assert (await receive(socket))["type"] == "events"
    await socket.disconnect()


async def test_a_page_far_behind_gets_a_fresh_snapshot(operator_cookie, monkeypatch):
    monkeypatch.setattr(dashboard, "MAX_EVENTS_SINCE", 2)
    socket, _ = await open_socket(operator_cookie)
    snapshot = await receive(socket)
    for _ in range(3):
        await database_sync_to_async(queue_a_call)()
    await socket.send_json_to({"type": "since", "seq": snapshot["seq"]})
    reply = await receive_until_type(socket, "snapshot")
    assert len([c for c in reply["calls"] if c["state"] == "queued"]) == 3
    # A page ahead of the database (restored from a backup) starts over too.
    await socket.send_json_to({"type": "since", "seq": reply["seq"] + 1000})
    assert (await receive_until_type(socket, "snapshot"))["seq"] == reply["seq"]
    await socket.disconnect()


async def receive_until_type(socket, kind: str) -> dict:
    while True:
        message = await receive(socket)
        if message["type"] == kind:
            return message


async def test_a_page_that_missed_events_converges_to_the_database(
    operator, other_operator, operator_cookie, monkeypatch
):
    """Events lost on the way (never published) are found again through `since`."""
    first = await database_sync_to_async(queue_a_call)()
    socket, _ = await open_socket(operator_cookie)
    page = Page(await receive(socket))

    # From here on nothing reaches the page, as if the messages were dropped.
    monkeypatch.setattr("events.services._publish_committed", lambda *_: None)

    def meanwhile() -> None:
        services.call_take(call=first, operator=other_operator)
        queue_a_call(acute=True)
        third = queue_a_call()
        services.call_end_safely(call=third)

    await database_sync_to_async(meanwhile)()
    assert await socket.receive_nothing(timeout=0.3)

    await socket.send_json_to({"type": "since", "seq": page.seq})
    for event in (await receive(socket))["events"]:
        page.apply(event)

    socket_b, _ = await open_socket(operator_cookie)
    fresh = Page(await receive(socket_b))
    assert page.view() == fresh.view()
    assert page.view()["active"] == [(first.pk, other_operator.username)]
    assert page.view()["operators"] == {other_operator.username: "on_call"}
    assert len(page.view()["queue"]) == 1
    await socket.disconnect()
    await socket_b.disconnect()


async def test_a_rolled_back_transaction_produces_no_event(operator_cookie):
    socket, _ = await open_socket(operator_cookie)
    snapshot = await receive(socket)

    def enqueue_then_fail() -> None:
        call, _ = services.call_receive(sid=new_sid(), from_number="+31701234567", account_sid="")
        with pytest.raises(RuntimeError), transaction.atomic():
            services.call_enqueue(call=call, acute=True)
            raise RuntimeError("something after the enqueue failed")
        assert Call.objects.get(pk=call.pk).state == CallState.IVR

    await database_sync_to_async(enqueue_then_fail)()
    assert await database_sync_to_async(dashboard.outbox_head)() == snapshot["seq"]
    assert not await database_sync_to_async(OutboxEvent.objects.exists)()
    assert await socket.receive_nothing(timeout=0.5)
    await socket.disconnect()


async def test_a_socket_listens_on_its_region_group_only(operator_cookie, monkeypatch):
    # Audiences are the catalogue's business (events.catalogue), not per-role groups that
    # nothing sends to. Watched at group_add, so it holds on either channel layer.
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    assert layer is not None
    joined: list[str] = []
    join = layer.group_add

    async def group_add(group, channel):
        joined.append(group)
        await join(group, channel)

    monkeypatch.setattr(layer, "group_add", group_add)
    socket, _ = await open_socket(operator_cookie)
    await receive(socket)
    assert joined == [group_for_region(dashboard.settings.VT_REGION)]
    await socket.disconnect()
