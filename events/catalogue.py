"""Every event kind there is: its payload, who may receive it, and who handles it.

One table, so that a kind nobody reads, a consumer waiting for a kind nobody sends, or a
supervisor's event on an operator's screen is a failing test (tests/events) instead of a
surprise. `event_record` refuses a kind that is not here and a payload whose keys differ
from the kind's TypedDict; the dashboard socket delivers a kind only to users in its
audience (`audiences_of`).

To add a kind: add it to `EventKind`, give it a payload TypedDict and an entry in
CATALOGUE with its audience, the consumers that handle it and why it exists.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypedDict, cast, get_args

from accounts.roles import ANSWER_HOTLINE, SUPERVISE

# --- payloads: what a dashboard shows and nothing more (no names, numbers, narratives) ----


class CallPayload(TypedDict):
    """hotline.selectors.call_summary"""

    call_id: int
    role: str
    priority: int
    region: str
    acute: bool
    enqueued_at: str | None
    state: str
    operator: str | None
    ended_at: str | None
    # The case the operator's intake for the call went into (a reference, never content).
    case_id: int | None
    case_reference: str | None
    # hotline.models.WrapUpOutcome, or "" (no outcome recorded).
    wrap_up_outcome: str


class PresencePayload(TypedDict):
    """hotline.presence.presence_payload"""

    username: str
    state: str
    since: str


class CaseActionDetails(TypedDict, total=False):
    """What the case action that sent a case event adds: the action (a
    cases.models.CaseAuditKind value) and the ids it touched; never case content.

    total=False rather than NotRequired: under postponed annotations Python 3.11's
    TypedDict cannot see NotRequired and would count these keys as required."""

    action: str
    reason: str
    linked_case_id: int
    proposal_id: int
    handover_id: int
    organisation: str
    handover_status: str
    via: str
    # A report joined the case: whose dashboard alerts its owner (case_report_add).
    assigned_to_id: int | None
    # The case went on the acute list (an alert, or an acute call's intake): when its
    # acute clock started, for the hour clock the lists show.
    acute_since: str


class CasePayload(CaseActionDetails):
    """cases.services.case_event_payload, plus the action's details."""

    case_id: int
    reference: str
    state: str
    case_type: str
    acute: bool
    assessment_due: str
    team_id: int | None


class CaseCreatedPayload(CasePayload):
    """A new case: the channel lets dashboards list new online reports."""

    channel: str
    reported_at: str


class NewCaseDetails(TypedDict, total=False):
    """A case made acute by the action that created it: its one event is the alert, and
    it carries what case.created would have (so the dashboards list a new online report)."""

    channel: str
    reported_at: str


class AcuteAlertPayload(CasePayload, NewCaseDetails):
    """The case action that made a case acute: its case payload, and why."""


class AcuteCallPayload(TypedDict):
    """hotline.selectors.acute_call_payload: an acute call (the caller pressed the acute
    key), from its alert until it has a case or what was done is recorded."""

    call_id: int
    region: str
    role: str
    acute_since: str
    # The call now has a case (the case carries the acute clock on), or an operator
    # recorded what was done: off the acute list.
    handled: bool


class DecisionPayload(TypedDict):
    """safety_assessment.services._proposal_payload"""

    case_id: int
    reference: str
    proposal_id: int
    decision: str
    level: str


class HandoverPayload(TypedDict):
    """handover.services.handover_event_payload"""

    handover_id: int
    case_id: int
    reference: str
    organisation: str
    status: str
    accept_due: str


# --- kinds -------------------------------------------------------------------------------

CallEventKind = Literal[
    "call.transferred",
    "call.queued",
    "call.left_queue",
    "call.taken",
    "call.requeued",
    "call.connected",
    "call.ended",
    "call.abandoned",
]

EventKind = Literal[
    CallEventKind,
    "presence.changed",
    "case.created",
    "case.changed",
    "acute.alert",
    "acute.call",
    "decision.proposed",
    "decision.rejected",
    "handover.created",
    "handover.escalated",
]


class Audience(enum.StrEnum):
    """Who may receive a kind, on the region's dashboard socket (/ws/dashboard/)."""

    # The region's hotline staff: operators and supervisors on their dashboards.
    HOTLINE = "hotline"
    # The region's supervisors only (their overview page), never an operator's socket.
    SUPERVISORS = "supervisors"


# The permission that puts a user in an audience (accounts.roles gives them to roles).
AUDIENCE_PERMISSION: dict[Audience, str] = {
    Audience.HOTLINE: ANSWER_HOTLINE,
    Audience.SUPERVISORS: SUPERVISE,
}


class Consumer(enum.StrEnum):
    """The places that handle events, by file (tests/events parses them)."""

    DASHBOARD = "static/js/dashboard.js"  # the operators' dashboard, /dashboard/
    SUPERVISOR = "static/js/supervisor.js"  # the supervisors' overview, /supervisor/


@dataclass(frozen=True)
class EventSpec:
    payload: type[Mapping[str, Any]]  # a TypedDict class
    audience: Audience
    consumers: tuple[Consumer, ...]
    why: str


_CALL_WHY = "the queue, the call in hand and the live figures change with every call step"

CATALOGUE: dict[EventKind, EventSpec] = {
    **{
        kind: EventSpec(
            CallPayload, Audience.HOTLINE, (Consumer.DASHBOARD, Consumer.SUPERVISOR), _CALL_WHY
        )
        for kind in get_args(CallEventKind)
    },
    "presence.changed": EventSpec(
        PresencePayload,
        Audience.HOTLINE,
        (Consumer.DASHBOARD, Consumer.SUPERVISOR),
        "who is available: the operators' list and the supervisors' staffing figures",
    ),
    "case.created": EventSpec(
        CaseCreatedPayload,
        Audience.HOTLINE,
        (Consumer.DASHBOARD,),
        "a new online report appears on the dashboards; an acute one as an alert",
    ),
    "case.changed": EventSpec(
        CasePayload,
        Audience.HOTLINE,
        (Consumer.DASHBOARD, Consumer.SUPERVISOR),
        "every case action sends this one event (its `action` says which): acute alerts "
        "appear and clear, listed reports follow their case, an approved decision leaves the "
        "approvals list and an answered handover the open handovers list",
    ),
    "acute.alert": EventSpec(
        AcuteAlertPayload,
        Audience.HOTLINE,
        (Consumer.DASHBOARD, Consumer.SUPERVISOR),
        "a case just became acute: announced out loud on every dashboard of the region and "
        "on the supervisors' screen, and put on the acute lists with its hour clock",
    ),
    "acute.call": EventSpec(
        AcuteCallPayload,
        Audience.HOTLINE,
        (Consumer.DASHBOARD, Consumer.SUPERVISOR),
        "a caller pressed the acute key: the alert goes out when the call queues (its case, "
        "made later, raises none), and the call stays on the acute lists until it has a case "
        "or an operator recorded what was done",
    ),
    # A decided assessment used to send "assessment.decided" too; nothing read it, and what
    # it changes reaches the dashboards already (case.changed, acute.alert): removed.
    "decision.proposed": EventSpec(
        DecisionPayload,
        Audience.SUPERVISORS,
        (Consumer.SUPERVISOR,),
        "a new decision waits for four eyes: the supervisors' approvals list is out of date",
    ),
    "decision.rejected": EventSpec(
        DecisionPayload,
        Audience.SUPERVISORS,
        (Consumer.SUPERVISOR,),
        "another supervisor sent one back: off the approvals list",
    ),
    "handover.created": EventSpec(
        HandoverPayload,
        Audience.SUPERVISORS,
        (Consumer.SUPERVISOR,),
        "a new handover waits for the partner: on the supervisors' open handovers list",
    ),
    "handover.escalated": EventSpec(
        HandoverPayload,
        Audience.SUPERVISORS,
        (Consumer.SUPERVISOR,),
        "not accepted in time: escalated to the supervisors (README, Escalation)",
    ),
}


# The same table, looked up by a plain string (what the outbox and the channel layer hold).
_BY_NAME = cast(Mapping[str, EventSpec], CATALOGUE)


def event_check(kind: str, payload: Mapping[str, Any]) -> EventSpec:
    """The kind's spec; ValueError for an unknown kind or a payload with other keys.

    A programming error, not bad input: the tests of the code that sends it catch it.
    """
    spec = _BY_NAME.get(kind)
    if spec is None:
        raise ValueError(f"unknown event kind {kind!r}: add it to events.catalogue")
    # A TypedDict class has these at run time; the Mapping type it is stored as does not.
    required = set(spec.payload.__required_keys__)  # type: ignore[attr-defined]  # see above
    allowed = required | set(spec.payload.__optional_keys__)  # type: ignore[attr-defined]  # ditto
    keys = set(payload)
    missing, unknown = required - keys, keys - allowed
    if missing or unknown:
        raise ValueError(
            f"{kind} payload does not match {spec.payload.__name__}: "
            f"missing {sorted(missing)}, unknown {sorted(unknown)}"
        )
    return spec


class _HasPerm(Protocol):
    def has_perm(self, perm: str, obj: Any = ...) -> bool: ...


def audiences_of(user: _HasPerm) -> frozenset[Audience]:
    """The audiences a user is in (reads permissions: call it off the event loop)."""
    return frozenset(
        audience for audience, perm in AUDIENCE_PERMISSION.items() if user.has_perm(perm)
    )


def kind_reaches(kind: str, audiences: Iterable[Audience]) -> bool:
    """May a socket whose user is in `audiences` receive `kind`? Unknown kinds reach nobody."""
    spec = _BY_NAME.get(kind)
    return spec is not None and spec.audience in set(audiences)


def kinds_for(audiences: Iterable[Audience]) -> list[str]:
    """Every kind a user in `audiences` receives (for replaying the outbox)."""
    wanted = set(audiences)
    return [kind for kind, spec in CATALOGUE.items() if spec.audience in wanted]
