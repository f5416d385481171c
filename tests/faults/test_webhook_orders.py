"""Twilio delivers at least once and in no guaranteed order: whatever arrives, each call
ends in exactly one state, consistent with the highest SequenceNumber it was told.

A Hypothesis state machine sends the webhooks of three calls (a Den Haag landline, a
mobile that is asked for a postcode, a Rotterdam landline that is transferred) in random
order, with duplicates and exact replays of earlier requests, and operators taking calls
in between. After every step the database must tell one consistent story per call.
"""

from __future__ import annotations

import itertools

import pytest
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from events.models import OutboxEvent
from hotline import services
from hotline.models import FINAL_STATES, Call, CallState, CallTransition
from hotline.services import KNOWN_TWILIO_STATUSES, TERMINAL_TWILIO_STATUSES
from tests.hotline.conftest import (
    DEN_HAAG_LANDLINE,
    MOBILE,
    ROTTERDAM_LANDLINE,
    TwilioSays,
    call_params,
    new_sid,
)

pytestmark = [pytest.mark.fault, pytest.mark.django_db]

CALLERS = [DEN_HAAG_LANDLINE, MOBILE, ROTTERDAM_LANDLINE]
ENDED_STATES = {*FINAL_STATES, CallState.TRANSFERRED}
which = st.integers(min_value=0, max_value=len(CALLERS) - 1)


def machine_for(twilio, operator):
    class WebhookOrders(RuleBasedStateMachine):
        @initialize()
        def calls(self) -> None:
            self.sids = [new_sid() for _ in CALLERS]
            self.sent: list[tuple[str, dict[str, str]]] = []  # every request, for replays
            # What Twilio told us, per call: (status, sequence) in arrival order, counted
            # only once the call exists (a status for an unknown call is dropped).
            self.expected_status: dict[str, tuple[str, int]] = {}
            self.final_seen: dict[str, str] = {}

        # --- sending -----------------------------------------------------------------

        def send(self, path: str, params: dict[str, str]) -> None:
            self.sent.append((path, params))
            response = twilio.post(path, params)
            assert response.status_code in {200, 204}, (path, params, response.status_code)
            if "CallStatus" in params and path.startswith("/hotline/twilio/status/"):
                self.track_status(params)

        def track_status(self, params: dict[str, str]) -> None:
            sid, status = params["CallSid"], params["CallStatus"]
            sequence = int(params["SequenceNumber"])
            if not Call.objects.filter(sid=sid).exists():
                return
            current, current_seq = self.expected_status.get(sid, ("", -1))
            if current in TERMINAL_TWILIO_STATUSES or sequence <= current_seq:
                return
            self.expected_status[sid] = (status, sequence)

        def params(self, i: int, **extra: str) -> dict[str, str]:
            return call_params(self.sids[i], From=CALLERS[i], **extra)

        @rule(i=which)
        def voice(self, i: int) -> None:
            self.send("/hotline/twilio/voice/", self.params(i))

        @rule(
            i=which,
            step=st.sampled_from(["postcode", "role", "acute"]),
            digits=st.sampled_from(["1", "2", "5", "9", "0", "8", "", "2514", "3011"]),
        )
        def menu(self, i: int, step: str, digits: str) -> None:
            self.send(f"/hotline/twilio/menu/?step={step}", self.params(i, Digits=digits))

        @rule(i=which, step=st.sampled_from(["", "key"]), digits=st.sampled_from(["", "0", "9"]))
        def wait(self, i: int, step: str, digits: str) -> None:
            path = "/hotline/twilio/wait/" + (f"?step={step}" if step else "")
            params = self.params(i, QueuePosition="1", QueueTime="10", QueueSid="QU1")
            if digits:
                params["Digits"] = digits
            self.send(path, params)

        @rule(i=which, result=st.sampled_from(["hangup", "leave", "bridged", "queue-full"]))
        def queue_result(self, i: int, result: str) -> None:
            self.send("/hotline/twilio/queue-result/", self.params(i, QueueResult=result))

        @rule(
            i=which,
            status=st.sampled_from(sorted(KNOWN_TWILIO_STATUSES)),
            sequence=st.integers(min_value=0, max_value=6),
        )
        def status(self, i: int, status: str, sequence: int) -> None:
            self.send(
                "/hotline/twilio/status/",
                self.params(i, CallStatus=status, SequenceNumber=str(sequence)),
            )

        @rule(pick=st.integers(min_value=0, max_value=10_000))
        def replay(self, pick: int) -> None:
            """Twilio retries: the very same request again, possibly much later."""
            if self.sent:
                path, params = self.sent[pick % len(self.sent)]
                self.send(path, dict(params))

        @rule(i=which)
        def operator_takes(self, i: int) -> None:
            call = Call.objects.filter(sid=self.sids[i]).first()
            if call is None:
                return
            try:
                services.call_take(call=call, operator=operator)
            except services.CallNotAvailable:
                return
            self.send(f"/hotline/twilio/connect/?call={call.pk}", self.params(i))

        # --- what must hold after every step ---------------------------------------------

        @invariant()
        def one_consistent_story_per_call(self) -> None:
            for sid in getattr(self, "sids", []):
                rows = list(Call.objects.filter(sid=sid))
                assert len(rows) <= 1, f"{len(rows)} rows for {sid}"
                if not rows:
                    continue
                call = rows[0]
                assert call.state in CallState.values
                # The last applied status is the one with the highest sequence number
                # before the first terminal one; terminal statuses are sticky.
                status, sequence = self.expected_status.get(sid, ("", -1))
                assert (call.twilio_status, call.twilio_sequence) == (status, sequence)
                if call.twilio_status in TERMINAL_TWILIO_STATUSES:
                    assert call.state in ENDED_STATES, (call.state, call.twilio_status)
                # A finished call stays exactly as it finished.
                if sid in self.final_seen:
                    assert call.state == self.final_seen[sid]
                elif call.state in FINAL_STATES:
                    self.final_seen[sid] = call.state
                # The audit trail is one unbroken chain ending in the current state,
                # with at most one ending: a replay added nothing.
                chain = list(
                    CallTransition.objects.filter(call=call)
                    .order_by("pk")
                    .values_list("from_state", "to_state")
                )
                assert chain[0] == ("", CallState.IVR)
                for (_, before), (after, _) in itertools.pairwise(chain):
                    assert before == after, chain
                assert chain[-1][1] == call.state, chain
                assert sum(to in ENDED_STATES for _, to in chain) <= 1, chain
                endings = OutboxEvent.objects.filter(
                    kind__in=["call.ended", "call.abandoned", "call.transferred"],
                    payload__call_id=call.pk,
                )
                assert endings.count() <= 1

    return WebhookOrders


def test_webhooks_in_any_order_with_duplicates_and_replays_end_each_call_once(operator):
    run_state_machine_as_test(
        machine_for(TwilioSays(Client()), operator),
        settings=settings(
            max_examples=30,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


def test_a_stray_queue_result_does_not_rewrite_a_transferred_call(operator):
    # The smallest case the state machine found: a Rotterdam caller is transferred, then a
    # queue-full result arrives for the call (a replay, or a request gone astray).
    twilio, sid = TwilioSays(Client()), new_sid()
    twilio.post("/hotline/twilio/voice/", call_params(sid, From=ROTTERDAM_LANDLINE))
    response = twilio.post(
        "/hotline/twilio/queue-result/",
        call_params(sid, From=ROTTERDAM_LANDLINE, QueueResult="queue-full"),
    )
    assert response.status_code == 200
    call = Call.objects.get(sid=sid)
    assert call.state == CallState.TRANSFERRED
    assert call.outcome == "transferred"
