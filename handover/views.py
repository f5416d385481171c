from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import DECIDE_CASES, SUPERVISE, USE_PARTNER_INBOX, WORK_CASES
from accounts.security import log_refusal, permission_required, staff_user
from cases.access import case_view
from cases.models import Case, MonitoringContact
from handover import destinations, selectors, services
from handover.forms import (
    HandoverForm,
    MonitoringForm,
    PhoneAnswerForm,
    RejectForm,
    TableOutcomeForm,
    TablePrepareForm,
    UrgentCouncilRequestForm,
)
from handover.models import Handover, PartnerOrganisation, TableReferral
from handover.package import package_for_display
from privacy.gate import list_viewed, protected_record

# --- staff: handing a case over ------------------------------------------------------------


def _organisations_by_slug() -> dict[str, PartnerOrganisation]:
    return {organisation.slug: organisation for organisation in PartnerOrganisation.objects.all()}


@never_cache
@permission_required(WORK_CASES)
@require_http_methods(["GET", "POST"])
@case_view("view")
def case_handover(request: HttpRequest, case: Case) -> HttpResponse:
    """Propose destinations from the rules, and hand the case over with its package."""
    return case_handover_page(request, case)


def case_handover_page(
    request: HttpRequest,
    case: Case,
    *,
    answer_form: PhoneAnswerForm | None = None,
    status: int = 200,
) -> HttpResponse:
    language = get_language() or "nl"
    if request.method == "POST" and answer_form is None:
        form = HandoverForm(request.POST)
        previewing = "preview" in request.POST
        if previewing:
            form.is_valid()  # only for the answers; nothing is saved
        elif form.is_valid() and services.override_reason_missing(
            case,
            organisation_slug=form.cleaned_data["organisation"],
            answers=form.answers(),
            override_reason=form.cleaned_data["override_reason"],
        ):
            form.add_error("override_reason", services.OVERRIDE_REASON_MISSING)
        elif form.is_valid() and request.POST.get("confirmed") != "1":
            # Handing over sends the case to another organisation and cannot be taken
            # back here: the first POST shows what will go where and asks to confirm.
            organisation = _organisations_by_slug().get(form.cleaned_data["organisation"])
            return render(
                request,
                "handover/handover_confirm.html",
                {
                    "case": case,
                    "form": form,
                    "organisation": organisation,
                    "conditions": form.conditions(),
                    "reporter_named": case.reporter_consents_to_disclosure,
                },
            )
        elif form.is_valid():
            try:
                handover = services.handover_create(
                    case_id=case.pk,
                    organisation_slug=form.cleaned_data["organisation"],
                    answers=form.answers(),
                    safety_conditions=form.conditions(),
                    facts_for_receiver=form.cleaned_data["facts_for_receiver"],
                    override_reason=form.cleaned_data["override_reason"],
                    by=staff_user(request),
                    language=language,
                )
            except services.HandoverError as refusal:
                if refusal.field in form.fields:
                    form.add_error(refusal.field, str(refusal))
                else:
                    form.add_error(None, str(refusal))
            else:
                messages.success(
                    request,
                    _("Overgedragen aan %(organisation)s; accepteren uiterlijk %(due)s.")
                    % {
                        "organisation": handover.organisation.name,
                        "due": handover.accept_due.strftime("%d-%m-%Y"),
                    },
                )
                return redirect("handover:case_handover", case_id=case.pk)
        if not previewing:
            status = 400
        answers = form.answers()
    else:
        answers = destinations.initial_answers(case)
        form = HandoverForm(initial=answers)
    proposals = destinations.propose(destinations.facts_for(case, answers), language=language)
    if request.method == "GET" and proposals:
        form.initial["organisation"] = proposals[0].destination
    organisations = _organisations_by_slug()
    handovers = list(selectors.handovers_of_case(case))
    return render(
        request,
        "handover/case_handover.html",
        {
            "case": case,
            "form": form,
            "proposals": [
                {"proposal": proposal, "organisation": organisations.get(proposal.destination)}
                for proposal in proposals
            ],
            "handovers": handovers,
            "may_hand_over": case.state in services.HANDOVER_STATES,
            # Once handed over, the page shows the handover and its status; a further
            # handover to another organisation stays possible but is not the first thing.
            "open_handovers": [handover for handover in handovers if handover.is_open],
            "before_decision": case.state not in services.HANDOVER_STATES and not handovers,
            "answer_form": answer_form or PhoneAnswerForm(),
        },
        status=status,
    )


@never_cache
@permission_required(WORK_CASES)
@require_POST
@case_view("change")
def case_handover_answer(request: HttpRequest, case: Case, handover_id: int) -> HttpResponse:
    """Staff record the answer of a partner that works by phone, with the name of who
    gave it; the handover and the case move together."""
    handover = case.handovers.select_related("organisation").filter(pk=handover_id).first()
    if handover is None or not handover.is_open:
        messages.error(request, _("Op deze overdracht wordt geen antwoord meer verwacht."))
        return redirect("handover:case_handover", case_id=case.pk)
    form = PhoneAnswerForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["answer"] == "accept":
                services.handover_accept(
                    handover_id=handover.pk,
                    organisation=handover.organisation,
                    by=staff_user(request),
                    via=Handover.Via.PHONE,
                    answered_by_name=form.cleaned_data["answered_by_name"],
                )
            else:
                services.handover_reject(
                    handover_id=handover.pk,
                    organisation=handover.organisation,
                    by=staff_user(request),
                    via=Handover.Via.PHONE,
                    reason=form.cleaned_data["reason"],
                    answered_by_name=form.cleaned_data["answered_by_name"],
                )
        except services.HandoverError as refusal:
            form.add_error(refusal.field if refusal.field in form.fields else None, str(refusal))
        else:
            messages.success(request, _("Het antwoord van de partner is vastgelegd."))
            return redirect("handover:case_handover", case_id=case.pk)
    return case_handover_page(request, case, answer_form=form, status=400)


@never_cache
@permission_required(SUPERVISE)
@require_http_methods(["GET"])
def escalated(request: HttpRequest) -> HttpResponse:
    handovers = list(selectors.handovers_escalated(request.user))
    list_viewed(
        request, list_name="handover.escalated", records=handovers, reason="escalated handovers"
    )
    return render(request, "handover/escalated.html", {"handovers": handovers})


# --- partners: the inbox of their own organisation -----------------------------------------


def _partner_handover(request: HttpRequest, handover_id: int, *, action: str) -> Handover:
    """The handover if it is the partner's own organisation's (logged); otherwise a logged
    refusal, 404 whether it exists elsewhere or not at all: a partner may not learn which
    handover ids exist (the partner API answers the same)."""
    return protected_record(
        request,
        visible=selectors.handovers_for_partner(request.user),
        pk=handover_id,
        action=action,
        refused_reason="another organisation's handover",
        refused_log_reason="handover of another organisation",
        hide_existence=True,
    )


def _partner_page(
    request: HttpRequest,
    handover: Handover,
    *,
    reject_form: RejectForm | None = None,
    outcome_form: TableOutcomeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    referral = TableReferral.objects.filter(handover=handover).first()
    if referral is not None and outcome_form is None:
        outcome_form = _outcome_form(referral)
    return render(
        request,
        "handover/partner_handover.html",
        {
            "handover": handover,
            "package": package_for_display(handover.package),
            "reject_form": reject_form or RejectForm(),
            "referral": referral,
            "outcome_form": outcome_form,
        },
        status=status,
    )


@never_cache
@permission_required(USE_PARTNER_INBOX)
@require_http_methods(["GET"])
def partner_inbox(request: HttpRequest) -> HttpResponse:
    organisation = selectors.partner_organisation_of(request.user)
    handovers = list(selectors.handovers_for_organisation(organisation))
    list_viewed(
        request,
        list_name="handover.partner_inbox",
        records=handovers,
        reason=f"partner inbox {organisation.slug if organisation else '(no organisation)'}",
    )
    return render(
        request,
        "handover/partner_inbox.html",
        {"organisation": organisation, "handovers": handovers},
    )


@never_cache
@permission_required(USE_PARTNER_INBOX)
@require_http_methods(["GET"])
def partner_handover(request: HttpRequest, handover_id: int) -> HttpResponse:
    return _partner_page(request, _partner_handover(request, handover_id, action="view"))


@never_cache
@permission_required(USE_PARTNER_INBOX)
@require_POST
def partner_accept(request: HttpRequest, handover_id: int) -> HttpResponse:
    handover = _partner_handover(request, handover_id, action="change")
    try:
        services.handover_accept(
            handover_id=handover.pk,
            organisation=handover.organisation,
            by=staff_user(request),
            via="inbox",
        )
    except services.HandoverError as refusal:
        messages.error(request, str(refusal))
        return redirect("partner:handover", handover_id=handover.pk)
    messages.success(request, _("Overdracht geaccepteerd. Jullie zijn nu verantwoordelijk."))
    return redirect("partner:inbox")


@never_cache
@permission_required(USE_PARTNER_INBOX)
@require_POST
def partner_reject(request: HttpRequest, handover_id: int) -> HttpResponse:
    handover = _partner_handover(request, handover_id, action="change")
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.handover_reject(
                handover_id=handover.pk,
                organisation=handover.organisation,
                by=staff_user(request),
                via="inbox",
                reason=form.cleaned_data["reason"],
            )
        except services.HandoverError as refusal:
            form.add_error("reason" if refusal.field == "reason" else None, str(refusal))
        else:
            messages.success(request, _("Overdracht geweigerd; Veilig Thuis is op de hoogte."))
            return redirect("partner:inbox")
    return _partner_page(request, handover, reject_form=form, status=400)


# --- monitoring --------------------------------------------------------------------------------


@never_cache
@permission_required(WORK_CASES)
@require_http_methods(["GET"])
def monitoring_list(request: HttpRequest) -> HttpResponse:
    tasks = list(selectors.monitoring_tasks(request.user))
    list_viewed(request, list_name="handover.monitoring", records=tasks, reason="monitoring tasks")
    return render(
        request, "handover/monitoring.html", {"tasks": tasks, "today": timezone.localdate()}
    )


@never_cache
@permission_required(WORK_CASES)
@require_http_methods(["GET", "POST"])
def monitoring_contact(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = protected_record(
        request,
        visible=MonitoringContact.objects.select_related("case").filter(
            case__in=Case.objects.visible_to(request.user)
        ),
        pk=contact_id,
        action=None,
        refused_reason="monitoring contact outside need-to-know",
        logged_as=lambda contact: contact.case,
    )
    form = MonitoringForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = services.monitoring_record(
                    contact_id=contact.pk,
                    outcome=form.cleaned_data["outcome"],
                    note=form.cleaned_data["note"],
                    by=staff_user(request),
                )
            except services.HandoverError as refusal:
                form.add_error(
                    refusal.field if refusal.field in form.fields else None, str(refusal)
                )
            else:
                if result.outcome == result.Outcome.UNSAFE:
                    messages.warning(
                        request,
                        _("Dossier %(ref)s is heropend.") % {"ref": contact.case.reference},
                    )
                else:
                    messages.success(request, _("Het contact is vastgelegd."))
                return redirect("monitoring:list")
        status = 400
    return render(
        request,
        "handover/monitoring_contact.html",
        {"contact": contact, "form": form},
        status=status,
    )


# --- the Jeugdbeschermingstafel and the Raad ----------------------------------------------


# The preparation and the outcome share the parents' fields on one page: their own ids
# keep every label pointing at its own field.
PREPARE_IDS = "prepare_%s"


def _outcome_form(referral: TableReferral, data: Any = None) -> TableOutcomeForm:
    return TableOutcomeForm(
        data,
        people=list(referral.case.people.order_by("pk")),
        initial={
            "parents_informed_on": referral.parents_informed_on,
            "parents_informing_postponed_reason": referral.parents_informing_postponed_reason,
        },
    )


def _show_refusal(request: HttpRequest, form: Any, refusal: services.HandoverError) -> None:
    """Bad input next to its field; anything else (a refused person, a stale state) on top."""
    if refusal.status == 403:
        # The service wrote the refused row of the access log; this is the security log's.
        log_refusal(request, reason="table or council step refused", page_row=False)
        raise PermissionDenied
    form.add_error(refusal.field if refusal.field in form.fields else None, str(refusal))


def _record_outcome(request: HttpRequest, referral: TableReferral, form: TableOutcomeForm) -> bool:
    """Record the table's outcome from a valid form; False (with the error on the form)
    when the service refuses it."""
    data = form.cleaned_data
    attended = set(data["attended"])
    invited = set(data["invited"]) | attended
    try:
        services.table_outcome_record(
            referral_id=referral.pk,
            by=staff_user(request),
            held_on=data["held_on"],
            outcome=data["outcome"],
            attendance=[
                services.Attendance(person_id, True, person_id in attended)
                for person_id in sorted(invited)
            ],
            agreements=data["agreements"],
            review_on=data["review_on"],
            council_reason=data["council_reason"],
            parents_informed_on=data["parents_informed_on"],
            parents_informing_postponed_reason=data["parents_informing_postponed_reason"],
        )
    except services.HandoverError as refusal:
        _show_refusal(request, form, refusal)
        return False
    return True


def _table_page(
    request: HttpRequest,
    case: Case,
    *,
    forms: dict[int, dict[str, Any]] | None = None,
    urgent_form: UrgentCouncilRequestForm | None = None,
    status: int = 200,
) -> HttpResponse:
    referrals = list(
        case.table_referrals.select_related("handover__organisation").prefetch_related(
            "meetings__participants__person", "meetings__recorded_by"
        )
    )
    rows = []
    for referral in referrals:
        given = (forms or {}).get(referral.pk, {})
        rows.append(
            {
                "referral": referral,
                "prepare_form": given.get("prepare")
                or TablePrepareForm(
                    auto_id=PREPARE_IDS,
                    initial={
                        "meeting_planned_on": referral.meeting_planned_on,
                        "parents_informed_on": referral.parents_informed_on,
                        "parents_informing_postponed_reason": (
                            referral.parents_informing_postponed_reason
                        ),
                    },
                ),
                "outcome_form": given.get("outcome") or _outcome_form(referral),
            }
        )
    return render(
        request,
        "handover/case_table.html",
        {
            "case": case,
            "rows": rows,
            "council_requests": case.council_requests.select_related(
                "handover__organisation", "requested_by"
            ),
            "urgent_form": urgent_form or UrgentCouncilRequestForm(),
            "may_request_urgently": request.user.has_perm(DECIDE_CASES),
            "today": timezone.localdate(),
        },
        status=status,
    )


def _case_referral(case: Case, referral_id: int) -> TableReferral:
    referral = (
        case.table_referrals.select_related("handover", "case").filter(pk=referral_id).first()
    )
    if referral is None:
        raise Http404
    return referral


@never_cache
@permission_required(WORK_CASES)
@require_http_methods(["GET"])
@case_view("view")
def case_table(request: HttpRequest, case: Case) -> HttpResponse:
    """The Jeugdbeschermingstafel and the Raad for one case: the deadline while it waits,
    informing the parents, the table's outcome, and an urgent request to the Raad."""
    return _table_page(request, case)


@never_cache
@permission_required(WORK_CASES)
@require_POST
@case_view("change")
def case_table_prepare(request: HttpRequest, case: Case, referral_id: int) -> HttpResponse:
    referral = _case_referral(case, referral_id)
    form = TablePrepareForm(request.POST, auto_id=PREPARE_IDS)
    if form.is_valid():
        try:
            services.table_referral_prepare(
                referral_id=referral.pk,
                by=staff_user(request),
                meeting_planned_on=form.cleaned_data["meeting_planned_on"],
                parents_informed_on=form.cleaned_data["parents_informed_on"],
                parents_informing_postponed_reason=form.cleaned_data[
                    "parents_informing_postponed_reason"
                ],
            )
        except services.HandoverError as refusal:
            _show_refusal(request, form, refusal)
        else:
            messages.success(request, _("De voorbereiding van de tafel is vastgelegd."))
            return redirect("handover:case_table", case_id=case.pk)
    return _table_page(request, case, forms={referral.pk: {"prepare": form}}, status=400)


@never_cache
@permission_required(WORK_CASES)
@require_POST
@case_view("change")
def case_table_outcome(request: HttpRequest, case: Case, referral_id: int) -> HttpResponse:
    referral = _case_referral(case, referral_id)
    form = _outcome_form(referral, request.POST)
    if form.is_valid() and _record_outcome(request, referral, form):
        messages.success(request, _("De uitkomst van de tafel is vastgelegd."))
        return redirect("handover:case_table", case_id=case.pk)
    return _table_page(request, case, forms={referral.pk: {"outcome": form}}, status=400)


@never_cache
@permission_required(DECIDE_CASES)
@require_POST
@case_view("change")
def case_council_urgent(request: HttpRequest, case: Case) -> HttpResponse:
    """Urgent: a request to investigate straight to the Raad, skipping the table."""
    form = UrgentCouncilRequestForm(request.POST)
    if form.is_valid():
        try:
            request_made = services.council_request_urgent(
                case_id=case.pk, by=staff_user(request), reason=form.cleaned_data["reason"]
            )
        except services.HandoverError as refusal:
            _show_refusal(request, form, refusal)
        else:
            messages.success(
                request,
                _("Spoedverzoek tot onderzoek verstuurd aan %(organisation)s.")
                % {"organisation": request_made.handover.organisation.name},
            )
            return redirect("handover:case_table", case_id=case.pk)
    return _table_page(request, case, urgent_form=form, status=400)


@never_cache
@permission_required(USE_PARTNER_INBOX)
@require_POST
def partner_table_outcome(request: HttpRequest, handover_id: int) -> HttpResponse:
    """The table's own members record its outcome in their inbox."""
    handover = _partner_handover(request, handover_id, action="change")
    referral = (
        TableReferral.objects.select_related("case", "handover").filter(handover=handover).first()
    )
    if referral is None:
        raise Http404
    form = _outcome_form(referral, request.POST)
    if form.is_valid() and _record_outcome(request, referral, form):
        messages.success(request, _("De uitkomst van de tafel is vastgelegd."))
        return redirect("partner:handover", handover_id=handover.pk)
    return _partner_page(request, handover, outcome_form=form, status=400)
