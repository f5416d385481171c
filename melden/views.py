"""The public online report for professionals: /melden/ (see melden.online).

Public pages: no login, a quick-exit button, nothing cached, no referrer, not indexed,
and nothing personal in a URL (steps are /melden/stap/<n>/).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from cases.codes import AFWEGINGSKADER_QUESTIONS, MeldcodeStep, PersonRole, ViolenceForm
from cases.forms import PROFESSIONS
from melden import online
from melden.forms import ANONYMITY_GROUNDS, MAX_PEOPLE, ReportAnywayForm, StepForm


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        # A page a professional (or a victim) visited must not tell the next site where
        # they came from, be cached, or turn up in a search engine. "same-origin", not
        # "no-referrer": with no-referrer Chromium posts our own forms with "Origin: null",
        # which Django's CSRF origin check (rightly) refuses. Nothing leaves our origin.
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex, nofollow"
        add_never_cache_headers(response)
        return response

    return sensitive_post_parameters()(wrapped)


def _forms_for(number: int, data: Any) -> list[forms.Form | forms.BaseFormSet]:
    result: list[forms.Form | forms.BaseFormSet] = [online.step(number).form(data)]
    if number == online.PEOPLE_STEP:
        result.append(online.people_formset(data))
    return result


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "melden/too_many.html", status=429)


def _neutral(request: HttpRequest, number: int) -> HttpResponse:
    """A filled honeypot: a bot. It gets a bland thank-you and nothing is kept."""
    online.log_honeypot(request, number)
    online.draft_discard(request)
    return render(request, "melden/neutral.html")


@public_page
@require_http_methods(["GET"])
def start(request: HttpRequest) -> HttpResponse:
    draft = online.draft_for(request)
    return render(
        request,
        "melden/start.html",
        {"draft": draft, "saved_draft_days": settings.ONLINE_REPORT_SAVED_DRAFT_DAYS},
    )


def _date_in_words(value: str) -> str:
    """A date as the browser sends it ("2017-06-01") in the reader's words ("1 juni 2017");
    anything else as it was typed (the step's own validation speaks about it)."""
    try:
        return date_format(datetime.date.fromisoformat(value), "j F Y")
    except (TypeError, ValueError):
        return value


def _review_context(draft: Any) -> dict[str, Any]:
    """Everything entered so far, as labels, for the review step."""
    reporter = online.stored(draft, 1) or {}
    meldcode = online.stored(draft, 2) or {}
    client = online.stored(draft, 3) or {}
    situation = online.stored(draft, 4) or {}
    anonymity = online.stored(draft, 5) or {}
    yes_no = {"yes": _("Ja"), "no": _("Nee")}
    professions = dict(PROFESSIONS)
    step_labels = dict(MeldcodeStep.choices)
    violence_labels = dict(ViolenceForm.choices)
    role_labels = dict(PersonRole.choices)
    grounds = dict(ANONYMITY_GROUNDS)
    people = []
    for index in range(MAX_PEOPLE):
        prefix = f"{online.PEOPLE_PREFIX}-{index}-"
        if any(situation.get(prefix + key) for key in ("role", "is_child", "name")):
            people.append(
                {
                    "role": role_labels.get(situation.get(prefix + "role", ""), ""),
                    "is_child": situation.get(prefix + "is_child") == "child",
                    "name": situation.get(prefix + "name", ""),
                    "date_of_birth": _date_in_words(situation.get(prefix + "date_of_birth", "")),
                    "bsn": situation.get(prefix + "bsn", ""),
                }
            )
    anyway = (draft.data or {}).get("report_anyway") or {}
    return {
        "reporter": reporter,
        "acute": yes_no.get(reporter.get("acute", ""), "—"),
        "profession": professions.get(reporter.get("profession", ""), ""),
        "meldcode_steps": [step_labels.get(s, s) for s in meldcode.get("steps", [])],
        "afweging": [
            (label, yes_no.get(meldcode.get(f"afweging_{slug}", ""), "—"))
            for slug, label in AFWEGINGSKADER_QUESTIONS
        ],
        "report_anyway": anyway.get("report_anyway_reason", ""),
        "client_informed": yes_no.get(client.get("client_informed", ""), "—"),
        "client_reason": client.get("client_not_informed_reason", ""),
        "situation": situation,
        "violence": [violence_labels.get(v, v) for v in situation.get("violence_forms", [])],
        "people": people,
        "anonymous_towards_family": anonymity.get("anonymity_requested") == "yes",
        "anonymity_ground": grounds.get(anonymity.get("anonymity_ground", ""), ""),
        "anonymity_explanation": anonymity.get("anonymity_explanation", ""),
    }


def _render_step(
    request: HttpRequest,
    number: int,
    step_forms: list[Any],
    draft: Any,
    *,
    status: int = 200,
    acute_now: bool = False,
    focus_new_person: bool = False,
) -> HttpResponse:
    context: dict[str, Any] = {
        "focus_new_person": focus_new_person,
        "can_save_for_later": online.can_save_for_later(draft),
        "max_people": MAX_PEOPLE,
        "step": online.step(number),
        "steps": online.STEPS,
        "step_count": online.STEP_COUNT,
        "step_reached": draft.step_reached if draft else 1,
        "form": step_forms[0],
        "people": step_forms[1] if len(step_forms) > 1 else None,
        "acute": acute_now or online.acute_reported(draft),
        "template": f"melden/steps/{online.step(number).slug}.html",
    }
    if number == online.REVIEW_STEP and draft is not None:
        context["review"] = _review_context(draft)
    return render(request, "melden/step.html", context, status=status)


@public_page
@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, number: int) -> HttpResponse:
    if not 1 <= number <= online.STEP_COUNT:
        raise Http404
    draft = online.draft_for(request)
    if number > 1 and draft is None:
        messages.info(request, _("Begin bij stap 1. Een onafgemaakte melding bewaren we 2 uur."))
        return redirect("melden:step", number=1)
    if draft is not None and number > draft.step_reached:
        return redirect("melden:step", number=draft.step_reached)
    if number > 2 and draft is not None and online.needs_advice_page(draft):
        return redirect("melden:advice")

    if request.method == "GET":
        return _render_step(
            request, number, _forms_for(number, online.stored(draft, number)), draft
        )

    if online.rate_limited(request, "post"):
        return _too_many(request)
    if number == online.PEOPLE_STEP and online.ADD_PERSON in request.POST:
        if cast(StepForm, online.step(number).form(request.POST)).honeypot_filled():
            return _neutral(request, number)
        people_step = online.step_with_one_more_person(number, request.POST)
        return _render_step(request, number, people_step, draft, focus_new_person=True)
    step_forms = _forms_for(number, request.POST)
    # The first form is always the step's own form; the people formset only follows it.
    if cast(StepForm, step_forms[0]).honeypot_filled():
        return _neutral(request, number)
    going_back = "back" in request.POST and number > 1
    valid = all([form.is_valid() for form in step_forms])

    if number == online.REVIEW_STEP and not going_back:
        if not valid:
            return _render_step(request, number, step_forms, draft, status=400)
        return _submit(request, draft)

    if not valid:
        if going_back:
            return redirect("melden:step", number=number - 1)
        acute_now = number == 1 and request.POST.get("acute") == "yes"
        return _render_step(request, number, step_forms, draft, status=400, acute_now=acute_now)

    if number != online.REVIEW_STEP:
        if draft is None:
            draft = online.draft_start(request)
        was_at_review = draft.step_reached == online.REVIEW_STEP
        raw: dict[str, Any] = {}
        for form in step_forms:
            raw.update(online.raw_answers(form, request.POST))
        online.draft_save_step(draft=draft, number=number, raw=raw)
        if number == 2 and online.needs_advice_page(draft):
            return redirect("melden:advice")
    else:
        was_at_review = True
    if going_back:
        return redirect("melden:step", number=number - 1)
    return redirect("melden:step", number=online.REVIEW_STEP if was_at_review else number + 1)


def _submit(request: HttpRequest, draft: Any) -> HttpResponse:
    if online.rate_limited(request, "submit"):
        return _too_many(request)
    try:
        case = online.online_report_submit(draft=draft)
    except online.IncompleteReport as incomplete:
        messages.error(request, _("Deze stap is nog niet compleet. Vul hem aan en ga verder."))
        return redirect("melden:step", number=incomplete.step_number)
    request.session.pop(online.SESSION_KEY, None)
    request.session[online.SUBMITTED_KEY] = {"reference": case.reference, "acute": case.acute}
    return redirect("melden:received")


@public_page
@require_http_methods(["GET", "POST"])
def advice(request: HttpRequest) -> HttpResponse:
    """The afwegingskader says no report is needed: offer a consultation instead, and let a
    professional who still judges the situation unsafe report anyway."""
    draft = online.draft_for(request)
    if draft is None:
        return redirect("melden:step", number=1)
    outcome = online.meldcode_outcome(draft)
    if outcome not in ("no_report", "consult"):
        return redirect("melden:step", number=min(draft.step_reached, 3))
    form = ReportAnywayForm((draft.data or {}).get("report_anyway"))
    status = 200
    if request.method == "POST":
        if online.rate_limited(request, "post"):
            return _too_many(request)
        form = ReportAnywayForm(request.POST)
        if form.honeypot_filled():
            return _neutral(request, 2)
        if form.is_valid():
            online.draft_set(
                draft=draft, key="report_anyway", raw=online.raw_answers(form, request.POST)
            )
            return redirect("melden:step", number=min(draft.step_reached, 3))
        status = 400
    return render(
        request,
        "melden/advice.html",
        {"form": form, "outcome": outcome, "steps": online.STEPS, "step_count": online.STEP_COUNT},
        status=status,
    )


@public_page
@require_http_methods(["GET"])
def received(request: HttpRequest) -> HttpResponse:
    # Shown once: the reference also arrives by email, and a shared computer's Back button
    # should not bring it up again.
    submitted = request.session.pop(online.SUBMITTED_KEY, None)
    return render(request, "melden/received.html", {"submitted": submitted})


@public_page
@require_POST
def discard(request: HttpRequest) -> HttpResponse:
    """Stop: the draft is destroyed at once."""
    online.draft_discard(request)
    messages.success(request, _("Uw gegevens zijn gewist."))
    return redirect("melden:start")


@public_page
@require_POST
def quick_exit(request: HttpRequest) -> HttpResponse:
    """Sent by the quick-exit button as it leaves: destroy the draft and the session, and
    tell the browser to forget every cookie, the cache and storage of this site."""
    online.draft_discard(request)
    request.session.flush()
    response = HttpResponse(status=204)
    _forget_every_cookie(request, response)
    return response


# Browsers that know Clear-Site-Data drop this origin's cookies (those of its whole site),
# cache and storage; the deletions below are for those that do not.
CLEAR_SITE_DATA = '"cache", "cookies", "storage"'


def _forget_every_cookie(request: HttpRequest, response: HttpResponse) -> None:
    """Expire every cookie this site sets (each with its own path and domain), and any
    other the browser sent along."""
    ours = {
        settings.SESSION_COOKIE_NAME: (
            settings.SESSION_COOKIE_PATH,
            settings.SESSION_COOKIE_DOMAIN,
        ),
        settings.CSRF_COOKIE_NAME: (settings.CSRF_COOKIE_PATH, settings.CSRF_COOKIE_DOMAIN),
        settings.LANGUAGE_COOKIE_NAME: (
            settings.LANGUAGE_COOKIE_PATH,
            settings.LANGUAGE_COOKIE_DOMAIN,
        ),
        CookieStorage.cookie_name: ("/", settings.SESSION_COOKIE_DOMAIN),
    }
    for name in set(ours) | set(request.COOKIES):
        path, domain = ours.get(name, ("/", None))
        response.delete_cookie(name, path=path, domain=domain, samesite="Lax")
    response["Clear-Site-Data"] = CLEAR_SITE_DATA


# --- continue later ------------------------------------------------------------------------------


class ResumeForm(forms.Form):
    code = forms.CharField(
        label=_lazy("Code uit uw e-mail"),
        max_length=40,
        help_text=_lazy(
            "Bijvoorbeeld ABCD-EFGH-JKLM-NPQR; hoofdletters en streepjes maken niet uit."
        ),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
    )


def _masked(email: str) -> str:
    """m…@school.example.nl: enough to recognise one's own address on a shared screen."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}…@{domain}" if domain else "…"


@public_page
@require_POST
def save_for_later(request: HttpRequest) -> HttpResponse:
    """The professional asks to finish later: the draft stays on the server, encrypted, and
    a one-time code goes to their own email address; this browser keeps nothing."""
    if online.rate_limited(request, "post"):
        return _too_many(request)
    draft = online.draft_for(request)
    if not online.can_save_for_later(draft):
        messages.info(request, _("Vul eerst stap 1 in: de code gaat naar uw e-mailadres."))
        return redirect("melden:step", number=1)
    email = online.draft_save_for_later(request, draft=cast(Any, draft))
    return render(
        request,
        "melden/saved_for_later.html",
        {"email": _masked(email), "days": settings.ONLINE_REPORT_SAVED_DRAFT_DAYS},
    )


@public_page
@require_http_methods(["GET", "POST"])
def resume(request: HttpRequest) -> HttpResponse:
    """Continue a saved draft with the code from the email: once, within the days, with a
    limit per address; a wrong, used or expired code gets one message that reveals nothing."""
    form = ResumeForm(request.POST or None)
    if request.method == "POST":
        if online.resume_rate_limited(request):
            return _too_many(request)
        if form.is_valid():
            try:
                draft = online.draft_resume(request, code=form.cleaned_data["code"])
            except online.ResumeRefused:
                form.add_error(
                    "code",
                    _(
                        "Met deze code kunnen we geen melding openen. Een code werkt één keer "
                        "en %(days)s dagen lang. Klopt hij niet meer, begin dan opnieuw."
                    )
                    % {"days": settings.ONLINE_REPORT_SAVED_DRAFT_DAYS},
                )
            else:
                messages.success(request, _("Welkom terug. U gaat verder waar u was gebleven."))
                return redirect("melden:step", number=draft.step_reached)
        return render(request, "melden/resume.html", {"form": form}, status=400)
    return render(request, "melden/resume.html", {"form": form})
