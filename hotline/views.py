"""Thin views: Twilio's webhooks (signed, public) and the operators' JSON endpoints."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import ANSWER_HOTLINE
from accounts.security import log_refusal, permission_required, staff_user
from cases.codes import CallerChoice
from cases.models import Case, Contact
from hotline import callbacks, services, twilio_rest, twiml
from hotline.models import Call, Callback, CallOutcome, CallState, PendingAction
from hotline.prompts import (
    KEY_ACUTE_YES,
    KEY_CALLBACK_CONFIRM,
    KEY_CANT_TALK,
    KEY_ENGLISH,
    KEY_MENU,
    ROLE_KEYS,
)
from hotline.regions import transfer_number_for
from hotline.selectors import call_by_sid, call_queue_position, call_summary
from hotline.signature import twilio_fallback_webhook, twilio_webhook
from hotline.signature import twiml as twiml_response
from hotline.webhook_input import query_id, sequence_number
from privacy.gate import protected_record

logger = logging.getLogger(__name__)


def _digits(request: HttpRequest) -> str:
    return request.POST.get("Digits", "").strip()


def _route_by_region(call: Call) -> HttpResponse:
    """A placed caller of another region goes there; everyone else hears our menu."""
    number = transfer_number_for(call.region) if call.region else ""
    if number:
        call = services.call_transfer(call=call, number=number)
        return twiml_response(twiml.transfer(language=call.language, number=number))
    return twiml_response(twiml.role_menu(language=call.language))


# --- Twilio webhooks ---------------------------------------------------------------


@twilio_webhook
def voice(request: HttpRequest) -> HttpResponse:
    sid = request.POST.get("CallSid", "")
    if not sid:
        return HttpResponse("CallSid missing", status=400, content_type="text/plain")
    call, _created = services.call_receive(
        sid=sid,
        from_number=request.POST.get("From", ""),
        account_sid=request.POST.get("AccountSid", ""),
    )
    if call.state == CallState.TRANSFERRED or (call.region and transfer_number_for(call.region)):
        return _route_by_region(call)
    return twiml_response(twiml.opening(language=call.language, ask_postcode=not call.region))


@twilio_webhook
def menu(request: HttpRequest) -> HttpResponse:
    call = call_by_sid(request.POST.get("CallSid", ""))
    if call is None:
        # A menu answer for a call we never saw (its first webhook went to the fallback):
        # still answer the caller rather than leave them in silence.
        return twiml_response(twiml.backup())
    if call.is_final:
        return twiml_response(twiml.hang_up())
    step = request.GET.get("step", "")
    digits = _digits(request)
    if digits == KEY_CANT_TALK:
        call = services.call_end_safely(call=call)
        return twiml_response(twiml.safe_exit(language=call.language))
    if digits == KEY_ENGLISH and step in {"postcode", "role"}:
        call = services.call_language_set(call=call, language="en")
        if step == "postcode":
            return twiml_response(twiml.postcode_question(language=call.language))
        return twiml_response(twiml.role_menu(language=call.language))
    if step == "postcode":
        return _menu_postcode(call, digits)
    if step == "role":
        return _menu_role(call, digits)
    if step == "acute":
        call = services.call_enqueue(call=call, acute=digits == KEY_ACUTE_YES)
        return twiml_response(twiml.enqueue(language=call.language, region=call.region))
    return HttpResponse("unknown step", status=400, content_type="text/plain")


def _menu_postcode(call: Call, digits: str) -> HttpResponse:
    call = services.call_postcode_enter(call=call, digits=digits)
    if not call.region:
        return twiml_response(twiml.postcode_question(language=call.language, unknown=True))
    return _route_by_region(call)


def _menu_role(call: Call, digits: str) -> HttpResponse:
    role = ROLE_KEYS.get(digits)
    if role is None:
        if digits == KEY_MENU:
            return twiml_response(twiml.role_menu(language=call.language))
        call = services.call_menu_miss(call=call)
        if call.menu_attempts < services.MAX_MENU_ATTEMPTS:
            return twiml_response(twiml.role_menu(language=call.language))
        # Twice no answer: a caller who cannot choose still gets a person.
        role = CallerChoice.UNKNOWN
    call = services.call_role_choose(call=call, role=role)
    return twiml_response(twiml.acute_question(language=call.language))


@twilio_webhook
def wait(request: HttpRequest) -> HttpResponse:
    call = call_by_sid(request.POST.get("CallSid", ""))
    if call is None:
        return twiml_response(twiml.wait_message(language="nl", position=None))
    if request.GET.get("step") == "key":
        digits = _digits(request)
        if digits == KEY_CANT_TALK:
            # Ended now, not when Twilio lets the caller out: from this moment no take can
            # win, and one that already did is undone (services.call_end_safely).
            services.call_end_safely(call=call)
            return twiml_response(twiml.leave_queue())
        if digits == KEY_MENU:
            services.call_leave_request(call=call, action=PendingAction.MENU)
            return twiml_response(twiml.leave_queue())
    if call.state == CallState.TAKEN or call.is_final:
        # Claimed by an operator: a simulated call (or one whose REST move is slow) leaves
        # the queue here and is bridged by the queue-result URL. An ended call leaves too,
        # and the queue result hangs up.
        return twiml_response(twiml.leave_queue())
    position = call_queue_position(call=call)
    return twiml_response(twiml.wait_message(language=call.language, position=position))


def _ended(call: Call) -> str:
    """The TwiML for a call that is over: the safe-exit sentence after a 9, else silence."""
    if call.outcome == CallOutcome.SAFE_EXIT:
        return twiml.safe_exit(language=call.language)
    return twiml.hang_up()


@twilio_webhook
def queue_result(request: HttpRequest) -> HttpResponse:
    call = call_by_sid(request.POST.get("CallSid", ""))
    result = request.POST.get("QueueResult", "").strip().lower()
    if call is None:
        return twiml_response(twiml.empty())
    if result == "hangup":
        services.call_abandon(call=call)
        return twiml_response(twiml.empty())
    if result in {"bridged", "bridging-in-process", "redirected", "redirected-from-bridged"}:
        # The REST redirect moved the caller; the connect URL carries on from there.
        return twiml_response(twiml.empty())
    if result == "leave":
        if call.is_final or call.state == CallState.TRANSFERRED:
            # Ended while waiting (9, or closed as over at Twilio): never an operator.
            return twiml_response(_ended(call))
        if call.state == CallState.TAKEN:
            return twiml_response(twiml.redirect_to_connect(call_id=call.pk))
        if call.pending_action == PendingAction.SAFE_EXIT:
            call = services.call_end_safely(call=call)
            return twiml_response(twiml.safe_exit(language=call.language))
        if call.pending_action == PendingAction.MENU:
            call = services.call_back_to_menu(call=call)
            return twiml_response(twiml.role_menu(language=call.language))
        return twiml_response(twiml.enqueue(language=call.language, region=call.region))
    if result in {"queue-full", "error", "system-shutdown"}:
        services.call_overflow(call=call, reason=result)
        return twiml_response(twiml.backup())
    return HttpResponse("unknown QueueResult", status=400, content_type="text/plain")


@twilio_webhook
def status(request: HttpRequest) -> HttpResponse:
    # The decorator checked SequenceNumber (digits, within an IntegerField).
    try:
        services.call_status_record(
            sid=request.POST.get("CallSid", ""),
            status=request.POST.get("CallStatus", ""),
            sequence=sequence_number(request.POST.get("SequenceNumber", "")),
        )
    except ValueError:
        return HttpResponse("unknown CallStatus", status=400, content_type="text/plain")
    return HttpResponse(status=204)


@twilio_webhook
def connect(request: HttpRequest) -> HttpResponse:
    call_id = query_id(request.GET.get("call", ""))
    if call_id is None:
        return HttpResponse("call missing", status=400, content_type="text/plain")
    call = Call.objects.filter(pk=call_id, sid=request.POST.get("CallSid", "")).first()
    if call is None:
        return HttpResponse("unknown call", status=404, content_type="text/plain")
    if request.GET.get("step") == "after":
        dial_status = request.POST.get("DialCallStatus", "").strip().lower()
        if dial_status in {"completed", "answered"}:
            return twiml_response(twiml.hang_up())
        # The operator's softphone did not answer: back in the queue, same place.
        call = services.call_requeue(
            call=call, note=f"operator did not answer ({dial_status})"[:200]
        )
        if call.is_final:
            return twiml_response(_ended(call))
        return twiml_response(twiml.enqueue(language=call.language, region=call.region))
    call = services.call_connect(call=call)
    if call.state != CallState.CONNECTED or call.operator is None:
        if call.is_final:
            # The caller pressed 9 while the operator's redirect was on its way: 9 wins.
            return twiml_response(_ended(call))
        return twiml_response(twiml.enqueue(language=call.language, region=call.region))
    return twiml_response(
        twiml.dial_operator(
            language=call.language,
            call_id=call.pk,
            identity=services.operator_identity(call.operator),
        )
    )


@twilio_fallback_webhook
def fallback(request: HttpRequest) -> HttpResponse:
    """Twilio calls this when the primary URL fails. Static: no database, no Redis."""
    return twiml_response(twiml.backup())


# --- operators ---------------------------------------------------------------------


def _taken_response(call: Call) -> JsonResponse:
    return JsonResponse({"call": call_summary(call)})


def _not_your_region(request: HttpRequest) -> JsonResponse:
    """An account of another region tried to take a call of this deployment's queue."""
    region = getattr(request.user, "region", "")
    log_refusal(request, reason=f"operator of region {region!r} takes a call")
    return JsonResponse(
        {"error": _("Je kunt alleen gesprekken van je eigen regio aannemen.")}, status=403
    )


def _transfer_failed() -> JsonResponse:
    return JsonResponse(
        {"error": _("Doorverbinden is mislukt; het gesprek staat weer in de wachtrij.")},
        status=502,
    )


def _gone_notice() -> str:
    return _(
        "Bellers die al hadden opgehangen zonder dat het einde was doorgegeven, zijn "
        "uit de wachtrij gehaald."
    )


@require_POST
@permission_required(ANSWER_HOTLINE)
def take_call(request: HttpRequest, call_id: int) -> JsonResponse:
    call = get_object_or_404(Call, pk=call_id)
    try:
        call = services.call_take(call=call, operator=staff_user(request))
    except services.CallNotYours:
        return _not_your_region(request)
    except services.CallerCannotTalk:
        return JsonResponse(
            {"error": _("De beller heeft het gesprek beëindigd (kan niet praten).")},
            status=409,
        )
    except services.CallNotAvailable:
        return JsonResponse(
            {"error": _("Dit gesprek is al aangenomen door een collega of wacht niet meer.")},
            status=409,
        )
    except services.CallGone:
        return JsonResponse(
            {"error": _("De beller had al opgehangen; het gesprek is uit de wachtrij gehaald.")},
            status=409,
        )
    except services.CallTransferFailed:
        return _transfer_failed()
    return _taken_response(call)


@require_POST
@permission_required(ANSWER_HOTLINE)
def take_next(request: HttpRequest) -> JsonResponse:
    try:
        taken = services.call_take_next_reporting(operator=staff_user(request))
    except services.CallNotYours:
        return _not_your_region(request)
    except services.CallTransferFailed:
        return _transfer_failed()
    notice = _gone_notice() if taken.closed else ""
    if taken.call is None:
        message = _("Er wacht op dit moment niemand.")
        if taken.closed:
            # Stopped after MAX_GONE_PER_TAKE ghosts, or the queue is empty behind them.
            message = notice + " " + _("Druk nog een keer om de volgende beller aan te nemen.")
        return JsonResponse({"call": None, "message": message, "notice": notice})
    if notice:
        return JsonResponse({"call": call_summary(taken.call), "notice": notice})
    return _taken_response(taken.call)


@never_cache
@require_GET
@permission_required(ANSWER_HOTLINE)
def token(request: HttpRequest) -> JsonResponse:
    """A short-lived token for the browser softphone (Twilio Voice JS SDK)."""
    if not (twilio_rest.is_configured() and settings.TWILIO_TWIML_APP_SID):
        # No Twilio account: calls are simulated and there is nothing to register.
        return JsonResponse({"token": None, "simulated": True})
    # Imported here: the JWT library is only needed by this view, not by every process
    # that loads the URLconf.
    from twilio.jwt.access_token import AccessToken
    from twilio.jwt.access_token.grants import VoiceGrant

    identity = services.operator_identity(staff_user(request))
    access_token = AccessToken(
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_API_KEY_SID,
        settings.TWILIO_API_KEY_SECRET,
        identity=identity,
        ttl=settings.HOTLINE_TOKEN_TTL_SECONDS,
    )
    access_token.add_grant(
        VoiceGrant(outgoing_application_sid=settings.TWILIO_TWIML_APP_SID, incoming_allow=True)
    )
    return JsonResponse(
        {
            "token": access_token.to_jwt(),
            "identity": identity,
            "ttl": settings.HOTLINE_TOKEN_TTL_SECONDS,
            "simulated": False,
        }
    )


# --- safe callbacks ----------------------------------------------------------------


@require_POST
@permission_required(ANSWER_HOTLINE)
def callback_request(request: HttpRequest, contact_id: int) -> HttpResponse:
    """The operator's "Veilig terugbellen": the only way this system ever rings anyone."""
    contact = protected_record(
        request,
        visible=Contact.objects.filter(case__in=Case.objects.visible_to(request.user)),
        pk=contact_id,
        logged_as=lambda contact: contact.case,
    )
    try:
        callback = callbacks.callback_place(contact=contact, operator=staff_user(request))
    except callbacks.CallbackRefused as refusal:
        messages.error(request, _("Niet teruggebeld: %(reason)s") % {"reason": refusal.reason})
    except callbacks.CallbackFailed as failure:
        messages.error(request, failure.message)
    else:
        if callback.simulated:
            messages.info(
                request, _("Gesimuleerd: er is niet echt gebeld (Twilio is niet ingesteld).")
            )
        else:
            messages.success(
                request,
                _(
                    "De telefoon gaat over. Zodra de beller op 1 drukt, gaat je softphone "
                    "over: neem op."
                ),
            )
    return redirect("cases:case_detail", contact.case_id)


def _callback_response(request: HttpRequest) -> tuple[Callback | None, HttpResponse | None]:
    callback_id = query_id(request.GET.get("callback", ""))
    if callback_id is None:
        return None, HttpResponse("callback missing", status=400, content_type="text/plain")
    callback = callbacks.callback_for_webhook(
        callback_id=callback_id, sid=request.POST.get("CallSid", "")
    )
    if callback is None:
        return None, HttpResponse("unknown callback", status=404, content_type="text/plain")
    return callback, None


@twilio_webhook
def callback(request: HttpRequest) -> HttpResponse:
    """Twilio rang a safe number and the callee answered (or the call changed status)."""
    found, error = _callback_response(request)
    if found is None:
        return error or twiml_response(twiml.hang_up())
    language = "en" if found.contact.language == "en" else "nl"
    step = request.GET.get("step", "")
    if step == "status":
        try:
            callbacks.callback_status_record(
                callback=found,
                status=request.POST.get("CallStatus", ""),
                sequence=sequence_number(request.POST.get("SequenceNumber", "")),
            )
        except ValueError:
            return HttpResponse("unknown CallStatus", status=400, content_type="text/plain")
        return HttpResponse(status=204)
    if step == "":
        return twiml_response(twiml.callback_opening(language=language, callback_id=found.pk))
    if step == "answer":
        if _digits(request) != KEY_CALLBACK_CONFIRM:
            # Whoever answered did not confirm: end without another word, say no name.
            callbacks.callback_decline(callback=found)
            return twiml_response(twiml.hang_up())
        found = callbacks.callback_connect(callback=found)
        return twiml_response(
            twiml.callback_dial_operator(
                language=language,
                callback_id=found.pk,
                identity=services.operator_identity(found.operator),
            )
        )
    if step == "after":
        dial_status = request.POST.get("DialCallStatus", "").strip().lower()
        if dial_status in {"completed", "answered"}:
            return twiml_response(twiml.hang_up())
        callbacks.callback_operator_missed(callback=found)
        return twiml_response(twiml.callback_no_operator(language=language))
    return HttpResponse("unknown step", status=400, content_type="text/plain")
