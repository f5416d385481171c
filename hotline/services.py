"""Every change to a call. One transaction each, an audit row each, an event on commit.

Webhooks arrive twice and out of order, so each service checks the state it starts from
and does nothing when the change has already happened: a replay changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.codes import CallerChoice
from events.catalogue import CallEventKind
from events.services import event_record
from hotline import presence, twilio_rest
from hotline.models import (
    AcuteCallHandling,
    Call,
    CallOutcome,
    CallState,
    CallTransition,
    PendingAction,
    WrapUpOutcome,
)
from hotline.regions import is_withheld, region_for_number, region_for_postcode
from hotline.selectors import (
    acute_call_payload,
    call_queue_for,
    call_summary,
    operator_serves_here,
)
from privacy.blind_index import phone_index

logger = logging.getLogger(__name__)

TERMINAL_TWILIO_STATUSES = {"completed", "busy", "failed", "no-answer", "canceled"}
KNOWN_TWILIO_STATUSES = TERMINAL_TWILIO_STATUSES | {
    "queued",
    "initiated",
    "ringing",
    "in-progress",
}
MAX_POSTCODE_ATTEMPTS = 2
MAX_MENU_ATTEMPTS = 2


class CallNotAvailable(Exception):
    """Someone else took the call first, or the caller is no longer waiting."""


class CallNotYours(Exception):
    """The operator is an account of another region than the one this deployment serves."""


class CallerCannotTalk(CallNotAvailable):
    """The caller pressed 9 ("I can't talk now"): the call ended and no take may win."""


class CallTransferFailed(Exception):
    """Twilio could not move the caller to the operator; the call is back in the queue."""


class CallGone(Exception):
    """Twilio said the caller is no longer there (not in progress, or not found): the call
    was closed, and the operator gets nobody from it."""


@dataclass(frozen=True)
class NextCall:
    """What "take next" got: a caller (or nobody), and how many calls it found already
    over at Twilio and closed on the way."""

    call: Call | None
    closed: int = 0


# "Take next" asks Twilio to move one caller after another while Twilio answers that the
# caller is gone; this many in one click, so a queue full of ghosts cannot hold the
# operator's request for long.
MAX_GONE_PER_TAKE = 5


def operator_identity(user: User) -> str:
    """The softphone's Twilio client name. Not the username: Twilio need not know it."""
    return f"operator-{user.pk}"


def _lock(call: Call) -> Call:
    # Row lock on PostgreSQL (a no-op on SQLite, which serialises writers anyway): two
    # webhooks for one call must not both read the old state and both write.
    return Call.objects.select_for_update().get(pk=call.pk)


def _transition(
    call: Call, to_state: str, *, by: User | None = None, note: str = "", **fields: Any
) -> CallTransition:
    """Change the call's state (and `fields`); its audit row is returned unsaved, for
    _announce to write with the event in one round trip."""
    from_state = call.state
    call.state = to_state
    for name, value in fields.items():
        setattr(call, name, value)
    # Only what changed: a whole-row save rewrites every column, the caller's number
    # re-encrypted each time, on every webhook of the call.
    call.save(update_fields=["state", *fields])
    return CallTransition(
        call=call,
        from_state=from_state,
        to_state=to_state,
        by=by,
        by_label=by.get_username() if by else "twilio",
        note=note,
    )


def _announce(
    call: Call,
    kind: CallEventKind,
    operator: User | None = None,
    *,
    audit: CallTransition | None = None,
) -> None:
    # Every call that reaches an event is one this deployment serves (or just transferred):
    # it belongs on this region's dashboards, whatever region the caller's number is from.
    event_record(kind=kind, payload=call_summary(call), region=settings.VT_REGION, audit=audit)
    # The operator's presence follows their call, in the same transaction.
    operator = operator or (call.operator if call.operator_id else None)
    if operator is not None:
        presence.presence_follow_call(call=call, operator=operator)


def call_receive(*, sid: str, from_number: str, account_sid: str) -> tuple[Call, bool]:
    """The first webhook of a call; a replay returns the call it made the first time."""
    withheld = is_withheld(from_number)
    region = region_for_number(from_number)
    # Keep a number only when it is one (it has a blind index): retention finds numbers to
    # wipe by their index, and a string that is no phone number serves nobody.
    caller_index = "" if withheld else phone_index(from_number)
    existing = Call.objects.filter(sid=sid).first()
    if existing is not None:
        return existing, False
    try:
        # No get_or_create: inside a transaction it wraps its insert in a savepoint, two
        # more round trips on every call's first webhook. The unique sid still decides a
        # race between two deliveries of this webhook: the loser's transaction rolls back
        # whole (nothing of it is kept) and it returns the winner's call.
        with transaction.atomic(durable=True):
            call = Call.objects.create(
                sid=sid,
                caller_number=from_number.strip()[:40] if caller_index else "",
                caller_index=caller_index,
                withheld=withheld,
                # Real calls carry our account SID; anything else (the simulator) must
                # never reach Twilio's REST API.
                simulated=not settings.TWILIO_ACCOUNT_SID
                or account_sid != settings.TWILIO_ACCOUNT_SID,
                region=region or "",
                region_source="area_code" if region else "",
            )
            CallTransition.objects.create(
                call=call, from_state="", to_state=CallState.IVR, by_label="twilio"
            )
    except IntegrityError:
        winner = Call.objects.filter(sid=sid).first()
        if winner is None:
            raise
        return winner, False
    return call, True


def call_language_set(*, call: Call, language: str) -> Call:
    with transaction.atomic():
        call = _lock(call)
        if call.language != language and call.state == CallState.IVR:
            call.language = language
            call.save(update_fields=["language"])
    return call


def call_postcode_enter(*, call: Call, digits: str) -> Call:
    """The caller's postcode digits place them in a region; a miss counts as an attempt."""
    with transaction.atomic():
        call = _lock(call)
        if call.state != CallState.IVR or call.region:
            return call
        region = region_for_postcode(digits)
        if region:
            call.region = region
            call.region_source = "postcode"
            call.save(update_fields=["region", "region_source"])
        else:
            call.postcode_attempts += 1
            if call.postcode_attempts >= MAX_POSTCODE_ATTEMPTS:
                # Never drop a caller for a postcode: unplaced callers are answered here.
                call.region = settings.VT_REGION
                call.region_source = "default"
            call.save(update_fields=["postcode_attempts", "region", "region_source"])
    return call


def call_transfer(*, call: Call, number: str) -> Call:
    """Another region's caller goes to that region's own number."""
    with transaction.atomic():
        call = _lock(call)
        if call.state != CallState.IVR:
            return call
        audit = _transition(
            call,
            CallState.TRANSFERRED,
            note=f"to region {call.region}",
            outcome=CallOutcome.TRANSFERRED,
        )
        _announce(call, "call.transferred", audit=audit)
    return call


def call_role_choose(*, call: Call, role: str) -> Call:
    if role not in CallerChoice.values:
        raise ValueError(f"unknown role {role!r}")
    with transaction.atomic():
        call = _lock(call)
        if call.state == CallState.IVR and call.role != role:
            call.role = role
            call.save(update_fields=["role"])
    return call


def call_menu_miss(*, call: Call) -> Call:
    """No key, or a key the menu does not know; counted so the caller is not looped forever."""
    with transaction.atomic():
        call = _lock(call)
        if call.state == CallState.IVR:
            call.menu_attempts += 1
            call.save(update_fields=["menu_attempts"])
    return call


def call_enqueue(*, call: Call, acute: bool) -> Call:
    """Into our queue. A caller coming back from the menu keeps their original place.

    A caller who pressed the acute key raises the acute alert now (`acute.call`), once:
    its hour clock starts here and carries into the case made from the call."""
    with transaction.atomic():
        call = _lock(call)
        if call.state != CallState.IVR:
            return call
        now = timezone.now()
        first_acute = (call.acute or acute) and call.acute_since is None
        audit = _transition(
            call,
            CallState.QUEUED,
            acute=call.acute or acute,
            acute_since=now if first_acute else call.acute_since,
            enqueued_at=call.enqueued_at or now,
            pending_action=PendingAction.NONE,
            region=call.region or settings.VT_REGION,
        )
        _announce(call, "call.queued", audit=audit)
        if first_acute:
            _acute_announce(call)
    return call


def _acute_announce(call: Call) -> None:
    event_record(kind="acute.call", payload=acute_call_payload(call), region=settings.VT_REGION)


def call_leave_request(*, call: Call, action: str) -> Call:
    """The waiting caller pressed 0 (the menu); Twilio lets them out of the queue next.

    9 does not come here: it ends the call at once (call_end_safely), so no take can win
    between the key and the moment Twilio lets the caller out."""
    with transaction.atomic():
        call = _lock(call)
        if call.state == CallState.QUEUED and not call.pending_action:
            call.pending_action = action
            call.save(update_fields=["pending_action"])
    return call


def call_back_to_menu(*, call: Call) -> Call:
    with transaction.atomic():
        call = _lock(call)
        if call.state != CallState.QUEUED:
            return call
        audit = _transition(
            call,
            CallState.IVR,
            note="caller asked for the menu",
            pending_action=PendingAction.NONE,
            menu_attempts=0,
        )
        _announce(call, "call.left_queue", audit=audit)
    return call


def call_end_safely(*, call: Call) -> Call:
    """ "I can't talk now": the call ends at once, and nobody calls this number back.

    9 wins over a take: on the call's row lock, either the take came first and is undone
    here (the operator never spoke to the caller), or this came first and the take finds
    the call ended (CallerCannotTalk). Every way to an operator (the connect URL, the queue
    result, the wait URL) then finds the call ended and hangs up.
    """
    with transaction.atomic():
        call = _lock(call)
        if call.state == CallState.CONNECTED:
            # A key Twilio sent before it carried out the operator's redirect, arriving
            # after the bridge TwiML went out: the caller is already being put through.
            CallTransition.objects.create(
                call=call,
                from_state=call.state,
                to_state=call.state,
                by_label="twilio",
                note="caller pressed 9 after being put through",
            )
            return call
        if call.state not in {CallState.IVR, CallState.QUEUED, CallState.TAKEN}:
            return call
        operator = call.operator if call.operator_id else None
        audit = _transition(
            call,
            CallState.ENDED,
            note="caller could not talk",
            outcome=CallOutcome.SAFE_EXIT,
            pending_action=PendingAction.NONE,
            ended_at=timezone.now(),
            operator=None,
            taken_at=None,
        )
        _announce(call, "call.ended", operator=operator, audit=audit)
    return call


def call_abandon(*, call: Call) -> Call:
    """The caller hung up while waiting (or while an operator was being connected)."""
    with transaction.atomic():
        call = _lock(call)
        if call.state not in {CallState.QUEUED, CallState.TAKEN}:
            return call
        audit = _transition(
            call,
            CallState.ABANDONED,
            outcome=CallOutcome.ABANDONED,
            ended_at=timezone.now(),
        )
        _announce(call, "call.abandoned", audit=audit)
    return call


def call_overflow(*, call: Call, reason: str) -> Call:
    """Twilio's queue refused the caller (full, error): they go to the backup number."""
    with transaction.atomic():
        call = _lock(call)
        # A transferred call never joined our queue: a stray or replayed queue result must
        # not rewrite how it ended (found by tests/faults/test_webhook_orders.py).
        if call.is_final or call.state == CallState.TRANSFERRED:
            return call
        audit = _transition(
            call,
            CallState.ENDED,
            note=f"queue result {reason}"[:200],
            outcome=CallOutcome.BACKUP,
            ended_at=timezone.now(),
        )
        _announce(call, "call.ended", audit=audit)
    return call


def _refusal(call_id: int) -> CallNotAvailable:
    """Why a take lost: the caller pressed 9, or someone else was first (or the caller left)."""
    safe_exit = Call.objects.filter(pk=call_id, outcome=CallOutcome.SAFE_EXIT).exists()
    # A 9 from before this release still waits for the queue result to end the call.
    safe_exit = (
        safe_exit
        or Call.objects.filter(
            pk=call_id, state=CallState.QUEUED, pending_action=PendingAction.SAFE_EXIT
        ).exists()
    )
    return CallerCannotTalk() if safe_exit else CallNotAvailable()


def _call_claim(*, call_id: int, operator: User) -> Call:
    """Atomically make `operator` the one who has this call.

    A conditional UPDATE: on PostgreSQL the second of two concurrent claims waits for the
    first one's row lock, re-reads the row, finds it no longer queued and updates nothing.
    Every way of taking a call comes through here, so here the region is checked.
    """
    if not operator_serves_here(operator):
        raise CallNotYours
    with transaction.atomic():
        now = timezone.now()
        won = Call.objects.filter(
            pk=call_id, state=CallState.QUEUED, pending_action=PendingAction.NONE
        ).update(state=CallState.TAKEN, operator=operator, taken_at=now)
        if not won:
            raise _refusal(call_id)
        call = Call.objects.select_related("operator").get(pk=call_id)
        audit = CallTransition(
            call=call,
            from_state=CallState.QUEUED,
            to_state=CallState.TAKEN,
            by=operator,
            by_label=operator.get_username(),
        )
        _announce(call, "call.taken", audit=audit)
    return call


def call_requeue(*, call: Call, by: User | None = None, note: str = "") -> Call:
    """Back into the queue at the caller's original place (a failed transfer, no answer)."""
    with transaction.atomic():
        call = _lock(call)
        if call.state not in {CallState.TAKEN, CallState.CONNECTED}:
            return call
        operator = call.operator
        audit = _transition(
            call,
            CallState.QUEUED,
            by=by,
            note=note[:200],
            operator=None,
            taken_at=None,
            connected_at=None,
        )
        _announce(call, "call.requeued", operator=operator, audit=audit)
    return call


def call_close_gone(
    *, call: Call, note: str, by: User | None = None, twilio_status: str = ""
) -> Call:
    """Twilio said this call is over, though its end never reached us: close it.

    Only for Twilio's definitive answers (a final status, not in progress, not found);
    hotline.reconcile and a refused redirect come here. A caller who was waiting or being
    put through hung up while waiting; an operator who took the call never spoke to them.
    """
    with transaction.atomic():
        call = _lock(call)
        if call.is_final or call.state == CallState.TRANSFERRED:
            return call
        operator = call.operator if call.operator_id else None
        waiting = call.state in {CallState.QUEUED, CallState.TAKEN}
        fields: dict[str, Any] = {"outcome": CallOutcome.ENDED_UNREPORTED}
        fields["ended_at"] = timezone.now()
        fields["pending_action"] = PendingAction.NONE
        if waiting:
            fields.update(operator=None, taken_at=None)
        if twilio_status in TERMINAL_TWILIO_STATUSES:
            fields["twilio_status"] = twilio_status
        audit = _transition(
            call,
            CallState.ABANDONED if waiting else CallState.ENDED,
            by=by,
            note=note[:200],
            **fields,
        )
        _announce(
            call, "call.abandoned" if waiting else "call.ended", operator=operator, audit=audit
        )
    return call


def _move_caller_to_operator(call: Call, operator: User) -> None:
    if call.simulated or not twilio_rest.is_configured():
        # Simulated calls leave the queue on their next wait request (see the wait view).
        return
    from hotline.twiml import public_url

    # The caller may have pressed 9 since the claim committed: then nobody is moved.
    if not Call.objects.filter(pk=call.pk, state=CallState.TAKEN, operator=operator).exists():
        raise _refusal(call.pk)
    try:
        twilio_rest.call_redirect(
            sid=call.sid, url=public_url("/hotline/twilio/connect/", call=call.pk)
        )
    except twilio_rest.CallNotInProgress as error:
        # The caller hung up and the end never reached us: a ghost, closed here so that
        # nobody tries to take it again.
        call_close_gone(call=call, by=operator, note=f"redirect refused: {error}")
        raise CallGone from error
    except twilio_rest.TelephonyError as error:
        # A timeout or a 5xx says nothing about the caller: back to their place.
        call = call_requeue(call=call, by=operator, note="transfer to operator failed")
        if call.outcome == CallOutcome.SAFE_EXIT:
            raise CallerCannotTalk from error
        raise CallTransferFailed from error


def call_take(*, call: Call, operator: User) -> Call:
    """The operator takes this call; raises CallNotAvailable if someone was first
    (CallerCannotTalk if the caller pressed 9), CallNotYours if the operator is an account
    of another region, CallGone if Twilio says the caller is no longer there and
    CallTransferFailed if Twilio could not be asked (the call is back in its place).

    The REST call runs after the claim has committed, never inside it: a slow Twilio must
    not hold the row lock while other operators wait.
    """
    call = _call_claim(call_id=call.pk, operator=operator)
    _move_caller_to_operator(call, operator)
    return call


def call_take_next_reporting(*, operator: User) -> NextCall:
    """The first call of our queue order that this operator can still get.

    A call Twilio says is over is closed and skipped, and the next caller is tried (at most
    MAX_GONE_PER_TAKE of them in one go): a ghost at the head of the queue must not keep
    the live callers behind it from being offered. Raises CallNotYours for an account of
    another region (see call_queue_for) and CallTransferFailed when Twilio could not be
    asked (that caller is back in their place).
    """
    if not operator_serves_here(operator):
        raise CallNotYours
    closed = 0
    for call_id in call_queue_for(operator).values_list("pk", flat=True)[:50]:
        try:
            call = _call_claim(call_id=call_id, operator=operator)
            _move_caller_to_operator(call, operator)
        except CallNotAvailable:
            continue  # a colleague was faster, or the caller pressed 9: try the next one
        except CallGone:
            closed += 1
            if closed >= MAX_GONE_PER_TAKE:
                break
            continue
        return NextCall(call=call, closed=closed)
    return NextCall(call=None, closed=closed)


def call_take_next(*, operator: User) -> Call | None:
    """The first call of our queue order that this operator can still get; None if empty."""
    return call_take_next_reporting(operator=operator).call


def call_connect(*, call: Call) -> Call:
    """Twilio fetched the bridge TwiML: the caller is being put through to the operator."""
    with transaction.atomic():
        call = _lock(call)
        if call.state != CallState.TAKEN:
            return call
        audit = _transition(call, CallState.CONNECTED, connected_at=timezone.now())
        _announce(call, "call.connected", audit=audit)
    return call


def call_status_record(*, sid: str, status: str, sequence: int | None) -> Call | None:
    """Apply a status callback. Older or repeated callbacks, and anything after an end,
    change nothing: Twilio delivers them at least once and in no guaranteed order."""
    status = status.strip().lower()
    if status not in KNOWN_TWILIO_STATUSES:
        raise ValueError(f"unknown call status {status!r}")
    with transaction.atomic():
        call = Call.objects.select_for_update().filter(sid=sid).first()
        if call is None:
            return None
        if call.twilio_status in TERMINAL_TWILIO_STATUSES:
            return call
        if sequence is not None and sequence <= call.twilio_sequence:
            return call
        call.twilio_status = status
        if sequence is not None:
            call.twilio_sequence = sequence
        call.save(update_fields=["twilio_status", "twilio_sequence"])
        if status not in TERMINAL_TWILIO_STATUSES:
            return call
        now = timezone.now()
        if call.state == CallState.IVR:
            audit = _transition(call, CallState.ENDED, outcome=CallOutcome.LEFT_MENU, ended_at=now)
            _announce(call, "call.ended", audit=audit)
        elif call.state == CallState.QUEUED and call.pending_action == PendingAction.SAFE_EXIT:
            # A 9 recorded before this release waited for the queue result; the caller's
            # end arriving first is still the safe exit they asked for.
            audit = _transition(
                call,
                CallState.ENDED,
                note="caller could not talk",
                outcome=CallOutcome.SAFE_EXIT,
                pending_action=PendingAction.NONE,
                ended_at=now,
            )
            _announce(call, "call.ended", audit=audit)
        elif call.state in {CallState.QUEUED, CallState.TAKEN}:
            audit = _transition(
                call, CallState.ABANDONED, outcome=CallOutcome.ABANDONED, ended_at=now
            )
            _announce(call, "call.abandoned", audit=audit)
        elif call.state == CallState.CONNECTED:
            audit = _transition(call, CallState.ENDED, outcome=CallOutcome.COMPLETED, ended_at=now)
            _announce(call, "call.ended", audit=audit)
        elif call.state == CallState.TRANSFERRED and call.ended_at is None:
            call.ended_at = now
            call.save(update_fields=["ended_at"])
    return call


# --- after the call: its intake, or why there is none ------------------------------------

# The event that says "this call now looks like this" for each state a taken call can be in.
_KIND_OF_STATE: dict[str, CallEventKind] = {
    CallState.QUEUED: "call.queued",
    CallState.TAKEN: "call.taken",
    CallState.CONNECTED: "call.connected",
    CallState.ENDED: "call.ended",
    CallState.ABANDONED: "call.abandoned",
    CallState.TRANSFERRED: "call.transferred",
}


class CallTakenBySomeoneElse(Exception):
    """Only the operator who took a call records its intake or its wrap-up."""


class WrapUpRefused(Exception):
    """The wrap-up cannot be recorded: an unknown code, or the call is not one to wrap up."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _restate(call: Call) -> None:
    """Tell the dashboards the call's new summary (its case, its outcome) under the kind of
    the state it is in. Not through _announce: the operator's presence follows the call's
    state, and recording an intake for an ended call must not change it."""
    event_record(
        kind=_KIND_OF_STATE.get(call.state, "call.ended"),
        payload=call_summary(call),
        region=settings.VT_REGION,
    )


def call_link_contact(*, call_id: int, contact_id: int, by: User) -> Call:
    """The contact this call became. Run inside the case action that created the contact
    (its `also`), so the case and the link commit together or not at all."""
    call = Call.objects.select_for_update().get(pk=call_id)
    if call.operator_id != by.pk:
        raise CallTakenBySomeoneElse
    if call.contact_id == contact_id:
        return call
    was_on_acute_list = call.on_acute_list
    call.contact_id = contact_id
    call.save(update_fields=["contact"])
    CallTransition.objects.create(
        call=call,
        from_state=call.state,
        to_state=call.state,
        by=by,
        by_label=by.get_username(),
        note="intake recorded",
    )
    _restate(call)
    if was_on_acute_list:
        # The case carries the acute clock on (it was made with the call's acute_since).
        _acute_announce(call)
    return call


def call_wrap_up(*, call_id: int, outcome: str, by: User) -> Call:
    """An answered call without an intake: why (WrapUpOutcome). Nothing is saved for an
    unknown code, someone else's call, a call with an intake or one already wrapped up."""
    if outcome not in WrapUpOutcome.values:
        raise WrapUpRefused(_("Kies een van de afrondcodes."))
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call_id)
        if call.operator_id != by.pk:
            raise CallTakenBySomeoneElse
        if call.contact_id is not None:
            raise WrapUpRefused(_("Voor dit gesprek is al een intake vastgelegd."))
        if call.wrap_up_outcome:
            raise WrapUpRefused(_("Dit gesprek is al afgerond."))
        if call.state != CallState.ENDED:
            raise WrapUpRefused(_("Rond een gesprek af nadat het is beëindigd."))
        call.wrap_up_outcome = outcome
        call.wrap_up_at = timezone.now()
        call.wrap_up_by = by
        call.save(update_fields=["wrap_up_outcome", "wrap_up_at", "wrap_up_by"])
        CallTransition.objects.create(
            call=call,
            from_state=call.state,
            to_state=call.state,
            by=by,
            by_label=by.get_username(),
            note=f"wrap-up: {outcome}",
        )
        _restate(call)
    return call


class AcuteHandlingRefused(Exception):
    """What was done about an acute call cannot be recorded: a bad choice, no reason, or
    the call is not (or no longer) on the acute list."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# The handlings that say nothing was done need the reason why.
HANDLINGS_NEEDING_A_REASON = {
    AcuteCallHandling.CALLBACK_NOT_POSSIBLE,
    AcuteCallHandling.NOTHING_POSSIBLE,
}


def call_acute_handle(*, call_id: int, handling: str, reason: str, by: User) -> Call:
    """An acute call that never became a case (the caller hung up before the intake): what
    was done about it. It leaves the acute lists; nothing is saved on bad input."""
    reason = reason.strip()
    if handling not in AcuteCallHandling.values:
        raise AcuteHandlingRefused(_("Kies wat er is gedaan."), field="handling")
    if handling in HANDLINGS_NEEDING_A_REASON and not reason:
        raise AcuteHandlingRefused(_("Schrijf op waarom."), field="reason")
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call_id)
        if not call.on_acute_list:
            raise AcuteHandlingRefused(_("Dit acute gesprek staat niet (meer) op de acute lijst."))
        if not call.is_final:
            raise AcuteHandlingRefused(
                _("Het gesprek loopt nog: leg de intake vast zodra het is aangenomen.")
            )
        call.acute_handling = handling
        call.acute_handling_reason = reason
        call.acute_handled_at = timezone.now()
        call.acute_handled_by = by
        call.save(
            update_fields=[
                "acute_handling",
                "acute_handling_reason",
                "acute_handled_at",
                "acute_handled_by",
            ]
        )
        CallTransition.objects.create(
            call=call,
            from_state=call.state,
            to_state=call.state,
            by=by,
            by_label=by.get_username(),
            note=f"acute handled: {handling}",
        )
        _acute_announce(call)
    return call
