from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms import BaseFormSet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from accounts.roles import WORK_CASES
from accounts.security import permission_required, staff_user
from cases import selectors, services
from cases.access import case_for, case_view
from cases.acute_clock import acute_clock
from cases.codes import CaseType, caller_contact
from cases.forms import (
    MAX_PEOPLE,
    CaseForm,
    CaseSearchForm,
    ContactAddForm,
    ContactForm,
    PeopleFormSet,
    PersonForm,
    SafetyActionForm,
    StepForm,
    initial_from_post,
    reference_part,
)
from cases.models import Case, Contact, State
from privacy.gate import list_viewed

logger = logging.getLogger(__name__)

CASES_PER_PAGE = 50

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
    elif raw_q:
        cases = []
        reason = f"case list state={state or 'open'} q=(not a reference)"
        list_name = "cases.case_list"
    else:
        # Every open case (or every case of one phase), a page at a time with the total:
        # the list never stops silently at some number.
        page = Paginator(
            selectors.cases_for(staff_user(request), state=state), CASES_PER_PAGE
        ).get_page(request.GET.get("page"))
        cases = list(page.object_list)
        context.update(page=page, query=urlencode({"state": state} if state else {}))
        reason = f"case list state={state or 'open'} page={page.number}"
        list_name = "cases.case_list"
    list_viewed(request, list_name=list_name, records=cases, reason=reason)
    now = timezone.now()
    for case in cases:
        # An acute case without its first safety action runs on the hour clock.
        case.acute_clock = (  # type: ignore[attr-defined]  # shown by the template only
            acute_clock(case.acute_since or case.reported_at, now) if case.on_acute_list else None
        )
    context["cases"] = cases
    context["search_limit"] = selectors.SEARCH_LIMIT
    return render(request, "cases/case_list.html", context)


def _contact_initial(request: HttpRequest) -> dict[str, Any]:
    """An intake started from a call in hand: the caller's menu choice (?caller=) fills in
    the contact's role, through the one table that translates it."""
    return contact_initial_for(request.GET.get("caller", ""))


def contact_initial_for(caller_choice: str) -> dict[str, Any]:
    """The contact form's start for a caller's menu choice (cases.codes.caller_contact)."""
    contact = caller_contact(caller_choice)
    if contact is None:
        return {}
    return {"role": contact.role, "is_minor_about_self": contact.minor_about_self}


@dataclass
class IntakeSetup:
    """How an intake page starts and what else its save does.

    The plain intake (/cases/new/) uses the defaults. An intake for a call in hand (hotline)
    fills in what the caller told the menu and links the call to the contact the save
    creates: `on_case` runs inside intake_register's transaction, `on_contact` inside the
    action that adds the report to an existing case, so the link commits with the case.
    """

    contact_initial: dict[str, Any] = field(default_factory=dict)
    case_initial: dict[str, Any] = field(default_factory=dict)
    region: str | None = None
    on_case: Callable[[Case], None] | None = None
    on_contact: Callable[[Contact], None] | None = None
    radar_url: str = ""
    # The clock of the acute call this intake is for: its alert went out when it queued,
    # so the case carries this clock and raises no second alert.
    acute_since: datetime.datetime | None = None
    # What the page shows about the call (no number): time, menu choices.
    call: dict[str, Any] | None = None


ADD_PERSON = "add_person"


def _intake_with_one_more_person(
    request: HttpRequest,
) -> tuple[CaseForm, ContactForm, BaseFormSet[PersonForm]]:
    """ "Persoon toevoegen" without script: the intake again as typed, one empty row more."""
    post = request.POST
    case_form = CaseForm(prefix="case")
    case_form.initial = initial_from_post(case_form, post)
    case_type = post.get("case-case_type", CaseType.ADVICE)
    contact_form = ContactForm(prefix="contact", case_type=case_type)
    contact_form.initial = initial_from_post(contact_form, post)
    try:
        posted = int(post.get("people-TOTAL_FORMS", 1))
    except ValueError:
        posted = 1
    rows = [
        initial_from_post(PersonForm(prefix=f"people-{index}"), post)
        for index in range(max(1, min(posted, MAX_PEOPLE)))
    ]
    people = PeopleFormSet(prefix="people", initial=rows)
    people.extra = 1 if len(rows) < MAX_PEOPLE else 0
    return case_form, contact_form, people


def _intake_forms(
    request: HttpRequest, setup: IntakeSetup
) -> tuple[CaseForm, ContactForm, BaseFormSet[PersonForm]]:
    if request.method == "POST" and ADD_PERSON in request.POST:
        return _intake_with_one_more_person(request)
    data = request.POST if request.method == "POST" else None
    case_form = CaseForm(data, prefix="case", initial=setup.case_initial)
    case_type = data.get("case-case_type", CaseType.ADVICE) if data is not None else CaseType.ADVICE
    contact_form = ContactForm(
        data, prefix="contact", case_type=case_type, initial=setup.contact_initial
    )
    people = PeopleFormSet(data, prefix="people")
    return case_form, contact_form, people


def _report_add(case: Case, intake: services.IntakeData, by: User, setup: IntakeSetup) -> None:
    """The intake becomes a report on a known case, in the case's one action."""
    services.case_report_add(
        case_id=case.pk,
        intake=intake,
        by=by,
        also=setup.on_contact,
        acute_since=setup.acute_since,
    )


def intake_page(request: HttpRequest, setup: IntakeSetup) -> HttpResponse:
    """The intake form and its save: a new case, or (the radar's "Toevoegen aan dossier")
    a report on a case the operator may change. Views call this after their own checks."""
    user = staff_user(request)
    case_form, contact_form, people = _intake_forms(request, setup)
    adding_a_person = request.method == "POST" and ADD_PERSON in request.POST
    if request.method == "POST" and not adding_a_person:
        valid = all([case_form.is_valid(), contact_form.is_valid(), people.is_valid()])
        if valid:
            intake = services.IntakeData(
                contact=contact_form.to_service_data(),
                case=case_form.to_service_data(),
                people=[form.to_service_data() for form in people if form.has_changed()],
            )
            target = request.POST.get("add_to_case", "")
            if target.isdigit():
                # Through the gate: a case outside need-to-know is a logged 403.
                case = case_for(request, int(target), action="change")
                try:
                    _report_add(case, intake, user, setup)
                except (services.TransitionRefused, services.CaseChanged) as refusal:
                    messages.error(request, str(refusal))
                else:
                    messages.success(
                        request,
                        _("De melding is toegevoegd aan dossier %(ref)s.")
                        % {"ref": case.reference},
                    )
                    return redirect("cases:case_detail", case_id=case.pk)
            else:
                case = services.intake_register(
                    intake=intake,
                    by=user,
                    region=setup.region,
                    also=setup.on_case,
                    acute_since=setup.acute_since,
                )
                messages.success(
                    request, _("Dossier %(ref)s is aangemaakt.") % {"ref": case.reference}
                )
                return redirect("cases:case_detail", case_id=case.pk)
    return render(
        request,
        "cases/intake.html",
        {
            "case_form": case_form,
            "contact_form": contact_form,
            "people": people,
            "role_fieldsets": ContactForm.ROLE_FIELDSETS,
            "radar_url": setup.radar_url or reverse("cases:radar"),
            "radar_strings": _radar_strings(),
            "call": setup.call,
            "max_people": MAX_PEOPLE,
            "focus_new_person": adding_a_person,
            "people_added_by_post": True,
        },
        status=400 if request.method == "POST" and not adding_a_person else 200,
    )


@never_cache
@sensitive_post_parameters()
@permission_required(WORK_CASES)
@require_http_methods(["GET", "POST"])
def intake_new(request: HttpRequest) -> HttpResponse:
    return intake_page(request, IntakeSetup(contact_initial=_contact_initial(request)))


# --- the live radar ----------------------------------------------------------------------

RADAR_LOOKUPS_PER_MINUTE = 60
RADAR_MAX_VALUES = 20


def _radar_strings() -> dict[str, str]:
    """What intake.js shows around the matches; the script holds no text of its own."""
    return {
        "none": _("Geen eerdere contacten gevonden."),
        "found_one": _("Radar: 1 eerder dossier gevonden."),
        "found": _("Radar: %(n)s eerdere dossiers gevonden."),
        "add": _("Toevoegen aan dossier %(reference)s"),
        "outside": _("buiten jouw toegang; vraag de eigenaar"),
        "owner": _("eigenaar"),
        "team": _("team"),
        "last_contact": _("laatste contact"),
        "same": _("zelfde"),
        "busy": _("Te veel zoekvragen; wacht even."),
        "failed": _("De radar is niet bereikbaar."),
        **{reason: str(label) for reason, label in selectors.MATCH_LABELS.items()},
    }


def _radar_minute() -> int:
    """The clock minute the radar counts in (a function of its own so a test can hold it
    still: 60 slow look-ups may otherwise straddle two minutes)."""
    return int(timezone.now().timestamp() // 60)


def _radar_busy(user: User) -> bool:
    """Count one look-up for this user in this minute; True over the limit. A cache that is
    down lets it through (the radar helps; it must not stop an intake)."""
    minute = _radar_minute()
    key = f"cases-radar:{user.pk}:{minute}"
    try:
        cache.add(key, 0, timeout=120)
        count = cache.incr(key)
    except Exception:
        logger.warning("radar rate limit cache unavailable", exc_info=True)
        return False
    return count > RADAR_LOOKUPS_PER_MINUTE


def _values(request: HttpRequest, name: str) -> tuple[str, ...]:
    return tuple(v.strip()[:100] for v in request.POST.getlist(name) if v.strip())[
        :RADAR_MAX_VALUES
    ]


def radar_query_from(
    request: HttpRequest, *, phone_indexes: tuple[str, ...] = ()
) -> selectors.RadarQuery:
    """The typed values of the POST body (never the URL) as a radar query."""
    dates = []
    for raw in _values(request, "date_of_birth"):
        try:
            dates.append(datetime.date.fromisoformat(raw))
        except ValueError:
            continue
    return selectors.RadarQuery(
        phones=_values(request, "phone"),
        names=_values(request, "name"),
        bsns=_values(request, "bsn"),
        dates_of_birth=tuple(dates),
        postcode=request.POST.get("postcode", "").strip()[:10],
        house_number=request.POST.get("house_number", "").strip()[:10],
        addition=request.POST.get("addition", "").strip()[:10],
        phone_indexes=phone_indexes,
    )


def radar_response(request: HttpRequest, query: selectors.RadarQuery) -> JsonResponse:
    """The matches as JSON, after the rate limit, with one access-log row for the look-up
    naming the cases it showed."""
    user = staff_user(request)
    if _radar_busy(user):
        return JsonResponse({"error": _radar_strings()["busy"]}, status=429)
    rows = selectors.radar_live(user=user, query=query)
    list_viewed(
        request,
        list_name="cases.radar",
        records=[row.case for row in rows],
        reason="intake radar: "
        + (",".join(sorted({m for r in rows for m in r.matched_on})) or "no match"),
    )
    return JsonResponse(
        {
            "matches": [
                {
                    "reference": row.reference,
                    "state": row.state,
                    "team": row.team,
                    "owner": row.owner,
                    "last_contact": row.last_contact.isoformat() if row.last_contact else None,
                    "matched_on": list(row.matched_on),
                    "visible": row.visible,
                    "case_id": row.case_id,
                    "url": reverse("cases:case_detail", args=[row.case_id])
                    if row.case_id
                    else None,
                }
                for row in rows
            ]
        }
    )


@never_cache
@sensitive_post_parameters()
@permission_required(WORK_CASES)
@require_POST
def radar(request: HttpRequest) -> JsonResponse:
    """The radar while the caller is on the line: the values typed so far, in the body."""
    return radar_response(request, radar_query_from(request))


@never_cache
@permission_required(WORK_CASES)
@require_http_methods(["GET"])
@case_view("view")
def case_detail(request: HttpRequest, case: Case) -> HttpResponse:
    return _case_page(request, case)


def _case_page(
    request: HttpRequest,
    case: Case,
    *,
    safety_action_form: SafetyActionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    return render(
        request,
        "cases/case_detail.html",
        {
            # An acute case without its first safety action runs on the hour clock, not on
            # working days.
            "acute_clock": (
                acute_clock(case.acute_since or case.reported_at, now)
                if case.on_acute_list
                else None
            ),
            "safety_actions": case.safety_actions.select_related("recorded_by"),
            "safety_action_form": safety_action_form
            or SafetyActionForm(
                initial={
                    "happened_on": timezone.localdate(now).strftime("%d-%m-%Y"),
                    "happened_at_time": timezone.localtime(now).strftime("%H:%M"),
                },
                prefix="safety",
            ),
            "case": case,
            "contacts": case.contacts.all(),
            "reports": case.reports.all(),
            "people": case.people.all(),
            "transitions": case.transitions.select_related("by"),
            "radar": selectors.radar_for_case(case=case, user=staff_user(request)),
            "links": case.links.select_related("linked_case"),
            "working_days_left": case.working_days_left(),
            "days_overdue": max(0, -case.working_days_left()),
        },
        status=status,
    )


@never_cache
@sensitive_post_parameters()
@permission_required(WORK_CASES)
@require_POST
@case_view("change")
def safety_action_new(request: HttpRequest, case: Case) -> HttpResponse:
    """Record a safety action about acute danger with its time; the first one takes the
    case off the acute lists. Bad input: the case page again, errors at the fields, and
    nothing saved."""
    form = SafetyActionForm(request.POST, prefix="safety")
    if form.is_valid():
        try:
            services.case_safety_action_record(
                case_id=case.pk,
                by=staff_user(request),
                kind=form.cleaned_data["kind"],
                happened_at=form.cleaned_data["happened_at"],
                note=form.cleaned_data["note"],
            )
        except (services.TransitionRefused, services.CaseChanged) as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("De veiligheidsactie is vastgelegd."))
            return redirect("cases:case_detail", case_id=case.pk)
    return _case_page(request, case, safety_action_form=form, status=400)


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
        lowering_reason=form.cleaned_data["lowering_reason"],
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
    if step == "close" and not form.cleaned_data["confirmed"]:
        # Closing cannot be undone by its own step: the first POST only asks to confirm.
        try:
            lowering = services.case_close_check(case_id=case.pk, by=staff_user(request))
        except services.TransitionRefused as refusal:
            return _close_confirm(request, case, form, lowering=True, refusal=str(refusal))
        return _close_confirm(request, case, form, lowering=lowering)
    try:
        action(case, request.user, form)
    except services.ReasonRequired as missing:
        return _close_confirm(request, case, form, lowering=True, errors={missing.field: missing})
    except (services.TransitionRefused, services.CaseChanged) as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("De stap is vastgelegd."))
    return redirect("cases:case_detail", case_id=case.pk)


def _close_confirm(
    request: HttpRequest,
    case: Case,
    form: StepForm,
    *,
    lowering: bool,
    refusal: str = "",
    errors: dict[str, Any] | None = None,
) -> HttpResponse:
    """What closing does and to whom, asked before it happens; refused (403) when the
    closing needs a gedragswetenschapper's reason and this member of staff may not give it."""
    return render(
        request,
        "cases/close_confirm.html",
        {
            "case": case,
            "form": form,
            "lowering": lowering,
            "refusal": refusal,
            "errors": errors or {},
            "open_monitoring": case.monitoring_contacts.filter(done_at__isnull=True).count(),
            "people": case.people.count(),
            "children": case.people.filter(is_child=True).count(),
        },
        status=403 if refusal else 400 if errors else 200,
    )


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
        services.case_link(case=case, other=other, matched_on=matched_on, by=staff_user(request))
    except services.TransitionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Dossiers gekoppeld."))
    return redirect("cases:case_detail", case_id=case.pk)
