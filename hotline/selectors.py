"""Reads for the hotline: the queue as operators see it, and what a dashboard may show."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from accounts.models import User
from cases.acute_clock import acute_clock
from cases.models import Case as CaseFile
from cases.models import Contact, State
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


def call_case(call: Call) -> tuple[int | None, str | None]:
    """The case the operator's intake for this call went into: its id and reference (a
    reference is not personal data), or (None, None) before the intake is saved."""
    if call.contact_id is None:
        return None, None
    contact = Contact.objects.filter(pk=call.contact_id).select_related("case").first()
    if contact is None:
        return None, None
    return contact.case_id, contact.case.reference


def calls_to_wrap_up(*, operator: User, limit: int = 50) -> QuerySet[Call]:
    """The operator's answered calls that ended with neither an intake nor an outcome:
    the reminder "Nog af te ronden" on their panel. It never blocks taking the next call."""
    return (
        Call.objects.filter(
            state=CallState.ENDED,
            operator=operator,
            contact__isnull=True,
            wrap_up_outcome="",
        )
        .select_related("operator")
        .order_by("ended_at", "pk")[:limit]
    )


def call_summary(call: Call) -> dict[str, Any]:
    """What a dashboard shows about a call. Never the number, never a name of a caller."""
    case_id, case_reference = call_case(call)
    return {
        "call_id": call.pk,
        "role": call.role,
        "priority": role_rank(call.role),
        "region": call.region or settings.VT_REGION,
        "acute": call.acute,
        "enqueued_at": call.enqueued_at.isoformat() if call.enqueued_at else None,
        "state": call.state,
        "operator": call.operator.get_username() if call.operator else None,
        "ended_at": call.ended_at.isoformat() if call.ended_at else None,
        "case_id": case_id,
        "case_reference": case_reference,
        "wrap_up_outcome": call.wrap_up_outcome,
    }


# --- the acute list: acute cases and acute calls without a case, until handled ------------


def acute_call_payload(call: Call) -> dict[str, Any]:
    """What the acute.call event says: ids, the role code and the clock; never a number."""
    return {
        "call_id": call.pk,
        "region": call.region or settings.VT_REGION,
        "role": call.role,
        "acute_since": call.acute_since.isoformat() if call.acute_since else "",
        "handled": not call.on_acute_list,
    }


def acute_calls_open() -> QuerySet[Call]:
    """Acute calls this deployment answers that have no case and nothing recorded."""
    return Call.objects.filter(
        acute=True, acute_since__isnull=False, contact__isnull=True, acute_handling=""
    ).order_by("acute_since", "pk")


def acute_cases_open(region: str) -> QuerySet[CaseFile]:
    """The region's acute cases whose first safety action is not recorded yet."""
    return (
        CaseFile.objects.filter(region=region, acute=True, acute_handled_at__isnull=True)
        .exclude(state=State.CLOSED)
        .order_by("acute_since", "reported_at", "pk")
    )


def acute_list(*, region: str, now: datetime.datetime | None = None) -> list[dict[str, Any]]:
    """The acute list of the operators' dashboard and the supervisor's screen: acute cases
    and acute calls without a case, past their clock first (the most overdue first).

    Each item carries references and its clock only: no names, numbers or narratives."""
    now = now or timezone.now()
    items: list[dict[str, Any]] = []
    for case in acute_cases_open(region):
        since = case.acute_since or case.reported_at
        items.append(_acute_item("case", case.pk, since, now, reference=case.reference))
    for call in acute_calls_open():
        assert call.acute_since is not None  # acute_calls_open filters on it
        item = _acute_item("call", call.pk, call.acute_since, now, reference="")
        item.update(
            call_id=call.pk,
            role=call.role,
            state=call.state,
            # Only a call that is over can be wrapped up; a live one gets its intake.
            can_record=call.is_final,
        )
        items.append(item)
    items.sort(key=lambda item: (item["due"], item["key"]))
    return items


def _acute_item(
    kind: str, pk: int, since: datetime.datetime, now: datetime.datetime, *, reference: str
) -> dict[str, Any]:
    clock = acute_clock(since, now)
    return {
        "kind": kind,
        "key": f"{kind}-{pk}",
        "case_id": pk if kind == "case" else None,
        "reference": reference,
        "acute_since": since.isoformat(),
        "due": clock.due.isoformat(),
        "overdue": clock.overdue,
        "clock": clock.label,
    }
