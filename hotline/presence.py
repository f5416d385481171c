"""Who can take a call now: available, on a call, wrapping up or away.

Operators set their own state; taking a call and its end change it too, in the same
transaction as the call's own change, so a dashboard never shows an operator "available"
while the event that took their call is already out.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from events.services import event_record
from hotline.models import Call, CallState, OperatorPresence, PresenceState

# On call is set by taking a call, never by hand: the dashboard must not claim a call
# that does not exist.
SELF_SETTABLE_STATES = (PresenceState.AVAILABLE, PresenceState.WRAP_UP, PresenceState.AWAY)

# Where an operator stands after their call reached this state.
_AFTER_CALL: dict[str, PresenceState] = {
    CallState.TAKEN: PresenceState.ON_CALL,
    CallState.CONNECTED: PresenceState.ON_CALL,
    CallState.QUEUED: PresenceState.AVAILABLE,  # back in the queue: they did not talk
    CallState.ABANDONED: PresenceState.AVAILABLE,  # the caller hung up before the bridge
    CallState.ENDED: PresenceState.WRAP_UP,
}


def presence_payload(presence: OperatorPresence) -> dict[str, Any]:
    """What a dashboard shows about an operator: the staff username and the state only."""
    return {
        "username": presence.user.get_username(),
        "state": presence.state,
        "since": presence.since.isoformat(),
    }


def _presence_change(*, user: User, state: str, only_from: set[str] | None = None) -> None:
    # Within a call's transaction (hotline.services) a savepoint would only cost round
    # trips: nothing here is caught and carried on from, so it commits or fails with it.
    with transaction.atomic(savepoint=False):
        presence = (
            OperatorPresence.objects.select_for_update()
            .select_related("user")
            .filter(user=user)
            .first()
        )
        if presence is None:
            presence = OperatorPresence(user=user, region=user.region, state="")
        elif presence.state == state or (only_from is not None and presence.state not in only_from):
            return
        presence.state = state
        presence.since = timezone.now()
        presence.region = user.region
        presence.save()
        event_record(
            kind="presence.changed", payload=presence_payload(presence), region=presence.region
        )


def presence_set(*, user: User, state: str) -> OperatorPresence:
    """The operator's own choice; ValueError for a state they cannot choose."""
    if state not in SELF_SETTABLE_STATES:
        raise ValueError(f"not a state an operator can choose: {state!r}")
    _presence_change(user=user, state=state)
    return OperatorPresence.objects.get(user=user)


def presence_ensure(*, user: User) -> OperatorPresence:
    """An operator opening the dashboard for the first time is there to take calls."""
    presence = OperatorPresence.objects.filter(user=user).first()
    if presence is None:
        _presence_change(user=user, state=PresenceState.AVAILABLE)
        presence = OperatorPresence.objects.get(user=user)
    return presence


def presence_follow_call(*, call: Call, operator: User) -> None:
    """Called by hotline.services in the transaction that changed `call`."""
    state = _AFTER_CALL.get(call.state)
    if call.operator_id != operator.pk and call.state in {CallState.ENDED, CallState.ABANDONED}:
        # The call ended after it was taken from them (the caller pressed 9 first, or had
        # long hung up): they never spoke to the caller, so there is nothing to wrap up.
        state = PresenceState.AVAILABLE
    if state is None:
        return
    if state == PresenceState.ON_CALL:
        _presence_change(user=operator, state=state)
    else:
        # Only the end of a call they were on changes it: someone who set themselves
        # away keeps that.
        _presence_change(user=operator, state=state, only_from={PresenceState.ON_CALL})


def presence_for_region(*, region: str) -> list[dict[str, Any]]:
    rows = OperatorPresence.objects.filter(region=region).select_related("user")
    return [presence_payload(row) for row in rows.order_by("user__username")]


def presence_away_on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """An operator who logs out is no longer available for calls (connected in apps.py)."""
    if user is not None and OperatorPresence.objects.filter(user=user).exists():
        _presence_change(user=user, state=PresenceState.AWAY)
