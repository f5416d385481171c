"""The supervisor's screen at /supervisor/: what it shows, who may see it, what it logs."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from accounts import roles
from cases.models import Case, CaseTransition, State
from hotline.models import Call, CallState, OperatorPresence, PresenceState
from privacy.models import AccessLogEntry
from tests.conftest import log_in_fully, make_staff
from tests.supervision.conftest import case_due, queued_call

pytestmark = pytest.mark.django_db

SUPERVISOR_URLS = [
    ("supervision:overview", {}),
    ("supervision:live", {}),
    ("supervision:export", {"list_name": "cases"}),
    ("supervision:export", {"list_name": "approvals"}),
    ("supervision:export", {"list_name": "handovers"}),
    ("supervision:export", {"list_name": "monitoring"}),
    ("supervision:export", {"list_name": "acute"}),
    ("supervision:statistics", {}),
    ("supervision:statistics_export", {}),
    ("supervision:reassign", {"case_id": 1}),
]


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def references_in_order(response) -> list[str]:
    html = response.content.decode()
    return [part.split('"', 1)[0] for part in html.split('data-reference="')[1:]]


# --- who may see it -----------------------------------------------------------------------


@pytest.mark.parametrize(("name", "kwargs"), SUPERVISOR_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_an_operator_is_refused_every_supervisor_url_and_the_refusal_is_logged(
    operator_client, operator, name, kwargs, method
):
    url = reverse(name, kwargs=kwargs)
    response = getattr(operator_client, method)(url)
    assert response.status_code == 403
    refusal = AccessLogEntry.objects.filter(actor_id=operator.pk, allowed=False).last()
    assert refusal is not None
    assert refusal.target_id == name


@pytest.mark.parametrize(("name", "kwargs"), SUPERVISOR_URLS)
def test_without_login_every_supervisor_url_goes_to_the_login(client, name, kwargs):
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


# --- the page -------------------------------------------------------------------------------


def test_the_overdue_case_comes_first_then_due_today_then_days_left(supervisor_client, operator):
    later = case_due(operator, days_ago=-7)
    today = case_due(operator, days_ago=0)
    overdue = case_due(operator, days_ago=10)
    response = supervisor_client.get(reverse("supervision:overview"))
    assert response.status_code == 200
    assert references_in_order(response)[:3] == [
        overdue.reference,
        today.reference,
        later.reference,
    ]
    html = response.content.decode()
    assert "werkdagen te laat" in html and "vandaag uiterlijk" in html
    assert "1 over de termijn" in html
    # The names of the people involved and the narrative are not on this page.
    assert "Noor de Vries" not in html and "geschreeuw" not in html
    assert f"/privacy/access/cases.case/{overdue.pk}/" in html


def test_the_page_view_is_logged_once_with_its_filters(supervisor_client, supervisor):
    supervisor_client.get(reverse("supervision:overview"), {"state": "intake", "acute": "yes"})
    entry = AccessLogEntry.objects.filter(
        actor_id=supervisor.pk, target_type="supervision.overview"
    ).get()
    assert entry.action == "view" and entry.allowed
    assert "state=intake" in entry.reason and "acute=True" in entry.reason


def test_filters_narrow_the_list(supervisor_client, operator, other_operator):
    mine = case_due(operator, days_ago=1, violence_forms=["stalking"], acute=True)
    theirs = case_due(other_operator, days_ago=2, violence_forms=["fgm"])
    url = reverse("supervision:overview")
    cases = lambda **query: set(references_in_order(supervisor_client.get(url, query)))  # noqa: E731
    assert cases() == {mine.reference, theirs.reference}
    assert cases(violence_form="stalking") == {mine.reference}
    assert cases(violence_form="fgm") == {theirs.reference}
    assert cases(operator=other_operator.pk) == {theirs.reference}
    assert cases(team=operator.team_id) == {mine.reference}
    assert cases(acute="yes") == {mine.reference}
    assert cases(acute="no") == {theirs.reference}
    assert cases(contact_role="victim") == {mine.reference, theirs.reference}
    assert cases(contact_role="professional") == set()
    assert cases(state=State.INTAKE) == {mine.reference, theirs.reference}
    assert cases(state=State.MONITORING) == set()


def test_a_bad_filter_is_an_error_next_to_its_field(supervisor_client, operator):
    case_due(operator, days_ago=1)
    response = supervisor_client.get(
        reverse("supervision:overview"), {"state": "nonsense", "team": "999999"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_state_error"' in html and 'id="id_team_error"' in html


def test_cases_of_another_region_are_not_shown(supervisor_client, operator):
    elsewhere = case_due(operator, days_ago=3)
    Case.objects.filter(pk=elsewhere.pk).update(region="rotterdam-rijnmond")
    response = supervisor_client.get(reverse("supervision:overview"))
    assert elsewhere.reference not in response.content.decode()


def test_the_page_answers_in_a_bounded_number_of_queries(
    supervisor_client, operator, django_assert_max_num_queries
):
    for days in range(-5, 15):
        case_due(operator, days_ago=days)
    for wait in (3, 10, 40):
        queued_call(waited=wait)
    with django_assert_max_num_queries(40):
        response = supervisor_client.get(reverse("supervision:overview"))
    assert response.status_code == 200
    # More rows do not mean more queries (no N+1).
    for days in range(20, 40):
        case_due(operator, days_ago=days)
    with django_assert_max_num_queries(40) as twenty:
        supervisor_client.get(reverse("supervision:overview"))
    with django_assert_max_num_queries(40) as forty:
        supervisor_client.get(reverse("supervision:overview"))
    assert len(forty.captured_queries) == len(twenty.captured_queries)


def test_the_charts_are_svg_with_a_title_and_the_figures_in_words(supervisor_client, operator):
    case_due(operator, days_ago=3)
    html = supervisor_client.get(reverse("supervision:overview")).content.decode()
    assert html.count('<svg class="chart" role="img"') == 3
    assert "<title>Werkvoorraad per dag, laatste 30 dagen</title>" in html
    assert "<title>Gesprekken per uur vandaag</title>" in html


# --- live figures -------------------------------------------------------------------------


def test_live_figures_count_todays_calls_and_operators(supervisor_client, operator):
    queued_call(waited=5)
    queued_call(waited=15)
    queued_call(waited=60)
    queued_call(waited=30, answered=False)
    queued_call(waited=2, answered=False)  # within the grace period
    first_call = Call.objects.first()
    assert first_call is not None
    OperatorPresence.objects.create(
        user=operator,
        region=operator.region,
        state=PresenceState.AVAILABLE,
        since=first_call.created_at,
    )
    waiting = queued_call(waited=0, answered=False)
    Call.objects.filter(pk=waiting.pk).update(state=CallState.QUEUED, outcome="", ended_at=None)
    data = supervisor_client.get(reverse("supervision:live")).json()
    assert data["threshold_seconds"] == 20
    assert data["offered"] == 4
    assert data["answered_in_time"] == 2
    assert data["service_level"] == pytest.approx(0.5)
    assert data["abandon_rate"] == pytest.approx(0.25)
    assert data["service_level_text"] == "50 %"
    assert data["waiting"] == 1
    assert data["longest_wait_seconds"] >= 600
    available = next(row for row in data["operators"] if row["state"] == "available")
    assert available["count"] == 1


def test_the_norm_comes_from_the_setting(supervisor_client, settings):
    settings.SERVICE_LEVEL_SECONDS = 60
    queued_call(waited=45)
    data = supervisor_client.get(reverse("supervision:live")).json()
    assert data["threshold_seconds"] == 60 and data["service_level"] == 1.0


# --- exports --------------------------------------------------------------------------------


@pytest.mark.parametrize("list_name", ["cases", "approvals", "handovers", "monitoring", "acute"])
def test_every_list_exports_as_csv_and_the_export_is_logged(
    supervisor_client, supervisor, operator, list_name
):
    case_due(operator, days_ago=4, acute=True)
    response = supervisor_client.get(reverse("supervision:export", args=[list_name]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(response)
    assert rows[0][0] == "reference"
    entry = AccessLogEntry.objects.filter(actor_id=supervisor.pk, action="export").get()
    assert entry.target_type == f"supervision.{list_name}"
    body = response.content.decode()
    assert "Noor de Vries" not in body and "Sanne" not in body and "geschreeuw" not in body


def test_the_case_export_follows_the_filters_and_says_how_late(supervisor_client, operator):
    late = case_due(operator, days_ago=10, violence_forms=["stalking"])
    case_due(operator, days_ago=-3, violence_forms=["fgm"])
    response = supervisor_client.get(
        reverse("supervision:export", args=["cases"]), {"violence_form": "stalking"}
    )
    rows = read_csv(response)
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["reference"] == late.reference
    assert row["deadline_status"] == "overdue" and int(row["working_days"]) >= 5


def test_an_unknown_export_is_404_and_a_bad_filter_400_and_nothing_is_logged(
    supervisor_client, supervisor
):
    assert supervisor_client.get("/supervisor/export/people.csv").status_code == 404
    response = supervisor_client.get(
        reverse("supervision:export", args=["cases"]), {"state": "nope"}
    )
    assert response.status_code == 400
    assert not AccessLogEntry.objects.filter(actor_id=supervisor.pk, action="export").exists()


# --- statistics -----------------------------------------------------------------------------


def _statistics(client, **query):
    return client.get(reverse("supervision:statistics_export"), query)


def test_statistics_count_by_role_form_and_outcome_and_can_round(
    supervisor_client, supervisor, operator
):
    from django.utils import timezone

    from cases.codes import ContactRole
    from tests.cases.factories import victim_contact

    for _ in range(3):
        case_due(operator, days_ago=0, violence_forms=["stalking", "partner_violence"])
    case_due(
        operator,
        days_ago=0,
        violence_forms=["fgm"],
        contact=victim_contact(role=ContactRole.BYSTANDER, name="Bea", safety_check=None),
    )
    today = timezone.localdate().isoformat()
    response = _statistics(supervisor_client, **{"from": today, "to": today})
    assert response.status_code == 200
    rows = {(t, ct, cat): int(n) for t, ct, cat, n in read_csv(response)[1:]}
    assert rows[("role", "report", "victim")] == 3
    assert rows[("role", "report", "bystander")] == 1
    assert rows[("role", "report", "total")] == 4
    assert rows[("form", "report", "stalking")] == 3
    assert rows[("form", "report", "fgm")] == 1
    assert rows[("outcome", "report", "total")] == 0
    rounded = _statistics(supervisor_client, **{"from": today, "to": today, "round": "5"})
    rows = {(t, ct, cat): int(n) for t, ct, cat, n in read_csv(rounded)[1:]}
    assert rows[("role", "report", "victim")] == 5
    assert rows[("role", "report", "bystander")] == 0
    assert all(n % 5 == 0 for n in rows.values())
    entries = AccessLogEntry.objects.filter(
        actor_id=supervisor.pk, action="export", target_type="supervision.statistics"
    )
    assert entries.count() == 2
    entry = entries.first()
    assert entry is not None
    assert entry.target_id == f"{today}..{today}"


def test_a_half_year_preset_gives_its_dates(supervisor_client, supervisor):
    response = _statistics(supervisor_client, period="2025-H2")
    assert response.status_code == 200
    assert "statistiek-2025-07-01-2025-12-31.csv" in response["Content-Disposition"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "start"),
        ({"from": "2026-02-30", "to": "2026-06-30"}, "start"),
        ({"from": "2026-06-30", "to": "2026-01-01"}, "end"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "end"),
        ({"period": "1999-H3"}, "period"),
        ({"from": "2026-01-01", "to": "2026-06-30", "round": "7"}, "round"),
    ],
)
def test_a_bad_statistics_period_is_an_error_next_to_the_field_and_nothing_is_logged(
    supervisor_client, supervisor, query, field
):
    response = _statistics(supervisor_client, **query)
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not AccessLogEntry.objects.filter(actor_id=supervisor.pk, action="export").exists()


# --- reassign -------------------------------------------------------------------------------


def test_a_supervisor_reassigns_a_case_and_it_is_logged_and_announced(
    supervisor_client, supervisor, operator, other_operator
):
    from events.models import OutboxEvent

    case = case_due(operator, days_ago=2)
    url = reverse("supervision:reassign", args=[case.pk])
    assert supervisor_client.get(url).status_code == 200
    response = supervisor_client.post(
        url,
        {
            "assigned_to": other_operator.pk,
            "team": other_operator.team_id,
            "version": case.version,
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assigned_to == other_operator and case.team == other_operator.team
    # An audit entry with its kind; no pseudo-transition in the case's history.
    assert not CaseTransition.objects.filter(case=case, name="reassign").exists()
    (entry,) = AccessLogEntry.objects.filter(
        actor_id=supervisor.pk,
        action="change",
        target_type="cases.case",
        target_id=str(case.pk),
        allowed=True,
        reason__startswith="reassigned:",
    )
    assert "otto" in entry.reason
    event = OutboxEvent.objects.filter(kind="case.changed").last()
    assert event is not None
    assert event.payload["case_id"] == case.pk
    assert event.payload["team_id"] == other_operator.team_id


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "assigned_to"),
        ({"assigned_to": "999999"}, "assigned_to"),
        ({"team": "999999"}, "team"),
    ],
)
def test_a_bad_reassignment_is_an_error_next_to_the_field_and_changes_nothing(
    supervisor_client, operator, data, field
):
    case = case_due(operator, days_ago=2)
    response = supervisor_client.post(reverse("supervision:reassign", args=[case.pk]), data)
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    case.refresh_from_db()
    assert case.assigned_to == operator and case.version == 1
    assert not CaseTransition.objects.filter(case=case, name="reassign").exists()


def test_staff_of_another_region_or_inactive_staff_cannot_be_chosen(supervisor_client, operator):
    case = case_due(operator, days_ago=2)
    elsewhere = make_staff("rob", roles.OPERATOR)
    elsewhere.region = "rotterdam-rijnmond"
    elsewhere.save()
    gone = make_staff("gijs", roles.OPERATOR)
    gone.is_active = False
    gone.save()
    url = reverse("supervision:reassign", args=[case.pk])
    for user in (elsewhere, gone):
        response = supervisor_client.post(url, {"assigned_to": user.pk})
        assert response.status_code == 400
    case.refresh_from_db()
    assert case.assigned_to == operator


def test_the_service_refuses_a_supervisor_of_another_region(operator, other_operator):
    from django.core.exceptions import PermissionDenied

    from supervision.services import case_reassign

    case = case_due(operator, days_ago=2)
    outsider = make_staff("rita", roles.SUPERVISOR)
    outsider.region = "rotterdam-rijnmond"
    outsider.save()
    with pytest.raises(PermissionDenied):
        case_reassign(case_id=case.pk, by=outsider, assigned_to=other_operator, team=None)
    assert AccessLogEntry.objects.filter(actor_id=outsider.pk, allowed=False).exists()


def test_a_stale_reassign_form_is_told_to_reload(supervisor_client, operator, other_operator):
    case = case_due(operator, days_ago=2)
    Case.objects.filter(pk=case.pk).update(version=5)
    response = supervisor_client.post(
        reverse("supervision:reassign", args=[case.pk]),
        {"assigned_to": other_operator.pk, "version": 1},
    )
    assert response.status_code == 400
    assert "intussen gewijzigd" in response.content.decode()


def test_reassigning_a_case_outside_the_region_is_refused_and_logged(supervisor, operator):
    case = case_due(operator, days_ago=2)
    Case.objects.filter(pk=case.pk).update(region="rotterdam-rijnmond")
    client = log_in_fully(Client(), supervisor)
    response = client.post(reverse("supervision:reassign", args=[case.pk]), {"team": ""})
    assert response.status_code == 403
    assert AccessLogEntry.objects.filter(
        actor_id=supervisor.pk, allowed=False, target_id=str(case.pk)
    ).exists()
