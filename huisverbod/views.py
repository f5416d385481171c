"""The tijdelijk huisverbod on a case: record the order, see its days and tasks, record the
extension, the advice and the tasks done. Thin: need-to-know through cases.access (the
access gate), every write in huisverbod.services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import WORK_CASES
from accounts.security import permission_required, staff_user
from cases.access import case_view
from cases.models import Case
from huisverbod import services, terms
from huisverbod.forms import AdviceForm, ExtensionForm, HuisverbodForm, TaskDoneForm
from huisverbod.models import Huisverbod, TaskKind


def _refusal_on_form(form: Any, refusal: services.HuisverbodError) -> None:
    if refusal.status == 404:
        raise Http404
    form.add_error(refusal.field if refusal.field in form.fields else None, str(refusal))


@never_cache
@permission_required(WORK_CASES)
@require_http_methods(["GET", "POST"])
@case_view(None)
def huisverbod_new(request: HttpRequest, case: Case) -> HttpResponse:
    """Record the mayor's order on the case; nothing is saved unless all of it is right."""
    form = HuisverbodForm(request.POST or None, case=case)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                order = services.huisverbod_record(
                    case_id=case.pk,
                    by=staff_user(request),
                    imposed_at=form.imposed_at(),
                    removed_person_id=form.removed_person_id(),
                    removed_person_description=form.cleaned_data["removed_person_description"],
                    people_at_home_ids=form.people_at_home_ids(),
                )
            except services.HuisverbodError as refusal:
                _refusal_on_form(form, refusal)
            else:
                messages.success(
                    request,
                    _("Het huisverbod is vastgelegd; het eindigt op %(date)s (dag 10).")
                    % {"date": order.ends_on.strftime("%d-%m-%Y")},
                )
                return redirect("huisverbod:detail", case_id=case.pk, huisverbod_id=order.pk)
        status = 400
    return render(
        request,
        "huisverbod/new.html",
        {"case": case, "form": form, "terms": terms},
        status=status,
    )


def _order(case: Case, huisverbod_id: int) -> Huisverbod:
    order = (
        Huisverbod.objects.filter(case=case, pk=huisverbod_id)
        .select_related("removed_person")
        .prefetch_related("people_at_home", "tasks__done_by")
        .first()
    )
    if order is None:
        raise Http404
    return order


def _detail_page(
    request: HttpRequest,
    case: Case,
    order: Huisverbod,
    *,
    extension_form: ExtensionForm | None = None,
    advice_form: AdviceForm | None = None,
    task_forms: dict[int, TaskDoneForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    task_forms = task_forms or {}
    tasks = [
        {
            "task": task,
            "form": task_forms.get(task.pk) or TaskDoneForm(prefix=f"task-{task.pk}"),
            "is_advice": task.kind == TaskKind.EXTENSION_ADVICE,
        }
        for task in order.tasks.all()
    ]
    return render(
        request,
        "huisverbod/detail.html",
        {
            "case": case,
            "order": order,
            "tasks": tasks,
            "today": timezone.localdate(),
            "day_number": order.day_number(),
            "extension_form": extension_form or ExtensionForm(),
            "advice_form": advice_form or AdviceForm(),
        },
        status=status,
    )


@never_cache
@permission_required(WORK_CASES)
@require_http_methods(["GET"])
@case_view("view")
def huisverbod_detail(request: HttpRequest, case: Case, huisverbod_id: int) -> HttpResponse:
    return _detail_page(request, case, _order(case, huisverbod_id))


@never_cache
@permission_required(WORK_CASES)
@require_POST
@case_view("change")
def huisverbod_extend(request: HttpRequest, case: Case, huisverbod_id: int) -> HttpResponse:
    order = _order(case, huisverbod_id)
    form = ExtensionForm(request.POST)
    if form.is_valid():
        try:
            order = services.huisverbod_extend(
                case_id=case.pk,
                huisverbod_id=order.pk,
                by=staff_user(request),
                extended_until=form.cleaned_data["extended_until"],
            )
        except services.HuisverbodError as refusal:
            _refusal_on_form(form, refusal)
        else:
            messages.success(
                request,
                _("De verlenging tot en met %(date)s is vastgelegd.")
                % {"date": order.last_day.strftime("%d-%m-%Y")},
            )
            return redirect("huisverbod:detail", case_id=case.pk, huisverbod_id=order.pk)
    return _detail_page(request, case, order, extension_form=form, status=400)


@never_cache
@permission_required(WORK_CASES)
@require_POST
@case_view("change")
def huisverbod_advice(request: HttpRequest, case: Case, huisverbod_id: int) -> HttpResponse:
    order = _order(case, huisverbod_id)
    form = AdviceForm(request.POST)
    if form.is_valid():
        try:
            services.huisverbod_advice_give(
                case_id=case.pk,
                huisverbod_id=order.pk,
                by=staff_user(request),
                advice=form.cleaned_data["advice"],
                text=form.cleaned_data["advice_text"],
            )
        except services.HuisverbodError as refusal:
            _refusal_on_form(form, refusal)
        else:
            messages.success(request, _("Het advies aan de burgemeester is vastgelegd."))
            return redirect("huisverbod:detail", case_id=case.pk, huisverbod_id=order.pk)
    return _detail_page(request, case, order, advice_form=form, status=400)


@never_cache
@permission_required(WORK_CASES)
@require_POST
@case_view("change")
def huisverbod_task_done(
    request: HttpRequest, case: Case, huisverbod_id: int, task_id: int
) -> HttpResponse:
    order = _order(case, huisverbod_id)
    if not order.tasks.filter(pk=task_id).exists():
        raise Http404
    form = TaskDoneForm(request.POST, prefix=f"task-{task_id}")
    if form.is_valid():
        try:
            services.huisverbod_task_done(
                case_id=case.pk,
                task_id=task_id,
                by=staff_user(request),
                note=form.cleaned_data["note"],
            )
        except services.HuisverbodError as refusal:
            _refusal_on_form(form, refusal)
        else:
            messages.success(request, _("De taak is afgevinkt."))
            return redirect("huisverbod:detail", case_id=case.pk, huisverbod_id=order.pk)
    return _detail_page(request, case, order, task_forms={task_id: form}, status=400)
