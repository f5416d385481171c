from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import DECIDE_CASES, SUPERVISE, WORK_CASES
from accounts.security import permission_required, staff_user
from cases import decision_makers, rules
from cases.access import case_for
from cases.acute_clock import acute_clock
from cases.codes import Decision
from cases.models import DECISION_TARGETS, Case, State
from cases.services import ReasonRequired, TransitionRefused
from privacy.gate import list_viewed, protected_record, records_viewed
from safety_assessment import selectors, services
from safety_assessment.forms import AcuteClearForm, AssessmentForm, ProposalForm
from safety_assessment.instrument_loader import (
    Instrument,
    instrument_get,
    instruments_current,
    text_in,
)
from safety_assessment.models import Assessment, DecisionProposal


def _language() -> str:
    return get_language() or "nl"


def _instrument_or_404(slug: str) -> Instrument:
    try:
        return instrument_get(slug)
    except KeyError:
        raise Http404 from None


def _assessment_form(
    case: Case, instrument: Instrument, data: Any = None, *, deciding: bool = False
) -> tuple[AssessmentForm, Assessment | None]:
    draft = Assessment.objects.drafts().filter(case=case, instrument_slug=instrument.slug).first()
    current = services.assessment_current(case=case, instrument_slug=instrument.slug)
    if draft is not None:
        instrument = instrument_get(draft.instrument_slug, draft.instrument_version)
    source = draft or current
    form = AssessmentForm(
        data,
        instrument=instrument,
        answers=source.answers if source else None,
        revising=current is not None,
        deciding=deciding,
        initial={
            "judgement_level": source.judgement_level if source else "",
            "judgement_reason": source.judgement_reason if source else "",
            "change_reason": draft.change_reason if draft else "",
        },
    )
    return form, draft


def _acute_rules(instrument: Instrument) -> dict[str, Any]:
    """The conditions that make an outcome acute, for the live preview in the form."""
    return {
        "conditions": [
            asdict(rule.when) for rule in instrument.rules if instrument.level(rule.level).acute
        ],
        "weights": {question.id: question.weight for question in instrument.questions.values()},
    }


def _page(
    request: HttpRequest,
    case: Case,
    *,
    form: AssessmentForm | None = None,
    proposal_form: ProposalForm | None = None,
    acute_form: AcuteClearForm | None = None,
    status: int = 200,
) -> HttpResponse:
    language = _language()
    on_case = selectors.instruments_on_case(case=case, language=language)
    safety = next(item for item in on_case if item.instrument.completes_safety_assessment)
    if form is None and safety.current is None:
        # The first question on every report: the assessment form opens right away.
        form, _draft = _assessment_form(case, safety.instrument)
    late = services.is_late(case)
    proposals = list(
        DecisionProposal.objects.filter(case=case).select_related("proposed_by", "reviewed_by")
    )
    may_propose = case.state == State.DECISION and not any(
        p.status == DecisionProposal.Status.PROPOSED for p in proposals
    )
    found_unsafety = decision_makers.assessment_found_unsafety(case)
    warning_id = "decision-warning" if found_unsafety else ""
    return render(
        request,
        "safety_assessment/case_assessment.html",
        {
            "case": case,
            "deadline": selectors.deadline_of(case),
            # Acute without a first safety action: the hour clock, not working days.
            "acute_clock": (
                acute_clock(case.acute_since or case.reported_at) if case.on_acute_list else None
            ),
            "undecided": case.state in selectors.UNDECIDED_STATES,
            "on_case": on_case,
            "form": form,
            "form_instrument": form.instrument if form else None,
            "form_title": text_in(form.instrument.title, language) if form else "",
            "acute_rules": _acute_rules(form.instrument) if form else {},
            "proposals": proposals,
            "proposal_form": proposal_form
            or (ProposalForm(late=late, warning_id=warning_id) if may_propose else None),
            "found_unsafety": found_unsafety,
            "approvers": decision_makers.labels(
                decision_makers.approvers_now(region=case.region, medical=False)
            ),
            "medical_approvers": decision_makers.labels(
                decision_makers.approvers_now(region=case.region, medical=True)
            ),
            "lowering_by": decision_makers.labels(
                decision_makers.roles_acting_now(decision_makers.LOWERING_ROLES, region=case.region)
            ),
            "acute_form": acute_form or AcuteClearForm(),
            "crisis_phone": getattr(settings, "VT_CRISIS_SERVICE_PHONE", ""),
        },
        status=status,
    )


@never_cache
@permission_required(WORK_CASES)
@require_http_methods(["GET"])
def case_assessment(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_for(request, case_id)
    return _page(request, case)


@never_cache
@sensitive_post_parameters()
@permission_required(WORK_CASES)
@require_http_methods(["GET", "POST"])
def assessment_form(request: HttpRequest, case_id: int, instrument_slug: str) -> HttpResponse:
    instrument = _instrument_or_404(instrument_slug)
    case = case_for(request, case_id, action="change" if request.method == "POST" else "view")
    # Only the "decide" button fixes the outcome; Enter in a field keeps a draft.
    deciding = request.method == "POST" and request.POST.get("action") == "decide"
    form, _draft = _assessment_form(
        case, instrument, request.POST if request.method == "POST" else None, deciding=deciding
    )
    if request.method == "GET":
        return _page(request, case, form=form)
    if form.is_valid():
        service = services.assessment_decide if deciding else services.assessment_save_draft
        try:
            assessment = service(
                case_id=case.pk,
                instrument_slug=instrument.slug,
                by=request.user,
                **form.service_kwargs(),
            )
        except services.InvalidInput as invalid:
            form.add_service_errors(invalid.errors)
        except TransitionRefused as refusal:
            messages.error(request, str(refusal))
            return redirect("safety_assessment:case_assessment", case_id=case.pk)
        else:
            if not deciding:
                messages.success(request, _("Het concept is opgeslagen."))
                return redirect(
                    "safety_assessment:assessment_form",
                    case_id=case.pk,
                    instrument_slug=instrument.slug,
                )
            if assessment.acute:
                messages.error(
                    request,
                    _("Acuut: volg nu het acute protocol. De supervisors zijn gewaarschuwd."),
                )
            else:
                messages.success(request, _("De beoordeling is vastgesteld."))
            url = reverse("safety_assessment:case_assessment", kwargs={"case_id": case.pk})
            return redirect(f"{url}#outcome-{instrument.slug}")
    return _page(request, case, form=form, status=400)


@never_cache
@sensitive_post_parameters()
@permission_required(WORK_CASES)
@require_POST
def decision_propose(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_for(request, case_id, action="change")
    found_unsafety = decision_makers.assessment_found_unsafety(case)
    form = ProposalForm(
        request.POST,
        late=services.is_late(case),
        warning_id="decision-warning" if found_unsafety else "",
    )
    if form.is_valid():
        try:
            services.decision_propose(
                case_id=case.pk,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                late_reason=form.cleaned_data.get("late_reason", ""),
                medical_question=form.cleaned_data["medical_question"],
                by=request.user,
            )
        except services.InvalidInput as invalid:
            for name, message in invalid.errors.items():
                form.add_error(name if name in form.fields else None, message)
        except TransitionRefused as refusal:
            messages.error(request, str(refusal))
            return redirect("safety_assessment:case_assessment", case_id=case.pk)
        else:
            medical = form.cleaned_data["medical_question"]
            messages.success(
                request,
                _("Het besluit is voorgesteld; een %(who)s keurt het goed.")
                % {
                    "who": decision_makers.labels(
                        decision_makers.approvers_now(region=case.region, medical=medical)
                    ).lower()
                },
            )
            return redirect("safety_assessment:case_assessment", case_id=case.pk)
    return _page(request, case, proposal_form=form, status=400)


@never_cache
@sensitive_post_parameters()
@permission_required(WORK_CASES)
@require_POST
def acute_clear(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_for(request, case_id, action="change")
    form = AcuteClearForm(request.POST)
    if form.is_valid():
        try:
            services.acute_clear(
                case_id=case.pk, by=request.user, action_taken=form.cleaned_data["action_taken"]
            )
        except TransitionRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _("Acuut is opgeheven; de ondernomen actie is vastgelegd."))
        return redirect("safety_assessment:case_assessment", case_id=case.pk)
    return _page(request, case, acute_form=form, status=400)


# --- supervisors ------------------------------------------------------------------------------


def _approvals_page(
    request: HttpRequest, *, errors: dict[int, dict[str, str]] | None = None, status: int = 200
) -> HttpResponse:
    language = _language()
    rows = []
    proposals = list(selectors.proposals_awaiting(user=staff_user(request)))
    # The queue shows each proposal's reasoning: a view of each case (privacy.gate, rule 2).
    records_viewed(request, records=[proposal.case for proposal in proposals], reason="approvals")
    for proposal in proposals:
        rows.append(
            {
                "proposal": proposal,
                "own": proposal.proposed_by_id == request.user.pk,
                "refusal": services.review_refusal(proposal=proposal, by=staff_user(request)),
                "approvers": decision_makers.labels(
                    decision_makers.approvers_now(
                        region=proposal.case.region, medical=proposal.medical_question
                    )
                ),
                "late": services.is_late(proposal.case),
                "deadline": selectors.deadline_of(proposal.case),
                "level": selectors.level_label(proposal.assessment, language),
                "errors": (errors or {}).get(proposal.pk, {}),
                "values": request.POST if errors and proposal.pk in errors else {},
            }
        )
    return render(request, "safety_assessment/approvals.html", {"rows": rows}, status=status)


@never_cache
@permission_required(DECIDE_CASES)
@require_http_methods(["GET"])
def approvals(request: HttpRequest) -> HttpResponse:
    return _approvals_page(request)


def _review(request: HttpRequest, proposal_id: int, *, approve: bool) -> HttpResponse:
    proposal = protected_record(
        request,
        visible=DecisionProposal.objects.filter(
            case__in=Case.objects.visible_to(request.user)
        ).select_related("case"),
        pk=proposal_id,
        action="change",
        reason="review",
        logged_as=lambda proposal: proposal.case,
    )
    if approve and request.POST.get("confirmed") != "1":
        # Approving cannot be undone: the first POST only asks for confirmation.
        try:
            services.decision_approve_check(proposal_id=proposal.pk, by=staff_user(request))
        except TransitionRefused as refusal:
            messages.error(request, str(refusal))
            return _approvals_page(request, status=403)
        return _approve_confirm_page(request, proposal)
    try:
        if approve:
            services.decision_approve(
                proposal_id=proposal.pk,
                by=request.user,
                late_reason=request.POST.get("late_reason", ""),
                lowering_reason=request.POST.get("lowering_reason", ""),
            )
            messages.success(
                request,
                _("Besluit voor %(ref)s goedgekeurd.") % {"ref": proposal.case.reference},
            )
        else:
            services.decision_reject(
                proposal_id=proposal.pk, by=request.user, reason=request.POST.get("reason", "")
            )
            messages.success(
                request,
                _("Voorstel voor %(ref)s teruggestuurd.") % {"ref": proposal.case.reference},
            )
    except services.InvalidInput as invalid:
        if approve:
            return _approve_confirm_page(request, proposal, errors=invalid.errors, status=400)
        return _approvals_page(request, errors={proposal.pk: invalid.errors}, status=400)
    except ReasonRequired as missing:
        return _approve_confirm_page(
            request, proposal, errors={missing.field: str(missing)}, status=400
        )
    except TransitionRefused as refusal:
        messages.error(request, str(refusal))
        return _approvals_page(request, status=403)
    return redirect("safety_assessment:approvals")


def _approve_confirm_page(
    request: HttpRequest,
    proposal: DecisionProposal,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    """What approving will do and to whom, with the reasons still to write: approving is
    the step that cannot be undone, so it is confirmed on a page of its own (no script)."""
    case = proposal.case
    target = DECISION_TARGETS[proposal.decision]
    return render(
        request,
        "safety_assessment/approve_confirm.html",
        {
            "proposal": proposal,
            "case": case,
            "level": selectors.level_label(proposal.assessment, _language()),
            "target_label": State(target).label,
            "closes": proposal.decision == Decision.ADVICE_CLOSE,
            "needs": services.approval_needs(proposal=proposal),
            "feedback_owed": len(rules.feedback_recipients(case)),
            "people": case.people.count(),
            "children": case.people.filter(is_child=True).count(),
            "errors": errors or {},
            "values": request.POST,
        },
        status=status,
    )


@never_cache
@sensitive_post_parameters()
@permission_required(DECIDE_CASES)
@require_POST
def approval_approve(request: HttpRequest, proposal_id: int) -> HttpResponse:
    return _review(request, proposal_id, approve=True)


@never_cache
@sensitive_post_parameters()
@permission_required(DECIDE_CASES)
@require_POST
def approval_reject(request: HttpRequest, proposal_id: int) -> HttpResponse:
    return _review(request, proposal_id, approve=False)


@never_cache
@permission_required(SUPERVISE)
@require_http_methods(["GET"])
def overdue(request: HttpRequest) -> HttpResponse:
    cases = list(selectors.cases_overdue(user=staff_user(request)))
    list_viewed(request, list_name="safety_assessment.overdue", records=cases, reason="overdue")
    rows = [{"case": case, "deadline": selectors.deadline_of(case)} for case in cases]
    return render(
        request,
        "safety_assessment/overdue.html",
        {"rows": rows, "instruments": instruments_current()},
    )
