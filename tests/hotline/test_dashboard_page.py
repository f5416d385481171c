"""The dashboard page, operators' presence and the keepalive: works, bad input, wrong person."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client
from django.urls import reverse

from accounts import roles
from cases.codes import CallerChoice, Channel
from dashboard.views import dashboard_snapshot
from events.models import OutboxEvent
from hotline import services
from hotline.models import OperatorPresence, PresenceState
from privacy.models import AccessLogEntry
from tests.cases.factories import register_case, victim_contact
from tests.conftest import log_in_fully, make_staff

pytestmark = pytest.mark.django_db

DASHBOARD = "/hotline/"
PRESENCE = "/hotline/presence/"
HEARTBEAT = "/hotline/heartbeat/"


@pytest.fixture
def outsider_client(db) -> Client:
    """Fully logged in with 2FA, but without the hotline permission."""
    user = make_staff("nina", roles.OPERATOR)
    client = log_in_fully(Client(), user)
    user.groups.clear()
    return client


def presence_events() -> list[dict]:
    events = OutboxEvent.objects.filter(kind="presence.changed")
    return list(events.values_list("payload", flat=True))


def test_the_dashboard_page_loads_its_script_and_strings_and_marks_the_operator_available(
    operator_client, operator
):
    response = operator_client.get(DASHBOARD)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'type="module" src="/static/js/dashboard.js"' in page
    assert "<script>" not in page  # the CSP allows no inline script
    data = page.split('id="dashboard-strings" type="application/json">')[1]
    strings = json.loads(data.split("<")[0])
    assert strings["take"] == "Neem aan"
    assert strings["roles"]["victim"] == "slachtoffer"
    # A call's role is shown in the menu's own vocabulary, the one the intake translates.
    assert strings["roles"] == {value: str(label) for value, label in CallerChoice.choices}
    assert 'data-intake-url="/cases/new/"' in page
    assert OperatorPresence.objects.get(user=operator).state == PresenceState.AVAILABLE
    assert presence_events() == [
        {"username": "olga", "state": "available", "since": presence_events()[0]["since"]}
    ]
    # A second visit changes nothing.
    operator_client.get(DASHBOARD)
    assert len(presence_events()) == 1


def test_an_anonymous_visitor_is_sent_to_the_login(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_staff_without_the_hotline_permission_are_refused_the_page_and_logged(
    outsider_client, caplog
):
    caplog.set_level(logging.WARNING, logger="veiligthuis.security")
    assert outsider_client.get(DASHBOARD).status_code == 403
    assert "view=dashboard:dashboard" in caplog.text
    assert AccessLogEntry.objects.filter(target_id="dashboard:dashboard", allowed=False).exists()
    assert not OperatorPresence.objects.exists()


@pytest.mark.parametrize("state", ["away", "wrap_up", "available"])
def test_an_operator_sets_their_own_state(operator_client, operator, state):
    operator_client.get(DASHBOARD)
    response = operator_client.post(PRESENCE, {"state": state}, HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 200
    assert response.json()["state"] == state
    assert OperatorPresence.objects.get(user=operator).state == state
    assert presence_events()[-1]["state"] == state


def test_the_presence_form_works_without_script(operator_client, operator):
    response = operator_client.post(PRESENCE, {"state": "away"})
    assert response.status_code == 302 and response["Location"] == DASHBOARD
    assert OperatorPresence.objects.get(user=operator).state == "away"


@pytest.mark.parametrize("state", ["on_call", "", "asleep"])
def test_a_state_an_operator_cannot_choose_is_refused_and_changes_nothing(
    operator_client, operator, state
):
    operator_client.get(DASHBOARD)
    events = OutboxEvent.objects.count()
    response = operator_client.post(PRESENCE, {"state": state}, HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 400
    assert "beschikbaar, nazorg of afwezig" in response.json()["error"]
    assert OperatorPresence.objects.get(user=operator).state == PresenceState.AVAILABLE
    assert OutboxEvent.objects.count() == events


def test_staff_without_the_hotline_permission_cannot_set_a_presence(outsider_client, caplog):
    caplog.set_level(logging.WARNING, logger="veiligthuis.security")
    assert outsider_client.post(PRESENCE, {"state": "available"}).status_code == 403
    assert "view=dashboard:presence" in caplog.text
    assert not OperatorPresence.objects.exists()


def test_the_keepalive_answers_only_a_post_from_an_operator(operator_client, outsider_client):
    assert operator_client.post(HEARTBEAT).status_code == 204
    assert operator_client.get(HEARTBEAT).status_code == 405
    assert outsider_client.post(HEARTBEAT).status_code == 403
    assert Client().post(HEARTBEAT).status_code == 302


def test_taking_a_call_puts_the_operator_on_call_and_its_end_into_wrap_up(
    twilio, operator_client, operator
):
    operator_client.get(DASHBOARD)
    call = twilio.queued_call()
    assert operator_client.post(reverse("hotline:take_call", args=[call.pk])).status_code == 200
    assert OperatorPresence.objects.get(user=operator).state == PresenceState.ON_CALL
    twilio.connect(call.sid, call.pk)
    assert twilio.status(call.sid, "completed", 5).status_code == 204
    assert OperatorPresence.objects.get(user=operator).state == PresenceState.WRAP_UP
    kinds = list(OutboxEvent.objects.values_list("kind", flat=True))
    # Each presence change right after the call event that caused it, in one transaction.
    assert kinds[kinds.index("call.taken") + 1] == "presence.changed"
    assert kinds[kinds.index("call.ended") + 1] == "presence.changed"


def test_a_call_back_in_the_queue_makes_the_operator_available_unless_they_went_away(
    twilio, operator, other_operator
):
    first, second = twilio.queued_call(), twilio.queued_call()
    services.call_take(call=first, operator=operator)
    services.call_requeue(call=first, note="softphone did not answer")
    assert OperatorPresence.objects.get(user=operator).state == PresenceState.AVAILABLE

    services.call_take(call=second, operator=other_operator)
    from hotline.presence import presence_set

    presence_set(user=other_operator, state="away")
    services.call_requeue(call=second, note="softphone did not answer")
    assert OperatorPresence.objects.get(user=other_operator).state == PresenceState.AWAY


MARKER = "MARKER-7513"


def test_dashboard_payloads_carry_no_numbers_names_or_narratives(twilio, operator, supervisor):
    call = twilio.queued_call()  # from +31701234567
    services.call_take(call=call, operator=operator)
    case = register_case(
        supervisor,
        account=f"Relaas {MARKER}: hij slaat haar.",
        contact=victim_contact(
            name=f"Melder {MARKER}", phone="+31612347513", channel=Channel.ONLINE
        ),
        people=[{"role": "victim", "is_child": True, "name": f"Kind {MARKER}"}],
    )
    from cases.services import case_flag_acute

    case_flag_acute(case_id=case.pk, by=supervisor, reason=f"reden {MARKER}")
    everything = json.dumps(
        [list(OutboxEvent.objects.values("kind", "payload")), dashboard_snapshot(user=supervisor)]
    )
    for telltale in (MARKER, "1234567", "12347513", "Sanne", "Melder", "Kind", "slaat"):
        assert telltale not in everything
    snapshot = dashboard_snapshot(user=supervisor)
    assert [r["case_id"] for r in snapshot["reports"]] == [case.pk]
    assert [a["case_id"] for a in snapshot["alerts"]] == [case.pk]
