"""Reads for the supervisor's screen. Every case read starts from Case.objects.visible_to
(a supervisor: their region); counts and buckets are computed in the database, and each
list is one query (select_related, no per-row lookups)."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import Case as When_
from django.db.models import (
    CharField,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest
from django.utils import timezone

from accounts import roles
from accounts.models import Team, User
from cases.acute_clock import acute_clock
from cases.codes import CaseType, Decision, ViolenceForm
from cases.models import Case, CaseTransition, Contact, MonitoringContact, Report, State
from handover.models import Handover, TableReferral
from hotline.models import Call, CallState, OperatorPresence, PresenceState
from supervision import metrics

# States in which the 5-working-day assessment deadline runs; an advice case in intake
# has none until it becomes a report (as safety_assessment.selectors.cases_overdue).
ASSESSMENT_STATES = (State.INTAKE, State.SAFETY_ASSESSMENT, State.DECISION)
MONITORING_LOOKAHEAD_DAYS = 14
ACUTE_CLEARED_DAYS = 7


def _assessment_deadline_runs() -> Q:
    return Q(state__in=ASSESSMENT_STATES) & (~Q(state=State.INTAKE) | Q(case_type=CaseType.REPORT))


def _table_due() -> Subquery:
    """The date a case waiting for the Jeugdbeschermingstafel waits for: the meeting, or
    after a postponement the review."""
    waiting = (
        TableReferral.objects.filter(case=OuterRef("pk"), due_on__isnull=False)
        .order_by("due_on")
        .values("due_on")[:1]
    )
    return Subquery(waiting, output_field=DateField())


def deadline_expression() -> When_:
    """The deadline that matters for a case now: the assessment while it runs, the
    investigation during one, the table's date while the case waits for it, none
    otherwise (handover, monitoring: other lists)."""
    return When_(
        When(_assessment_deadline_runs(), then=F("assessment_due")),
        When(state=State.INVESTIGATION, then=F("investigation_due")),
        When(state=State.COUNCIL_REQUEST, then=_table_due()),
        default=Value(None),
        output_field=DateField(),
    )


def _late_reports(today: datetime.date) -> Coalesce:
    """The case's open reports whose own assessment deadline has passed."""
    late = (
        Report.objects.filter(
            case=OuterRef("pk"), assessment_completed_at__isnull=True, assessment_due__lt=today
        )
        .order_by()
        .values("case")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(late, output_field=IntegerField()), Value(0))


def overdue_count(today: datetime.date) -> Any:
    """Overdue work, counted per report: a case whose assessment deadline has passed
    counts once for each of its late open reports (at least once: its own deadline); a
    late report on a case in another state counts too; an investigation counts once."""
    assessment_late = _assessment_deadline_runs() & Q(assessment_due__lt=today)
    late_reports = _late_reports(today)
    per_report = Sum(
        When_(
            When(assessment_late, then=Greatest(late_reports, Value(1))),
            default=late_reports,
            output_field=IntegerField(),
        )
    )
    investigations = Count("pk", filter=Q(state=State.INVESTIGATION, investigation_due__lt=today))
    return Coalesce(per_report, Value(0)) + investigations


@dataclass(frozen=True)
class CaseFilters:
    state: str = ""
    team_id: int | None = None
    operator_id: int | None = None
    contact_role: str = ""
    violence_form: str = ""
    acute: bool | None = None
    sort: str = "urgency"

    def describe(self) -> str:
        """The filters as key=value, for the access log of an export."""
        parts = [
            f"{name}={value}"
            for name, value in (
                ("state", self.state),
                ("team", self.team_id),
                ("operator", self.operator_id),
                ("role", self.contact_role),
                ("form", self.violence_form),
                ("acute", self.acute),
            )
            if value not in ("", None)
        ]
        return ",".join(parts) or "all"


def open_cases(*, user: User, filters: CaseFilters | None = None) -> QuerySet[Case]:
    """Open cases with the deadline that matters now, most urgent first."""
    filters = filters or CaseFilters()
    cases = (
        Case.objects.visible_to(user)
        .open()
        .annotate(deadline=deadline_expression())
        .select_related("team", "assigned_to", "created_by")
        .only(
            "pk",
            "reference",
            "case_type",
            "state",
            "acute",
            "acute_since",
            "acute_handled_at",
            "reported_at",
            "assessment_due",
            "investigation_due",
            "violence_forms",
            "team__name",
            "assigned_to__username",
            "created_by__username",
        )
    )
    if filters.state:
        cases = cases.filter(state=filters.state)
    if filters.team_id:
        cases = cases.filter(team_id=filters.team_id)
    if filters.operator_id:
        cases = cases.filter(
            Q(assigned_to_id=filters.operator_id)
            | Q(assigned_to__isnull=True, created_by_id=filters.operator_id)
        )
    if filters.contact_role:
        cases = cases.filter(
            Exists(Contact.objects.filter(case=OuterRef("pk"), role=filters.contact_role))
        )
    if filters.violence_form:
        # A JSON list of codes; "contains" on JSON is not portable (SQLite), its text is.
        cases = cases.annotate(forms_text=Cast("violence_forms", TextField())).filter(
            forms_text__contains=f'"{filters.violence_form}"'
        )
    if filters.acute is not None:
        cases = cases.filter(acute=filters.acute)
    if filters.sort == "reported":
        return cases.order_by("-reported_at", "-pk")
    # Acute cases without their first safety action run on the hour clock and come first,
    # the earliest clock (the most overdue) on top; then the working-day deadlines.
    return cases.annotate(
        acute_waiting=When_(
            When(acute=True, acute_handled_at__isnull=True, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        # The clock of a case still waiting for its first safety action; none otherwise.
        waiting_since=When_(
            When(acute=True, acute_handled_at__isnull=True, then=F("acute_since")),
            default=None,
        ),
    ).order_by(
        "acute_waiting",
        F("waiting_since").asc(nulls_last=True),
        F("deadline").asc(nulls_last=True),
        "-acute",
        "reported_at",
        "pk",
    )


def open_case_summary(*, user: User, today: datetime.date) -> dict[str, Any]:
    """Open cases per state and the deadline buckets, in one query."""
    deadline = deadline_expression()
    cases = Case.objects.visible_to(user).open().annotate(deadline=deadline)
    per_state = {
        f"state_{state}": Count("pk", filter=Q(state=state))
        for state in State.values
        if state != State.CLOSED
    }
    row = cases.aggregate(
        total=Count("pk"),
        overdue=overdue_count(today),
        due_today=Count("pk", filter=Q(deadline=today)),
        acute=Count("pk", filter=Q(acute=True)),
        **per_state,
    )
    labels = dict(State.choices)
    row["states"] = [
        {"state": state, "label": labels[state], "count": row.pop(f"state_{state}")}
        for state in State.values
        if state != State.CLOSED
    ]
    return row


def with_deadline_bucket(case: Case, today: datetime.date) -> dict[str, Any]:
    """One row of open_cases() with the bucket its deadline falls in (None: no deadline)."""
    deadline = case.deadline  # type: ignore[attr-defined]  # open_cases() annotates it
    return {
        "case": case,
        "bucket": metrics.deadline_bucket(deadline, today) if deadline else None,
        # An acute case without its first safety action shows its hour clock instead.
        "acute_clock": (
            acute_clock(case.acute_since or case.reported_at) if case.on_acute_list else None
        ),
    }


def with_deadline_buckets(cases: list[Case], today: datetime.date) -> list[dict[str, Any]]:
    return [with_deadline_bucket(case, today) for case in cases]


def handovers_open(*, user: User) -> QuerySet[Handover]:
    """Handovers the partner has not accepted yet (pending or escalated), oldest due first."""
    return (
        Handover.objects.filter(
            status__in=Handover.OPEN_STATUSES, case__in=Case.objects.visible_to(user)
        )
        .select_related("case", "organisation")
        .only(
            "pk",
            "status",
            "created_at",
            "accept_due",
            "escalated_at",
            "case__reference",
            "case__state",
            "organisation__name",
        )
        .order_by("accept_due", "pk")
    )


def table_waiting(*, user: User, today: datetime.date) -> QuerySet[TableReferral]:
    """Cases waiting for the Jeugdbeschermingstafel, by their deadline (overdue first):
    every referral the table has not met about yet, and postponed ones once their review
    date is within two weeks (a postponement of months need not fill the list meanwhile)."""
    soon = today + datetime.timedelta(days=MONITORING_LOOKAHEAD_DAYS)
    return (
        TableReferral.objects.filter(
            case__in=Case.objects.visible_to(user),
            case__state=State.COUNCIL_REQUEST,
            due_on__isnull=False,
        )
        .filter(
            Q(status=TableReferral.Status.WAITING)
            | Q(status=TableReferral.Status.POSTPONED, due_on__lte=soon)
        )
        .select_related("case", "handover__organisation")
        .order_by("due_on", "pk")
    )


def monitoring_due(*, user: User, today: datetime.date) -> QuerySet[MonitoringContact]:
    """Monitoring contacts due within two weeks or overdue, on cases in monitoring."""
    return (
        MonitoringContact.objects.filter(
            case__in=Case.objects.visible_to(user),
            case__state=State.MONITORING,
            result__isnull=True,
            due_on__lte=today + datetime.timedelta(days=MONITORING_LOOKAHEAD_DAYS),
        )
        .select_related("case", "case__assigned_to", "case__team")
        .order_by("due_on", "pk")
    )


def acute_open(*, user: User) -> QuerySet[Case]:
    """Open acute cases with what was done since: their state and latest step."""
    last_step = CaseTransition.objects.filter(case=OuterRef("pk")).order_by("-at", "-pk")
    return (
        Case.objects.visible_to(user)
        .open()
        .filter(acute=True)
        .select_related("team", "assigned_to")
        .annotate(
            last_step=Subquery(last_step.values("name")[:1], output_field=CharField()),
            last_step_at=Subquery(last_step.values("at")[:1]),
        )
        .order_by("reported_at", "pk")
    )


def acute_cleared(*, user: User, now: datetime.datetime) -> QuerySet[Case]:
    """Acute flags lifted recently, with the action taken (shown, never exported)."""
    return (
        Case.objects.visible_to(user)
        .filter(acute_cleared_at__gte=now - datetime.timedelta(days=ACUTE_CLEARED_DAYS))
        .select_related("acute_cleared_by")
        .order_by("-acute_cleared_at", "-pk")
    )


def backlog(*, user: User, today: datetime.date, days: int = 30) -> list[dict[str, Any]]:
    """Per day over the last `days` days: open cases and overdue assessments at the end of
    that day, from the case and report dates.

    Open at the end of day d: reported by then, not closed by then. An overdue assessment on
    d: a report (each its own row and clock) received by then, due before d and not
    completed by the end of d, on a case open then; a case of type report without report
    rows counts from its own dates.

    Three reads of the cases open at some point in the range and their reports (an index on
    region and closed_at; a report completed before the range is late on none of its days),
    then each row adds one to the run of days it was open or late. Sixty filtered counts in
    SQL cost more to build and run than this.
    """
    tz = timezone.get_current_timezone()
    start = today - datetime.timedelta(days=days - 1)
    start_of_range = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    cases = Case.objects.visible_to(user).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=start_of_range)
    )

    def day_of(moment: datetime.datetime) -> datetime.date:
        return moment.astimezone(tz).date()

    def day_or_none(moment: datetime.datetime | None) -> datetime.date | None:
        return day_of(moment) if moment is not None else None

    def runs(spans: Any) -> list[int]:
        """How many (first, after) spans of days cover each day of the range: a span
        counts on first <= d < after (after None: still running)."""
        change = [0] * (days + 1)
        for first, after in spans:
            begin = max((first - start).days, 0)
            end = days if after is None else min((after - start).days, days)
            if begin < end:
                change[begin] += 1
                change[end] -= 1
        covered, running = [], 0
        for step in change[:days]:
            running += step
            covered.append(running)
        return covered

    def late_span(
        received: datetime.datetime,
        due: datetime.date,
        completed: datetime.datetime | None,
        closed: datetime.datetime | None,
    ) -> tuple[datetime.date, datetime.date | None]:
        # Late from the day after its deadline (once received) until it was completed or
        # its case closed: not late on the day either happened.
        first = max(day_of(received), due + datetime.timedelta(days=1))
        ends = [day for day in (day_or_none(completed), day_or_none(closed)) if day is not None]
        return first, min(ends) if ends else None

    open_per_day = runs(
        (day_of(reported), day_or_none(closed))
        for reported, closed in cases.values_list("reported_at", "closed_at")
    )
    without_report_rows = (
        cases.filter(case_type=CaseType.REPORT, assessment_due__lt=today)
        .exclude(Exists(Report.objects.filter(case=OuterRef("pk"))))
        .filter(
            Q(assessment_completed_at__isnull=True) | Q(assessment_completed_at__gte=start_of_range)
        )
        .values_list("reported_at", "assessment_due", "assessment_completed_at", "closed_at")
    )
    reports = (
        Report.objects.filter(case__in=cases, assessment_due__lt=today)
        .filter(
            Q(assessment_completed_at__isnull=True) | Q(assessment_completed_at__gte=start_of_range)
        )
        .values_list("received_at", "assessment_due", "assessment_completed_at", "case__closed_at")
    )
    late_per_day = runs(late_span(*row) for row in [*without_report_rows, *reports])
    return [
        {"day": start + datetime.timedelta(days=i), "open": open_per_day[i], "overdue": late}
        for i, late in enumerate(late_per_day)
    ]


# --- filters ----------------------------------------------------------------------------


def teams_of_region(region: str) -> QuerySet[Team]:
    return Team.objects.filter(region=region).order_by("name")


def staff_of_region(region: str) -> QuerySet[User]:
    """Active staff who work cases in the region (operators and supervisors)."""
    return (
        User.objects.filter(
            is_active=True,
            region=region,
            groups__name__in=[roles.OPERATOR, roles.SUPERVISOR],
        )
        .distinct()
        .order_by("username")
    )


# --- the call centre --------------------------------------------------------------------


def _queued_calls(region: str, since: datetime.datetime, until: datetime.datetime) -> list:
    rows = Call.objects.filter(
        region=region, enqueued_at__gte=since, enqueued_at__lt=until
    ).values_list("enqueued_at", "taken_at", "ended_at", "outcome")
    return [
        # The filter on enqueued_at leaves out calls that were never queued (NULL).
        metrics.QueuedCall(
            enqueued_at=cast(datetime.datetime, e), taken_at=t, ended_at=d, outcome=o
        )
        for e, t, d, o in rows
    ]


def _day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    return start, start + datetime.timedelta(days=1)


def queued_calls_since(*, region: str, first: datetime.date, now: datetime.datetime) -> list:
    """The region's calls queued from the start of `first` to the end of today: one read
    that live_figures, calls_per_hour and calls_per_day share on the supervisor's screen."""
    start, _ = _day_bounds(first)
    _, end = _day_bounds(timezone.localdate(now))
    return _queued_calls(region, start, end)


def _calls_of_day(calls: list, day: datetime.date) -> list:
    return [call for call in calls if timezone.localdate(call.enqueued_at) == day]


def live_figures(
    *,
    region: str,
    now: datetime.datetime,
    threshold_seconds: int,
    queued: list | None = None,
) -> dict[str, Any]:
    """Today's call-centre figures of the region, from the calls and the presence rows.
    `queued`: calls already read by queued_calls_since (today's are picked out of them)."""
    day = timezone.localdate(now)
    if queued is None:
        start, end = _day_bounds(day)
        queued = _queued_calls(region, start, end)
    today = metrics.call_figures(_calls_of_day(queued, day), threshold_seconds=threshold_seconds)
    waiting = Call.objects.filter(region=region, state=CallState.QUEUED).aggregate(
        count=Count("pk"), oldest=Min("enqueued_at")
    )
    longest = int((now - waiting["oldest"]).total_seconds()) if waiting["oldest"] else 0
    presence = Counter(
        dict(
            OperatorPresence.objects.filter(region=region)
            .values_list("state")
            .annotate(n=Count("pk"))
            .values_list("state", "n")
        )
    )
    labels = dict(PresenceState.choices)
    return {
        "now": now.isoformat(),
        "threshold_seconds": threshold_seconds,
        "waiting": waiting["count"],
        "longest_wait_seconds": max(longest, 0),
        "offered": today.offered,
        "answered": today.answered,
        "answered_in_time": today.answered_in_time,
        "abandoned": today.abandoned,
        "short_abandoned": today.short_abandoned,
        "safe_exits": today.safe_exits,
        "service_level": today.service_level,
        "abandon_rate": today.abandon_rate,
        "service_level_text": metrics.percent(today.service_level),
        "abandon_rate_text": metrics.percent(today.abandon_rate),
        "operators": [
            {"state": state, "label": str(labels[state]), "count": presence.get(state, 0)}
            for state in PresenceState.values
        ],
    }


def calls_per_hour(
    *, region: str, day: datetime.date, threshold_seconds: int, queued: list | None = None
) -> list[dict]:
    if queued is None:
        start, end = _day_bounds(day)
        queued = _queued_calls(region, start, end)
    per_hour: dict[int, list] = {hour: [] for hour in range(24)}
    for call in _calls_of_day(queued, day):
        per_hour[timezone.localtime(call.enqueued_at).hour].append(call)
    return [
        {"hour": hour, "figures": metrics.call_figures(calls, threshold_seconds=threshold_seconds)}
        for hour, calls in per_hour.items()
    ]


def calls_per_day(
    *,
    region: str,
    today: datetime.date,
    days: int,
    threshold_seconds: int,
    queued: list | None = None,
) -> list[dict]:
    first = today - datetime.timedelta(days=days - 1)
    if queued is None:
        start, _ = _day_bounds(first)
        _, end = _day_bounds(today)
        queued = _queued_calls(region, start, end)
    per_day: dict[datetime.date, list] = {
        first + datetime.timedelta(days=i): [] for i in range(days)
    }
    for call in queued:
        day = timezone.localdate(call.enqueued_at)
        if day in per_day:
            per_day[day].append(call)
    return [
        {"day": day, "figures": metrics.call_figures(calls, threshold_seconds=threshold_seconds)}
        for day, calls in per_day.items()
    ]


# --- statistics -------------------------------------------------------------------------


def statistics(
    *, region: str, first: datetime.date, last: datetime.date
) -> dict[str, Counter[tuple[str, str]]]:
    """Counts for the half-yearly national statistics, for cases reported in the period:
    advice and reports by the role of the first reporter, by form of violence (a case with
    several forms counts once under each), and decisions taken in the period by outcome."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    first_role = (
        Contact.objects.filter(case=OuterRef("pk")).order_by("created_at", "pk").values("role")[:1]
    )
    reported = Case.objects.filter(region=region, reported_at__gte=start, reported_at__lt=end)
    by_role: Counter[tuple[str, str]] = Counter()
    for case_type, role, n in (
        reported.annotate(first_role=Subquery(first_role, output_field=CharField()))
        .values_list("case_type", "first_role")
        .annotate(n=Count("pk"))
        .values_list("case_type", "first_role", "n")
    ):
        by_role[(case_type, role or "unknown")] += n
    by_form: Counter[tuple[str, str]] = Counter()
    for case_type, forms in reported.values_list("case_type", "violence_forms").iterator(
        chunk_size=2000
    ):
        for form in set(forms or []):
            if form in ViolenceForm.values:
                by_form[(case_type, form)] += 1
    by_outcome: Counter[tuple[str, str]] = Counter()
    for case_type, decision, n in (
        Case.objects.filter(region=region, decided_at__gte=start, decided_at__lt=end)
        .exclude(decision="")
        .values_list("case_type", "decision")
        .annotate(n=Count("pk"))
        .values_list("case_type", "decision", "n")
    ):
        if decision in Decision.values:
            by_outcome[(case_type, decision)] += n
    return {"role": by_role, "form": by_form, "outcome": by_outcome}
