"""Reads for the hotline: the queue as operators see it, and what a dashboard may show."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Case, IntegerField, QuerySet, Value, When

from accounts.models import User
from hotline.models import Call, CallState


def role_rank(role: str) -> int:
    """0 is served first; a role missing from HOTLINE_ROLE_PRIORITY comes after all listed."""
    order = settings.HOTLINE_ROLE_PRIORITY
    return order.index(role) if role in order else len(order)


def _role_rank_expression() -> Case:
    order = settings.HOTLINE_ROLE_PRIORITY
    return Case(
        *[When(role=role, then=Value(rank)) for rank, role in enumerate(order)],
        default=Value(len(order)),
        output_field=IntegerField(),
    )


def call_queue() -> QuerySet[Call]:
    """Waiting calls in the order operators take them: acute, then role, then waiting time.

    This order, not Twilio's first-in-first-out queue (which only holds the audio), is the
    one that counts: "take next" takes the first of it.
    """
    return (
        Call.objects.filter(state=CallState.QUEUED)
        .annotate(role_rank=_role_rank_expression())
        .select_related("operator")
        .order_by("-acute", "role_rank", "enqueued_at", "pk")
    )


def operator_serves_here(operator: User) -> bool:
    """Whether `operator` works for the queue this deployment serves (settings.VT_REGION).

    Every waiting call is one this deployment answers: its own region's callers, callers
    we could not place, and callers of a region without a number of its own
    (hotline.regions.transfer_number_for). Callers of a region with a number are sent
    there before they can queue. So any operator of this region may take any waiting
    call, and an account of another region none: no caller waits where nobody may take
    them, and nobody takes a caller who is not theirs.
    """
    return bool(operator.region) and operator.region == settings.VT_REGION


def call_queue_for(operator: User) -> QuerySet[Call]:
    """The part of `call_queue()` that `operator` may take: all of it, or nothing."""
    queue = call_queue()
    return queue if operator_serves_here(operator) else queue.none()


def call_queue_position(*, call: Call) -> int | None:
    """1-based place of a waiting call in our queue, as told to the caller."""
    if call.state != CallState.QUEUED:
        return None
    ids = list(call_queue().values_list("pk", flat=True))
    return ids.index(call.pk) + 1 if call.pk in ids else None


def call_by_sid(sid: str) -> Call | None:
    if not sid:
        return None
    return Call.objects.filter(sid=sid).select_related("operator").first()


def call_summary(call: Call) -> dict[str, Any]:
    """What a dashboard shows about a call. Never the number, never a name of a caller."""
    return {
        "call_id": call.pk,
        "role": call.role,
        "priority": role_rank(call.role),
        "region": call.region or settings.VT_REGION,
        "acute": call.acute,
        "enqueued_at": call.enqueued_at.isoformat() if call.enqueued_at else None,
        "state": call.state,
        "operator": call.operator.get_username() if call.operator else None,
    }
