"""From a call in hand to a case: the intake for the call, its radar, and the wrap-up of
an answered call that has no intake.

Only the operator who took a call may open these; anyone else is refused through the
access gate (a logged 403). The caller's number never reaches the page: the radar matches
it server-side by its blind index.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import ANSWER_HOTLINE, WORK_CASES
from accounts.security import permission_required, staff_user
from cases.acute_clock import acute_clock
from cases.codes import CallerChoice, Channel
from cases.models import Case, Contact
from cases.views import (
    IntakeSetup,
    contact_initial_for,
    intake_page,
    radar_query_from,
    radar_response,
)
from hotline import services
from hotline.forms import AcuteCallHandlingForm
from hotline.models import Call
from hotline.regions import region_name
from hotline.selectors import call_case, operator_serves_here
from privacy.gate import protected_record

INTAKE_LANGUAGES = {"nl", "en"}


def _my_call(request: HttpRequest, call_id: int, *, action: str | None = None) -> Call:
    """The call if the user took it (access logged); a logged 403 for anyone else."""
    return protected_record(
        request,
        visible=Call.objects.filter(operator=staff_user(request)).select_related("operator"),
        pk=call_id,
        action=action,
        refused_reason="not the operator of this call",
        refused_log_reason="call taken by someone else",
    )


@never_cache
@sensitive_post_parameters()
@permission_required(WORK_CASES)
@require_http_methods(["GET", "POST"])
def call_intake(request: HttpRequest, call_id: int) -> HttpResponse:
    """The intake for this call, filled in with what the caller told the menu."""
    user = staff_user(request)
    call = _my_call(request, call_id)
    case_id, reference = call_case(call)
    if case_id is not None:
        messages.info(
            request,
            _("Voor dit gesprek is al een intake vastgelegd in dossier %(ref)s.")
            % {"ref": reference},
        )
        return redirect("cases:case_detail", case_id=case_id)

    def on_case(case: Case) -> None:
        contact = case.contacts.order_by("pk").first()
        if contact is not None:
            services.call_link_contact(call_id=call.pk, contact_id=contact.pk, by=user)

    def on_contact(contact: Contact) -> None:
        services.call_link_contact(call_id=call.pk, contact_id=contact.pk, by=user)

    language = call.language if call.language in INTAKE_LANGUAGES else "other"
    setup = IntakeSetup(
        contact_initial={
            **contact_initial_for(call.role),
            "channel": Channel.PHONE,
            "language": language,
        },
        case_initial={"acute": call.acute},
        region=call.region or None,
        on_case=on_case,
        on_contact=on_contact,
        radar_url=reverse("hotline:call_radar", args=[call.pk]),
        acute_since=call.acute_since if call.acute else None,
        call={
            "id": call.pk,
            "came_in": call.created_at,
            "role": CallerChoice(call.role).label if call.role in CallerChoice.values else "",
            "acute": call.acute,
            "language": language,
            "region": region_name(call.region) if call.region else "",
            "number_known": bool(call.caller_index),
        },
    )
    return intake_page(request, setup)


@never_cache
@sensitive_post_parameters()
@permission_required(WORK_CASES)
@require_POST
def call_radar(request: HttpRequest, call_id: int) -> JsonResponse:
    """The radar for this call's intake: what was typed, plus the caller's own number by
    its blind index (when it was not withheld). The number itself is never read."""
    call = _my_call(request, call_id, action="view")
    own = (call.caller_index,) if call.caller_index and not call.withheld else ()
    return radar_response(request, radar_query_from(request, phone_indexes=own))


@never_cache
@require_POST
@permission_required(ANSWER_HOTLINE)
def call_wrap_up(request: HttpRequest, call_id: int) -> JsonResponse:
    """ "Afronden zonder intake": the outcome code of an answered call without an intake."""
    call = _my_call(request, call_id, action="change")
    try:
        call = services.call_wrap_up(
            call_id=call.pk, outcome=request.POST.get("outcome", ""), by=staff_user(request)
        )
    except services.WrapUpRefused as refusal:
        return JsonResponse({"error": refusal.message}, status=400)
    except services.CallTakenBySomeoneElse:
        return JsonResponse({"error": _("Dit is niet jouw gesprek.")}, status=403)
    return JsonResponse({"call_id": call.pk, "wrap_up_outcome": call.wrap_up_outcome})


@never_cache
@sensitive_post_parameters()
@permission_required(ANSWER_HOTLINE)
@require_http_methods(["GET", "POST"])
def call_acute(request: HttpRequest, call_id: int) -> HttpResponse:
    """An acute call that never became a case (the caller hung up before the intake):
    any operator of this deployment records what was done (police informed, callback not
    possible, nothing possible, with the reason), and it leaves the acute lists."""
    user = staff_user(request)
    acute_calls = Call.objects.filter(acute=True, acute_since__isnull=False)
    call = protected_record(
        request,
        visible=acute_calls if operator_serves_here(user) else acute_calls.none(),
        pk=call_id,
        action=None,  # viewing the form, or recording what was done
        refused_reason="acute call of another region",
        refused_log_reason="acute call of another region",
    )
    form = AcuteCallHandlingForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.call_acute_handle(
                    call_id=call.pk,
                    handling=form.cleaned_data["handling"],
                    reason=form.cleaned_data["reason"],
                    by=user,
                )
            except services.AcuteHandlingRefused as refusal:
                form.add_error(refusal.field or None, refusal.message)
            else:
                messages.success(
                    request,
                    _("Vastgelegd; gesprek %(id)s staat niet meer op de acute lijst.")
                    % {"id": call.pk},
                )
                return redirect("dashboard:dashboard")
    assert call.acute_since is not None  # the gate only lets acute calls with a clock through
    return render(
        request,
        "hotline/acute_call.html",
        {
            "call": call,
            "form": form,
            "on_list": call.on_acute_list,
            "clock": acute_clock(call.acute_since) if call.on_acute_list else None,
            "role": CallerChoice(call.role).label if call.role in CallerChoice.values else "",
        },
        status=status,
    )
