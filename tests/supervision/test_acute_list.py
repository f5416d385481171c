"""The supervisor sees acute cases past their hour clock first (issue 16, item 1)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from cases.models import Case, SafetyActionKind
from cases.services import case_safety_action_record
from hotline.models import Call, CallState
from tests.cases.factories import register_case
from tests.supervision.conftest import case_due


def acute_since(case: Case, *, minutes_ago: int) -> Case:
    Case.objects.filter(pk=case.pk).update(
        acute_since=timezone.now() - datetime.timedelta(minutes=minutes_ago)
    )
    case.refresh_from_db()
    return case


def test_an_acute_case_past_its_hour_clock_tops_the_supervisor_list(supervisor_client, operator):
    late_report = case_due(operator, days_ago=10)
    fresh_acute = acute_since(register_case(operator, acute=True), minutes_ago=5)
    overdue_acute = acute_since(register_case(operator, acute=True), minutes_ago=150)
    response = supervisor_client.get("/supervisor/")
    assert response.status_code == 200
    order = [row["case"].pk for row in response.context["rows"]]
    assert order[:3] == [overdue_acute.pk, fresh_acute.pk, late_report.pk]
    first = response.context["rows"][0]
    assert first["acute_clock"].overdue
    page = response.content.decode()
    assert "eerste veiligheidsactie binnen 1 uur: 1 uur 30 min te laat" in page


def test_an_acute_case_with_its_first_action_recorded_runs_on_working_days_again(
    supervisor_client, operator
):
    late_report = case_due(operator, days_ago=10)
    handled = acute_since(register_case(operator, acute=True), minutes_ago=150)
    case_safety_action_record(
        case_id=handled.pk,
        by=operator,
        kind=SafetyActionKind.SAFETY_PLAN,
        happened_at=timezone.now() - datetime.timedelta(minutes=100),
    )
    response = supervisor_client.get("/supervisor/")
    rows = response.context["rows"]
    assert rows[0]["case"].pk == late_report.pk
    assert all(row["acute_clock"] is None for row in rows)
    assert response.context["acute_list"] == []


def test_the_acute_list_holds_cases_and_calls_without_a_case_most_overdue_first(
    supervisor_client, operator
):
    from django.conf import settings

    case = acute_since(register_case(operator, acute=True), minutes_ago=20)
    call = Call.objects.create(
        sid="CA" + "f" * 32,
        region=settings.VT_REGION,
        state=CallState.ABANDONED,
        acute=True,
        acute_since=timezone.now() - datetime.timedelta(minutes=80),
        enqueued_at=timezone.now() - datetime.timedelta(minutes=80),
        ended_at=timezone.now() - datetime.timedelta(minutes=79),
    )
    response = supervisor_client.get("/supervisor/")
    keys = [item["key"] for item in response.context["acute_list"]]
    assert keys == [f"call-{call.pk}", f"case-{case.pk}"]
    assert response.context["acute_list"][0]["overdue"]
    page = response.content.decode()
    assert f"Acuut gesprek {call.pk}" in page
