from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import WORK_CASES
from accounts.security import permission_required, staff_user
from cases import selectors, services
from cases.access import case_for, case_view
from cases.codes import CaseType, caller_contact
from cases.forms import (
    CaseForm,
    CaseSearchForm,
    ContactAddForm,
    ContactForm,
    PeopleFormSet,
    StepForm,
    reference_part,
)
from cases.models import Case, State
from privacy.gate import list_viewed

# What a search looked for, for "Niets gevonden voor ..." (CaseSearch.kinds order).
SEARCH_KIND_LABELS = {
    "name": _lazy("deze naam"),
    "phone": _lazy("dit telefoonnummer"),
    "postcode_house": _lazy("deze postcode en dit huisnummer"),
    "postcode": _lazy("deze postcode"),
    "dob": _lazy("deze geboortedatum"),
    "bsn": _lazy("dit BSN"),
}


def _searched_for(kinds: list[str]) -> str:
    labels = [str(SEARCH_KIND_LABELS[kind]) for kind in kinds]
    if len(labels) < 2:
        return "".join(labels)
    return _("%(first)s en %(last)s") % {"first": ", ".join(labels[:-1]), "last": labels[-1]}


@never_cache
@sensitive_post_parameters()
@permission_required(WORK_CASES)
@require_http_methods(["GET", "POST"])
def case_list(request: HttpRequest) -> HttpResponse:
    """The cases the user may see, filtered by phase or a (part of a) reference in the URL
    (references are not secret), or searched by personal data in a POST, so names, numbers
    and BSNs never end up in a URL, a browser history or a server's request log."""
    state = request.GET.get("state") or None
    if state not in State.values:
        state = None
    raw_q = (request.GET.get("q") or "").strip()
    reference = reference_part(raw_q)
    context: dict[str, object] = {
        "states": State.choices,
        "state": state,
        "q": reference,
        "q_not_a_reference": bool(raw_q) and not reference,
        "search_form": CaseSearchForm(),
        "searched": False,
    }
    if request.method == "POST":
        form = CaseSearchForm(request.POST)
        context["search_form"] = form
        if not form.is_valid():
            # Nothing searched, nothing shown: the errors sit next to their fields.
            context["cases"] = []
            return render(request, "cases/case_list.html", context, status=400)
        search = form.to_search()
        cases = selectors.case_search(request.user, search)
        # The kinds searched for, never the values.
        reason = "case search by " + ",".join(search.kinds)
        context.update(searched=True, searched_for=_searched_for(search.kinds))
        list_name = "cases.case_search"
    elif reference:
        cases = selectors.cases_with_reference_part(request.user, reference)
        reason = f"case list reference contains {reference}"
        list_name = "cases.case_list"
    else:
        cases = [] if raw_q else selectors.cases_for(request.user, state=state)
        reason = f"case list state={state or 'all'}" + (" q=(not a reference)" if raw_q else "")
        list_name = "cases.case_list"
    list_viewed(request, list_name=list_name, records=cases, reason=reason)
    context["cases"] = cases
    context["search_limit"] = selectors.SEARCH_LIMIT
    return render(request, "cases/case_list.html", context)


def _contact_initial(request: HttpRequest) -> dict[str, object]:
    """An intake started from a call in hand: the caller's menu choice (?caller=) fills in
    the contact's role, through the one table that translates it."""
    contact = caller_contact(request.GET.get("caller", ""))
    if contact is None:
        return {}
    return {"role": contact.role, "is_minor_about_self": contact.minor_about_self}


def _intake_forms(request: HttpRequest) -> tuple[CaseForm, ContactForm, PeopleFormSet]:
    data = request.POST if request.method == "POST" else None
    case_form = CaseForm(data, prefix="case")
    case_type = (data or {}).get("case-case_type", CaseType.ADVICE)
    contact_form = ContactForm(
        data, prefix="contact", case_type=case_type, initial=_contact_initial(request)
    )
    people = PeopleFormSet(data, prefix="people")
    return case_form, contact_form, people


@never_cache
@sensitive_post_parameters()
@permission_required(WORK_CASES)
@require_http_methods(["GET", "POST"])
def intake_new(request: HttpRequest) -> HttpResponse:
    case_form, contact_form, people = _intake_forms(request)
    if request.method == "POST":
        valid = all([case_form.is_valid(), contact_form.is_valid(), people.is_valid()])
        if valid:
            intake = services.IntakeData(
                contact=contact_form.to_service_data(),
                case=case_form.to_service_data(),
                people=[form.to_service_data() for form in people if form.has_changed()],
            )
            case = services.intake_register(intake=intake, by=request.user)
            messages.success(request, _("Dossier %(ref)s is aangemaakt.") % {"ref": case.reference})
            return redirect("cases:case_detail", case_id=case.pk)
        messages.error(request, _("Niet alles is goed ingevuld; zie de meldingen bij de velden."))
    return render(
        request,
        "cases/intake.html",
        {
            "case_form": case_form,
            "contact_form": contact_form,
            "people": people,
            "role_fieldsets": ContactForm.ROLE_FIELDSETS,
        },
        status=400 if request.method == "POST" else 200,
    )


@never_cache
@permission_required(WORK_CASES)
@require_http_methods(["GET"])
@case_view("view")
def case_detail(request: HttpRequest, case: Case) -> HttpResponse:
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "contacts": case.contacts.all(),
            "reports": case.reports.all(),
            "people": case.people.all(),
            "transitions": case.transitions.select_related("by"),
            "radar": selectors.radar_for_case(case=case, user=request.user),
            "links": case.links.select_related("linked_case"),
            "working_days_left": case.working_days_left(),
            "days_overdue": max(0, -case.working_days_left()),
        },
    )


@never_cache
@sensitive_post_parameters()
@permission_required(WORK_CASES)
@require_http_methods(["GET", "POST"])
@case_view("change")
def contact_new(request: HttpRequest, case: Case) -> HttpResponse:
    """A further contact on this case: a second reporter, a callback, a professional
    calling back with more information. A new report gets its own clock (and reopens a
    case in monitoring or closed); nothing is saved unless everything is right."""
    data = request.POST if request.method == "POST" else None
    add_form = ContactAddForm(data, prefix="add", initial={"version": case.version})
    contact_form = ContactForm(
        data,
        prefix="contact",
        case_type=ContactAddForm.case_type_of(data),
        initial=_contact_initial(request),
    )
    people = PeopleFormSet(data, prefix="people")
    status = 200
    if request.method == "POST":
        status = 400
        if all([add_form.is_valid(), contact_form.is_valid(), people.is_valid()]):
            intake = services.IntakeData(
                contact=contact_form.to_service_data(),
                case=add_form.to_service_data(),
                people=[form.to_service_data() for form in people if form.has_changed()],
            )
            try:
                services.case_report_add(
                    case_id=case.pk,
                    intake=intake,
                    by=staff_user(request),
                    expected_version=add_form.cleaned_data["version"],
                )
            except services.CaseChanged as changed:
                messages.error(request, str(changed))
                status = 409
            except services.TransitionRefused as refusal:
                messages.error(request, str(refusal))
            else:
                messages.success(request, _("Het contact is aan het dossier toegevoegd."))
                return redirect("cases:case_detail", case_id=case.pk)
        else:
            messages.error(
                request, _("Niet alles is goed ingevuld; zie de meldingen bij de velden.")
            )
    return render(
        request,
        "cases/contact_new.html",
        {
            "case": case,
            "add_form": add_form,
            "contact_form": contact_form,
            "people": people,
            "role_fieldsets": ContactForm.ROLE_FIELDSETS,
        },
        status=status,
    )


STEPS = {
    "start_assessment": lambda case, user, form: services.case_transition(
        case_id=case.pk,
        name="start_assessment",
        by=user,
        expected_version=form.cleaned_data["version"],
        reason=form.cleaned_data["reason"],
    ),
    "reopen": lambda case, user, form: services.case_transition(
        case_id=case.pk,
        name="reopen",
        by=user,
        expected_version=form.cleaned_data["version"],
        reason=form.cleaned_data["reason"],
    ),
    "close": lambda case, user, form: services.case_close(
        case_id=case.pk,
        by=user,
        reason=form.cleaned_data["reason"],
        expected_version=form.cleaned_data["version"],
    ),
    "convert_to_report": lambda case, user, form: services.case_convert_to_report(
        case_id=case.pk,
        by=user,
        conversion_reason=form.cleaned_data["conversion_reason"],
        expected_version=form.cleaned_data["version"],
    ),
    "finish_investigation": lambda case, user, form: services.case_finish_investigation(
        case_id=case.pk,
        by=user,
        reason=form.cleaned_data["reason"],
        expected_version=form.cleaned_data["version"],
    ),
}


@never_cache
@permission_required(WORK_CASES)
@require_POST
@case_view("change")
def case_step(request: HttpRequest, case: Case, step: str) -> HttpResponse:
    form = StepForm(request.POST)
    action = STEPS.get(step)
    if action is None or not form.is_valid():
        messages.error(request, _("Deze stap kon niet worden uitgevoerd: onvolledig verzoek."))
        return redirect("cases:case_detail", case_id=case.pk)
    try:
        action(case, request.user, form)
    except (services.TransitionRefused, services.CaseChanged) as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("De stap is vastgelegd."))
    return redirect("cases:case_detail", case_id=case.pk)


@never_cache
@permission_required(WORK_CASES)
@require_POST
@case_view("change")
def case_link(request: HttpRequest, case: Case, other_id: int) -> HttpResponse:
    try:
        # Through the gate, so a refusal is logged like any other; the page stays.
        other = case_for(request, other_id, action="change")
    except (PermissionDenied, Http404):
        messages.error(request, _("Dat dossier valt buiten jouw toegang; vraag je leidinggevende."))
        return redirect("cases:case_detail", case_id=case.pk)
    matched_on = ",".join(sorted(request.POST.getlist("matched_on")))[:100]
    try:
        services.case_link(case=case, other=other, matched_on=matched_on, by=request.user)
    except services.TransitionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Dossiers gekoppeld."))
    return redirect("cases:case_detail", case_id=case.pk)
