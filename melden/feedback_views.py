"""Staff pages for statutory feedback: compose (operators) and approve (supervisors)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import SUPERVISE, WORK_CASES
from accounts.security import permission_required, staff_user
from cases.access import case_view
from cases.models import Case, FeedbackTask
from melden import feedback
from melden.forms import no_control_characters
from melden.models import FeedbackLetter


class FeedbackForm(forms.Form):
    followup_started = forms.ChoiceField(
        label=gettext_lazy("Is er vervolg gestart?"),
        choices=[("yes", gettext_lazy("Ja")), ("no", gettext_lazy("Nee"))],
        widget=forms.RadioSelect,
    )
    handover_parties = forms.CharField(
        label=gettext_lazy("Overdrachtspartijen"),
        max_length=1000,
        required=False,
        validators=[no_control_characters],
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 1000}),
    )
    reporter_has_role = forms.BooleanField(
        label=gettext_lazy("De melder heeft een rol in de veiligheidsvoorwaarden"), required=False
    )
    safety_conditions = forms.CharField(
        label=gettext_lazy("Veiligheidsvoorwaarden (alleen als de melder daarin een rol heeft)"),
        max_length=5000,
        required=False,
        validators=[no_control_characters],
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": 5000}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}  # Form.clean returns cleaned_data, never None
        if data.get("reporter_has_role") and not (data.get("safety_conditions") or "").strip():
            self.add_error(
                "safety_conditions", _("Noem de voorwaarden waarin de melder een rol heeft.")
            )
        if data.get("followup_started") == "yes" and not (data.get("handover_parties") or ""):
            self.add_error("handover_parties", _("Noem wie het vervolg oppakt."))
        return data


def _task(case: Case, task_id: int) -> FeedbackTask:
    task = case.feedback_tasks.select_related("contact", "case").filter(pk=task_id).first()
    if task is None:
        raise Http404
    return task


def _page(
    request: HttpRequest, case: Case, task: FeedbackTask, form: FeedbackForm, status: int = 200
) -> HttpResponse:
    letter = (
        FeedbackLetter.objects.filter(task=task)
        .select_related("composed_by", "approved_by")
        .first()
    )
    can_approve = (
        letter is not None
        and letter.approved_at is None
        and request.user.has_perm(feedback.SUPERVISE)
        and letter.composed_by_id != request.user.pk
    )
    return render(
        request,
        "melden/feedback.html",
        {"case": case, "task": task, "letter": letter, "form": form, "can_approve": can_approve},
        status=status,
    )


@never_cache
@permission_required(WORK_CASES)
@require_http_methods(["GET", "POST"])
@case_view("view")
def feedback_compose(request: HttpRequest, case: Case, task_id: int) -> HttpResponse:
    task = _task(case, task_id)
    if request.method == "GET":
        letter = FeedbackLetter.objects.filter(task=task).first()
        initial = (
            {
                "followup_started": "yes" if letter.followup_started else "no",
                "handover_parties": letter.handover_parties,
                "reporter_has_role": letter.reporter_has_role,
                "safety_conditions": letter.safety_conditions,
            }
            if letter
            else feedback.feedback_defaults(task)
        )
        return _page(request, case, task, FeedbackForm(initial=initial))
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        return _page(request, case, task, form, status=400)
    try:
        feedback.feedback_compose(
            task=task,
            by=staff_user(request),
            followup_started=form.cleaned_data["followup_started"] == "yes",
            handover_parties=form.cleaned_data["handover_parties"],
            reporter_has_role=form.cleaned_data["reporter_has_role"],
            safety_conditions=form.cleaned_data["safety_conditions"],
        )
    except feedback.FeedbackRefused as refusal:
        messages.error(request, str(refusal))
        return _page(request, case, task, form, status=403)
    messages.success(request, _("Opgeslagen. Een leidinggevende keurt de terugkoppeling goed."))
    return redirect("feedback:compose", case_id=case.pk, task_id=task.pk)


@never_cache
@permission_required(SUPERVISE)
@require_POST
@case_view("change")
def feedback_approve(request: HttpRequest, case: Case, task_id: int) -> HttpResponse:
    task = _task(case, task_id)
    try:
        feedback.feedback_approve(task=task, by=staff_user(request))
    except feedback.FeedbackRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Goedgekeurd; de terugkoppeling wordt verstuurd."))
    return redirect("feedback:compose", case_id=case.pk, task_id=task.pk)
