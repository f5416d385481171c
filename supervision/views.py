"""The supervisor's screen. Thin views: reads in supervision.selectors, writes in
supervision.services, the arithmetic in supervision.metrics. Every view needs
accounts.supervise (refusals are logged by permission_required); 2FA is enforced for
every staff URL by accounts.middleware."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.roles import SUPERVISE
from accounts.security import permission_required, staff_user
from cases.models import Case
from cases.services import CaseChanged
from hotline.selectors import acute_list
from huisverbod.selectors import tasks_due as huisverbod_tasks_due
from privacy.gate import list_viewed, protected_record
from safety_assessment.selectors import proposals_awaiting
from supervision import charts, exports, selectors, services
from supervision.forms import CaseFilterForm, ReassignForm, StatisticsForm

CASES_PER_PAGE = 50
SHORT_LIST = 20
BACKLOG_DAYS = 30
CALL_DAYS = 14


def _region(request: HttpRequest) -> str:
    return staff_user(request).region or settings.VT_REGION


def _filters(request: HttpRequest) -> tuple[CaseFilterForm, selectors.CaseFilters]:
    form = CaseFilterForm(request.GET or None, region=_region(request))
    if form.is_bound and form.is_valid():
        return form, form.to_filters()
    return form, selectors.CaseFilters()


def _short(queryset: Any) -> tuple[list[Any], bool]:
    rows = list(queryset[: SHORT_LIST + 1])
    return rows[:SHORT_LIST], len(rows) > SHORT_LIST


def _call_charts(region: str, today: datetime.date, threshold: int, queued: list) -> dict[str, Any]:
    hours = selectors.calls_per_hour(
        region=region, day=today, threshold_seconds=threshold, queued=queued
    )
    days = selectors.calls_per_day(
        region=region, today=today, days=CALL_DAYS, threshold_seconds=threshold, queued=queued
    )
    offered, in_time = _("Aangeboden"), _("Binnen %(n)s s opgenomen") % {"n": threshold}
    return {
        "per_hour": charts.bar_chart(
            title=_("Gesprekken per uur vandaag"),
            labels=[f"{row['hour']:02d}" for row in hours],
            series=[
                charts.Series(offered, [r["figures"].offered for r in hours], "chart-a"),
                charts.Series(in_time, [r["figures"].answered_in_time for r in hours], "chart-b"),
            ],
            label_every=3,
        ),
        "per_day": charts.bar_chart(
            title=_("Gesprekken per dag, laatste %(n)s dagen") % {"n": CALL_DAYS},
            labels=[formats.date_format(row["day"], "j-n") for row in days],
            series=[
                charts.Series(offered, [r["figures"].offered for r in days], "chart-a"),
                charts.Series(in_time, [r["figures"].answered_in_time for r in days], "chart-b"),
            ],
            label_every=2,
        ),
    }


def _backlog_chart(request: HttpRequest, today: datetime.date) -> Any:
    rows = selectors.backlog(user=staff_user(request), today=today, days=BACKLOG_DAYS)
    return charts.line_chart(
        title=_("Werkvoorraad per dag, laatste %(n)s dagen") % {"n": BACKLOG_DAYS},
        labels=[formats.date_format(row["day"], "j-n") for row in rows],
        series=[
            charts.Series(_("Open dossiers"), [r["open"] for r in rows], "chart-line-a"),
            charts.Series(
                _("Beoordelingen over de termijn"), [r["overdue"] for r in rows], "chart-line-b"
            ),
        ],
        label_every=5,
    )


@never_cache
@permission_required(SUPERVISE)
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    now = timezone.now()
    region = _region(request)
    threshold = settings.SERVICE_LEVEL_SECONDS
    form, filters = _filters(request)
    # The last CALL_DAYS days of calls, read once for the live figures and both charts.
    queued = selectors.queued_calls_since(
        region=region, first=today - datetime.timedelta(days=CALL_DAYS - 1), now=now
    )
    page = Paginator(
        selectors.open_cases(user=staff_user(request), filters=filters), CASES_PER_PAGE
    ).get_page(request.GET.get("page"))
    # The list shows references, states and deadlines, no personal content: one access
    # log row for the page (with its filters) rather than one per reference shown.
    list_viewed(
        request,
        list_name="supervision.overview",
        target_id=page.number,
        reason=f"supervisor overview: {filters.describe()}",
    )
    approvals, more_approvals = _short(proposals_awaiting(user=staff_user(request)))
    handovers, more_handovers = _short(selectors.handovers_open(user=staff_user(request)))
    monitoring, more_monitoring = _short(
        selectors.monitoring_due(user=staff_user(request), today=today)
    )
    huisverbod_tasks, more_huisverbod_tasks = _short(
        huisverbod_tasks_due(user=staff_user(request), today=today)
    )
    table, more_table = _short(selectors.table_waiting(user=staff_user(request), today=today))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": selectors.with_deadline_buckets(list(page.object_list), today),
        "query": query.urlencode(),
        "summary": selectors.open_case_summary(user=staff_user(request), today=today),
        "approvals": approvals,
        "more_approvals": more_approvals,
        "handovers": handovers,
        "more_handovers": more_handovers,
        "monitoring": monitoring,
        "more_monitoring": more_monitoring,
        "huisverbod_tasks": huisverbod_tasks,
        "more_huisverbod_tasks": more_huisverbod_tasks,
        "table": table,
        "more_table": more_table,
        "acute": list(selectors.acute_open(user=staff_user(request))[:SHORT_LIST]),
        # Acute cases and acute calls without a case until their first safety action, past
        # their clock first.
        "acute_list": acute_list(region=region, now=now),
        "acute_cleared": list(
            selectors.acute_cleared(user=staff_user(request), now=now)[:SHORT_LIST]
        ),
        "backlog_chart": _backlog_chart(request, today),
        "live": selectors.live_figures(
            region=region, now=now, threshold_seconds=threshold, queued=queued
        ),
        "today": today,
        **_call_charts(region, today, threshold, queued),
    }
    return render(request, "supervision/overview.html", context, status=400 if form.errors else 200)


@never_cache
@permission_required(SUPERVISE)
@require_GET
def live(request: HttpRequest) -> HttpResponse:
    """Today's call-centre figures as JSON, for static/js/supervisor.js."""
    return JsonResponse(
        selectors.live_figures(
            region=_region(request),
            now=timezone.now(),
            threshold_seconds=settings.SERVICE_LEVEL_SECONDS,
        )
    )


EXPORTS = ("cases", "approvals", "handovers", "monitoring", "acute")


@never_cache
@permission_required(SUPERVISE)
@require_GET
def export(request: HttpRequest, list_name: str) -> HttpResponse:
    if list_name not in EXPORTS:
        raise Http404
    today = timezone.localdate()
    user = staff_user(request)
    description = "all"
    if list_name == "cases":
        form, filters = _filters(request)
        if form.errors:
            return HttpResponse(
                _("Onbekend filter: %(fields)s") % {"fields": ", ".join(form.errors)},
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        description = filters.describe()
        cases = selectors.open_cases(user=user, filters=filters).iterator(chunk_size=2000)
        header, rows = exports.open_case_rows(
            selectors.with_deadline_bucket(case, today) for case in cases
        )
    elif list_name == "approvals":
        header, rows = exports.approval_rows(proposals_awaiting(user=user))
    elif list_name == "handovers":
        header, rows = exports.handover_rows(selectors.handovers_open(user=user))
    elif list_name == "monitoring":
        header, rows = exports.monitoring_rows(selectors.monitoring_due(user=user, today=today))
    else:
        header, rows = exports.acute_rows(selectors.acute_open(user=user))
    # Logged before anything is written: an export that fails halfway is still on record.
    list_viewed(
        request,
        action="export",
        list_name=f"supervision.{list_name}",
        target_id=today.isoformat(),
        reason=f"csv export: {description}",
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{list_name}-{today.isoformat()}.csv"'
    exports.write_rows(response, header, rows)
    return response


def _statistics_form(request: HttpRequest) -> StatisticsForm | None:
    if not request.GET:
        return None
    data = request.GET.copy()
    # The documented query string uses from/to; the form's own fields are start/end.
    for alias, name in (("from", "start"), ("to", "end")):
        if alias in data and name not in data:
            data[name] = data.get(alias, "")  # the last value, as data[alias]
    return StatisticsForm(data)


@never_cache
@permission_required(SUPERVISE)
@require_GET
def statistics_page(request: HttpRequest) -> HttpResponse:
    return render(request, "supervision/statistics.html", {"form": StatisticsForm()})


@never_cache
@permission_required(SUPERVISE)
@require_GET
def statistics_export(request: HttpRequest) -> HttpResponse:
    form = _statistics_form(request)
    if form is None or not form.is_valid():
        form = form or StatisticsForm({})
        form.is_valid()
        return render(request, "supervision/statistics.html", {"form": form}, status=400)
    first, last, round_to = (
        form.cleaned_data["start"],
        form.cleaned_data["end"],
        form.cleaned_data["round_to"],
    )
    period = f"{first.isoformat()}..{last.isoformat()}"
    list_viewed(
        request,
        action="export",
        list_name="supervision.statistics",
        target_id=period,
        reason=f"statistics export, rounded to {round_to}",
    )
    counts = selectors.statistics(region=_region(request), first=first, last=last)
    header, rows = exports.statistics_rows(counts, round_to=round_to)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="statistiek-{first.isoformat()}-{last.isoformat()}.csv"'
    )
    exports.write_rows(response, header, rows)
    return response


@never_cache
@permission_required(SUPERVISE)
@require_http_methods(["GET", "POST"])
def reassign(request: HttpRequest, case_id: int) -> HttpResponse:
    case = protected_record(
        request,
        visible=Case.objects.visible_to(request.user).select_related(
            "team", "assigned_to", "created_by"
        ),
        pk=case_id,
        action=None,
        reason="reassign form",
        refused_reason="reassign: not need-to-know",
        missing_reason="reassign: no such case",
    )
    if request.method == "POST":
        form = ReassignForm(request.POST, region=case.region)
        if form.is_valid():
            try:
                services.case_reassign(
                    case_id=case.pk,
                    by=staff_user(request),
                    assigned_to=form.cleaned_data["assigned_to"],
                    team=form.cleaned_data["team"],
                    expected_version=form.cleaned_data["version"],
                )
            except services.InvalidReassignment as invalid:
                for field, message in invalid.errors.items():
                    form.add_error(field, message)
            except CaseChanged as changed:
                form.add_error(None, str(changed))
            else:
                messages.success(
                    request, _("Dossier %(ref)s is opnieuw toegewezen.") % {"ref": case.reference}
                )
                return redirect("supervision:overview")
        status = 400
    else:
        form = ReassignForm(initial={"version": case.version}, region=case.region)
        status = 200
    return render(request, "supervision/reassign.html", {"case": case, "form": form}, status=status)
