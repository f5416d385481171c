"""Safe callbacks: an operator rings a contact back, on the safe number they gave, within
the safe window they named. Nothing here runs on its own: only an operator's explicit POST
calls `callback_place`, and a failed attempt is reported, never retried.

The number is read from the contact's encrypted field at dial time and goes only into the
request to Twilio: the Callback row, the access log and the log lines never hold it.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Set

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases import rules
from cases.models import Contact
from hotline import twilio_rest
from hotline.models import Callback, CallbackOutcome
from hotline.twiml import CALLBACK_PATH, public_url
from privacy.access_log import access_record
from privacy.blind_index import NotIndexable, normalise_phone

logger = logging.getLogger(__name__)

# Not yet answered or refused: a second click in this time would ring the phone twice.
ACTIVE_OUTCOMES = {CallbackOutcome.PENDING, CallbackOutcome.DIALLING}
DOUBLE_DIAL_GUARD = datetime.timedelta(minutes=2)
# What the callee did decides the outcome; a later status callback does not overwrite it.
ANSWERED_OUTCOMES = {
    CallbackOutcome.CONNECTED,
    CallbackOutcome.DECLINED,
    CallbackOutcome.OPERATOR_MISSED,
}
TERMINAL_STATUSES = {
    "completed": CallbackOutcome.DECLINED,  # answered, but 1 was never pressed
    "busy": CallbackOutcome.BUSY,
    "no-answer": CallbackOutcome.NO_ANSWER,
    "failed": CallbackOutcome.FAILED,
    "canceled": CallbackOutcome.FAILED,
}
KNOWN_STATUSES = set(TERMINAL_STATUSES) | {"queued", "initiated", "ringing", "in-progress"}


class CallbackRefused(Exception):
    """The rules do not allow a callback now; nothing was dialled."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CallbackFailed(Exception):
    """Twilio could not be asked to ring; the Callback is recorded as failed."""

    def __init__(self, callback: Callback, message: str) -> None:
        super().__init__(message)
        self.callback = callback
        self.message = message


def _log_on_case(*, operator: User, contact: Contact, allowed: bool, reason: str) -> None:
    access_record(
        actor=operator,
        action="view",
        target_type="cases.case",
        target_id=contact.case_id,
        allowed=allowed,
        reason=reason,
    )


def _fail(callback: Callback, note: str) -> None:
    Callback.objects.filter(pk=callback.pk, outcome=CallbackOutcome.PENDING).update(
        outcome=CallbackOutcome.FAILED, note=note[:200], ended_at=timezone.now()
    )
    callback.refresh_from_db()


def callback_place(*, contact: Contact, operator: User) -> Callback:
    """Ring `contact` back on their safe number, now, for `operator`.

    The rules are checked again at this moment (the page the operator clicked may be
    minutes old). Raises CallbackRefused (nothing dialled, the refusal in the access log
    on the case) or CallbackFailed (Twilio could not be asked; recorded as failed).
    """
    now = timezone.localtime()
    refusal: str | None
    with transaction.atomic():
        # Locked, so two clicks cannot both find no callback under way and both dial.
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        refusal = rules.callback_refusal(contact, now)
        if refusal is None:
            recent = Callback.objects.filter(
                contact=contact,
                outcome__in=ACTIVE_OUTCOMES,
                requested_at__gte=now - DOUBLE_DIAL_GUARD,
            )
            if recent.exists():
                refusal = _("Er loopt al een terugbelpoging naar dit contact.")
        if refusal is not None:
            _log_on_case(
                operator=operator,
                contact=contact,
                allowed=False,
                reason=f"veilig terugbellen geweigerd (contact {contact.pk}): {refusal}",
            )
        else:
            callback = Callback.objects.create(
                contact=contact,
                operator=operator,
                requested_at=now,
                simulated=not twilio_rest.is_configured(),
            )
            _log_on_case(
                operator=operator,
                contact=contact,
                allowed=True,
                reason=f"veilig terugbellen (contact {contact.pk}, terugbelpoging {callback.pk})",
            )
    # Raised after the commit: the refusal must stay in the access log.
    if refusal is not None:
        raise CallbackRefused(refusal)

    # From here on outside any transaction: a slow Twilio must hold no lock.
    if callback.simulated:
        Callback.objects.filter(pk=callback.pk).update(
            outcome=CallbackOutcome.SIMULATED, ended_at=timezone.now()
        )
        callback.refresh_from_db()
        return callback
    if not settings.TWILIO_CALLER_ID:
        _fail(callback, "TWILIO_CALLER_ID is empty")
        raise CallbackFailed(
            callback, _("Terugbellen is niet ingesteld (geen uitgaand nummer). Er is niet gebeld.")
        )
    try:
        to = normalise_phone(contact.safe_number)
    except NotIndexable:
        _fail(callback, "the safe number is not a phone number")
        raise CallbackFailed(
            callback, _("Het veilige nummer is geen geldig telefoonnummer. Er is niet gebeld.")
        ) from None
    try:
        sid = twilio_rest.call_create(
            to=to,
            from_=settings.TWILIO_CALLER_ID,
            url=public_url(CALLBACK_PATH, callback=callback.pk),
            status_callback=public_url(CALLBACK_PATH, callback=callback.pk, step="status"),
        )
    except twilio_rest.TelephonyTimeout as error:
        _fail(callback, f"timeout: {error}")
        raise CallbackFailed(
            callback,
            _(
                "Twilio antwoordde niet op tijd. Misschien gaat de telefoon toch over; "
                "wacht een paar minuten voordat je het opnieuw probeert. "
                "Er wordt niet vanzelf opnieuw gebeld."
            ),
        ) from None
    except twilio_rest.TelephonyError as error:
        _fail(callback, str(error))
        raise CallbackFailed(
            callback,
            _(
                "Terugbellen is mislukt: Twilio gaf een foutmelding. "
                "Er wordt niet vanzelf opnieuw gebeld."
            ),
        ) from None
    # The webhook may have been quicker than this line and recorded the SID itself.
    Callback.objects.filter(pk=callback.pk, sid="").update(sid=sid)
    Callback.objects.filter(pk=callback.pk, outcome=CallbackOutcome.PENDING).update(
        outcome=CallbackOutcome.DIALLING
    )
    callback.refresh_from_db()
    logger.info("safe callback %s dialled by operator %s", callback.pk, operator.pk)
    return callback


# --- Twilio's side: the callee answered ------------------------------------------------


def callback_for_webhook(*, callback_id: int, sid: str) -> Callback | None:
    """The callback a signed webhook is about, if the CallSid belongs to it.

    A callback whose REST request timed out on our side may still have been placed by
    Twilio: its first webhook records the SID and it is served like any other.
    """
    with transaction.atomic():
        callback = (
            Callback.objects.select_for_update()
            .select_related("contact", "operator")
            .filter(pk=callback_id, simulated=False)
            .first()
        )
        if callback is None or not sid:
            return None
        if callback.sid and callback.sid != sid:
            return None
        if not callback.sid:
            callback.sid = sid
            if callback.outcome in {CallbackOutcome.PENDING, CallbackOutcome.FAILED}:
                callback.outcome = CallbackOutcome.DIALLING
            callback.save(update_fields=["sid", "outcome"])
    return callback


def _set_outcome(callback: Callback, outcome: str, *, keep: Set[str]) -> Callback:
    with transaction.atomic():
        callback = Callback.objects.select_for_update().get(pk=callback.pk)
        if callback.outcome not in keep and callback.outcome != outcome:
            callback.outcome = outcome
            callback.save(update_fields=["outcome"])
    return callback


def callback_connect(*, callback: Callback) -> Callback:
    """The callee pressed 1: it is a safe moment, put them through to the operator."""
    return _set_outcome(callback, CallbackOutcome.CONNECTED, keep={CallbackOutcome.CONNECTED})


def callback_decline(*, callback: Callback) -> Callback:
    """Another key or silence: the call ends without another word. Sticky once connected."""
    return _set_outcome(callback, CallbackOutcome.DECLINED, keep=ANSWERED_OUTCOMES)


def callback_operator_missed(*, callback: Callback) -> Callback:
    return _set_outcome(
        callback, CallbackOutcome.OPERATOR_MISSED, keep={CallbackOutcome.OPERATOR_MISSED}
    )


def callback_status_record(*, callback: Callback, status: str, sequence: int | None) -> Callback:
    """A status callback: in SequenceNumber order, nothing after a final status."""
    status = status.strip().lower()
    if status not in KNOWN_STATUSES:
        raise ValueError(f"unknown call status {status!r}")
    with transaction.atomic():
        callback = Callback.objects.select_for_update().get(pk=callback.pk)
        if callback.twilio_status in TERMINAL_STATUSES:
            return callback
        if sequence is not None and sequence <= callback.twilio_sequence:
            return callback
        callback.twilio_status = status
        if sequence is not None:
            callback.twilio_sequence = sequence
        fields = ["twilio_status", "twilio_sequence"]
        if status in TERMINAL_STATUSES:
            callback.ended_at = timezone.now()
            fields.append("ended_at")
            if callback.outcome not in ANSWERED_OUTCOMES:
                callback.outcome = TERMINAL_STATUSES[status]
                fields.append("outcome")
        callback.save(update_fields=fields)
    return callback


def callback_latest(contact: Contact) -> Callback | None:
    return Callback.objects.filter(contact=contact).first()
