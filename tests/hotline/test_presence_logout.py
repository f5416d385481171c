from __future__ import annotations

import pytest
from django.conf import settings

from events.models import OutboxEvent
from hotline.models import OperatorPresence, PresenceState
from hotline.presence import presence_set
from hotline.services import call_enqueue, call_receive, call_role_choose

pytestmark = pytest.mark.django_db


def test_an_operator_who_logs_out_is_shown_away(operator_client, operator):
    presence_set(user=operator, state=PresenceState.AVAILABLE)
    operator_client.post("/accounts/logout/")
    assert OperatorPresence.objects.get(user=operator).state == PresenceState.AWAY
    event = OutboxEvent.objects.filter(kind="presence.changed").last()
    assert event is not None
    assert event.payload["state"] == "away"


def test_logging_out_without_a_presence_creates_none(operator_client, operator):
    operator_client.post("/accounts/logout/")
    assert not OperatorPresence.objects.filter(user=operator).exists()


def test_a_call_from_another_regions_number_served_here_shows_on_this_regions_dashboards():
    call, _ = call_receive(sid="CA" + "7" * 32, from_number="+31302345678", account_sid="AC")
    call = call_role_choose(call=call, role="victim")
    call_enqueue(call=call, acute=False)
    assert set(OutboxEvent.objects.values_list("region", flat=True)) == {settings.VT_REGION}
