"""A report is its own row, and a report about a known family joins its case: every report
has its own received date and 5-working-day clock, the case's deadline is its earliest open
report's, a new report reopens a case in monitoring or closed into the safety assessment and
keeps its history, and the case page adds contacts and reports behind the access gate."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone

from cases.codes import CaseType, ContactRole, Decision
from cases.models import Case, Contact, FeedbackTask, Person, Report, State
from cases.services import (
    CaseChanged,
    IntakeData,
    case_accept_handover,
    case_convert_to_report,
    case_mark_assessment_complete,
    case_report_add,
    case_transition,
)
from events.models import OutboxEvent
from privacy.models import AccessLogEntry
from supervision import selectors as supervision
from tests.cases.factories import (
    assessment_completed,
    decide,
    decide_assessment,
    register_case,
    victim_contact,
)

pytestmark = pytest.mark.django_db

TZ = dt.timezone(dt.timedelta(hours=1))  # Europe/Amsterdam in winter


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Set the time the services see: clock(datetime)."""

    def set_to(moment: dt.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    yield set_to


def professional(**overrides: Any) -> dict[str, Any]:
    contact = {
        "channel": "phone",
        "role": ContactRole.PROFESSIONAL,
        "name": "Juf Ineke",
        "email": "ineke@school.example",
        "phone": "070-7654321",
        "organisation": "Basisschool De Linde",
        "profession": "education",
    }
    contact.update(overrides)
    return contact


def new_report(contact: dict[str, Any] | None = None, **case: Any) -> IntakeData:
    case_data = {
        "case_type": CaseType.REPORT,
        "violence_forms": ["physical_abuse"],
        "account": "De leerkracht ziet opnieuw blauwe plekken.",
    }
    case_data.update(case)
    return IntakeData(contact=contact or victim_contact(name="Buurvrouw"), case=case_data)


def assessed(case: Case, operator) -> Case:
    case_transition(case_id=case.pk, name="start_assessment", by=operator, expected_version=None)
    decide_assessment(case, operator)
    return Case.objects.get(pk=case.pk)


def decided(case: Case, operator, supervisor, decision: str) -> Case:
    assessed(case, operator)
    return decide(
        case_id=case.pk,
        decision=decision,
        reason="Onderbouwing.",
        by=supervisor,
        proposed_by=operator,
    )


# --- a report is its own row -------------------------------------------------------------------


def test_a_report_at_intake_is_its_own_row_with_the_case_clock(operator):
    case = register_case(operator)
    report = case.reports.get()
    assert report.contact == case.contacts.get()
    assert report.received_at == case.reported_at
    assert report.assessment_due == case.assessment_due
    assert report.assessment_completed_at is None


def test_an_advice_at_intake_has_no_report(operator):
    case = register_case(operator, case_type=CaseType.ADVICE, people=[])
    assert not case.reports.exists()


def test_two_reports_have_two_clocks_and_the_case_deadline_is_the_earliest_open_one(
    operator, clock
):
    clock(dt.datetime(2026, 11, 24, 10, 0, tzinfo=TZ))  # a Tuesday
    case = register_case(operator)
    clock(dt.datetime(2026, 11, 26, 10, 0, tzinfo=TZ))  # the Thursday after
    case_report_add(case_id=case.pk, intake=new_report(professional()), by=operator)
    first, second = Report.objects.filter(case=case)
    assert first.assessment_due == dt.date(2026, 12, 1)
    assert second.assessment_due == dt.date(2026, 12, 3)
    assert second.received_at == dt.datetime(2026, 11, 26, 10, 0, tzinfo=TZ)
    case.refresh_from_db()
    assert case.assessment_due == dt.date(2026, 12, 1)
    assert case.reported_at == dt.datetime(2026, 11, 24, 10, 0, tzinfo=TZ)


def test_once_the_first_report_is_assessed_the_case_deadline_is_the_later_report(
    operator, supervisor, clock
):
    clock(dt.datetime(2026, 11, 24, 10, 0, tzinfo=TZ))
    case = assessed(register_case(operator), operator)
    assert case.state == State.DECISION and not case.reports.filter(assessment_completed_at=None)
    clock(dt.datetime(2026, 11, 30, 10, 0, tzinfo=TZ))  # a Monday
    case_report_add(case_id=case.pk, intake=new_report(), by=operator)
    case.refresh_from_db()
    assert case.state == State.DECISION  # open: no transition, its own assessment and clock
    assert case.assessment_due == dt.date(2026, 12, 7)
    case_mark_assessment_complete(case_id=case.pk, by=operator, assessment=assessment_completed)
    assert not Report.objects.filter(case=case, assessment_completed_at=None).exists()


def test_a_professionals_second_report_gets_its_own_feedback_task(operator, supervisor):
    case = register_case(operator, contact=professional())
    case = decided(case, operator, supervisor, Decision.INVESTIGATION)
    first = FeedbackTask.objects.get(case=case)
    assert first.report == case.reports.get()
    again = case_report_add(case_id=case.pk, intake=new_report(professional()), by=operator)
    # Owed once the new report is assessed: no decision follows that would make it owed.
    assert FeedbackTask.objects.filter(case=case).count() == 1
    case_mark_assessment_complete(case_id=case.pk, by=operator, assessment=assessment_completed)
    second = FeedbackTask.objects.exclude(pk=first.pk).get(case=case)
    assert second.contact == again
    assert second.report == again.reports.get()
    assert second.moment == FeedbackTask.Moment.AFTER_ASSESSMENT


def test_a_new_report_reopens_a_closed_case_and_keeps_its_history_and_dates(operator, supervisor):
    case = decided(register_case(operator), operator, supervisor, Decision.ADVICE_CLOSE)
    assert case.state == State.CLOSED
    steps_before = list(case.transitions.values_list("name", flat=True))
    first_report = case.reports.get()
    case_report_add(case_id=case.pk, intake=new_report(), by=operator)
    reopened = Case.objects.get(pk=case.pk)
    assert reopened.state == State.SAFETY_ASSESSMENT
    assert reopened.reported_at == case.reported_at
    assert list(reopened.transitions.values_list("name", flat=True)) == [
        *steps_before,
        "reopen",
        "start_assessment",
    ]
    assert reopened.contacts.count() == 2
    first_report.refresh_from_db()
    assert first_report.assessment_completed_at is not None  # the old report stays assessed
    newest = reopened.reports.latest("received_at")
    assert newest.received_at > reopened.reported_at
    assert reopened.assessment_due == newest.assessment_due
    assert reopened.closed_at is None and reopened.decision == ""


def test_a_new_report_brings_a_case_in_monitoring_back_to_the_assessment(operator, supervisor):
    case = decided(register_case(operator), operator, supervisor, Decision.HANDOVER_LOCAL)
    case = case_accept_handover(case_id=case.pk, by=operator)
    assert case.state == State.MONITORING
    case_report_add(case_id=case.pk, intake=new_report(), by=operator)
    case.refresh_from_db()
    assert case.state == State.SAFETY_ASSESSMENT
    assert case.transitions.latest("pk").from_state == State.INTAKE
    assert case.reports.filter(assessment_completed_at=None).count() == 1


def test_a_converted_advice_counts_its_five_days_from_the_conversion(operator, clock):
    clock(dt.datetime(2026, 11, 24, 10, 0, tzinfo=TZ))
    case = register_case(operator, case_type=CaseType.ADVICE, people=[])
    clock(dt.datetime(2026, 11, 30, 10, 0, tzinfo=TZ))
    case = case_convert_to_report(case_id=case.pk, by=operator, conversion_reason="own_initiative")
    report = case.reports.get()
    assert report.received_at == dt.datetime(2026, 11, 30, 10, 0, tzinfo=TZ)
    assert report.assessment_due == dt.date(2026, 12, 7)
    assert case.assessment_due == dt.date(2026, 12, 7)
    assert report.contact == case.contacts.get()


def test_an_advice_contact_stays_a_contact_and_adds_no_report(operator, supervisor):
    case = decided(register_case(operator), operator, supervisor, Decision.ADVICE_CLOSE)
    intake = new_report(case_type=CaseType.ADVICE, violence_forms=[])
    case_report_add(case_id=case.pk, intake=intake, by=operator)
    case.refresh_from_db()
    assert case.state == State.CLOSED
    assert case.reports.count() == 1 and case.contacts.count() == 2
    entry = AccessLogEntry.objects.filter(target_id=str(case.pk), action="change").latest("seq")
    assert entry.reason == "contact_added"


def test_an_informant_adds_no_report(operator):
    case = register_case(operator)
    case_report_add(
        case_id=case.pk, intake=new_report(victim_contact(is_reporter=False)), by=operator
    )
    assert case.reports.count() == 1


def test_a_report_on_an_advice_case_makes_it_a_report(operator):
    case = register_case(operator, case_type=CaseType.ADVICE, people=[])
    case_report_add(case_id=case.pk, intake=new_report(), by=operator)
    case.refresh_from_db()
    assert case.case_type == CaseType.REPORT and case.reports.count() == 1


def test_the_new_report_joins_people_and_account_and_alerts_the_owner(operator):
    case = register_case(operator)
    intake = new_report(professional())
    intake.people = [{"role": "victim", "is_child": True, "name": "Mila"}]
    linked: list[int] = []
    contact = case_report_add(
        case_id=case.pk, intake=intake, by=operator, also=lambda c: linked.append(c.pk)
    )
    assert linked == [contact.pk]
    case.refresh_from_db()
    assert Person.objects.filter(case=case).count() == 3
    assert "Buren horen" in case.account and "opnieuw blauwe plekken" in case.account
    assert "physical_abuse" in case.violence_forms and "partner_violence" in case.violence_forms
    event = OutboxEvent.objects.filter(kind="case.changed").latest("pk")
    assert event.payload["action"] == "report_added"
    assert event.payload["assigned_to_id"] == operator.pk
    assert "Mila" not in str(event.payload) and "Ineke" not in str(event.payload)
    entry = AccessLogEntry.objects.filter(target_id=str(case.pk), action="change").latest("seq")
    assert entry.reason == "report_added"


def test_what_also_refuses_leaves_nothing_behind(operator):
    case = register_case(operator)

    def refuse(contact: Contact) -> None:
        raise RuntimeError("the call was already linked")

    with pytest.raises(RuntimeError):
        case_report_add(case_id=case.pk, intake=new_report(), by=operator, also=refuse)
    assert case.contacts.count() == 1 and case.reports.count() == 1


def test_a_stale_version_is_refused_and_nothing_saved(operator):
    case = register_case(operator)
    with pytest.raises(CaseChanged):
        case_report_add(
            case_id=case.pk, intake=new_report(), by=operator, expected_version=case.version + 1
        )
    assert case.contacts.count() == 1 and case.reports.count() == 1


# --- supervision counts reports ------------------------------------------------------------------


def test_a_case_with_two_late_open_reports_counts_two_overdue(operator, supervisor, clock):
    clock(dt.datetime(2026, 11, 2, 10, 0, tzinfo=TZ))
    case = register_case(operator)
    clock(dt.datetime(2026, 11, 3, 10, 0, tzinfo=TZ))
    case_report_add(case_id=case.pk, intake=new_report(), by=operator)
    today = dt.date(2026, 11, 20)
    summary = supervision.open_case_summary(user=supervisor, today=today)
    assert summary["overdue"] == 2 and summary["total"] == 1
    backlog = supervision.backlog(user=supervisor, today=today, days=3)
    assert [row["overdue"] for row in backlog] == [2, 2, 2]


# --- the data migration --------------------------------------------------------------------------


def test_the_data_migration_gives_every_report_case_its_report(operator, supervisor):
    migration = importlib.import_module("cases.migrations.0007_a_report_row_for_every_report")
    report_case = decided(
        register_case(operator, contact=professional()),
        operator,
        supervisor,
        Decision.INVESTIGATION,
    )
    advice = register_case(operator, case_type=CaseType.ADVICE, people=[])
    Report.objects.all().delete()  # as before reports had rows
    assert FeedbackTask.objects.get().report is None
    migration.reports_from_cases(apps, None)
    report = Report.objects.get()
    assert report.case == report_case
    assert report.contact == report_case.contacts.get()
    assert report.received_at == report_case.reported_at
    assert report.assessment_due == report_case.assessment_due
    assert report.assessment_completed_at == report_case.assessment_completed_at
    assert FeedbackTask.objects.get().report == report
    assert not advice.reports.exists()
    migration.reports_from_cases(apps, None)  # twice: still one
    assert Report.objects.count() == 1


# --- the case page -------------------------------------------------------------------------------


def contact_post(case: Case, **overrides: Any) -> dict[str, Any]:
    data = {
        "add-version": str(case.version),
        "add-is_report": "yes",
        "add-violence_forms": ["physical_abuse"],
        "add-account": "Opnieuw blauwe plekken gezien.",
        "contact-channel": "phone",
        "contact-role": "professional",
        "contact-language": "nl",
        "contact-name": "Juf Ineke",
        "contact-phone": "0612345678",
        "contact-email": "ineke@school.example",
        "contact-organisation": "Basisschool De Linde",
        "contact-profession": "education",
        "contact-is_reporter": "on",
        "people-TOTAL_FORMS": "3",
        "people-INITIAL_FORMS": "0",
        "people-MIN_NUM_FORMS": "0",
        "people-MAX_NUM_FORMS": "20",
    }
    data.update(overrides)
    return data


def test_the_case_page_shows_the_reports_and_the_link_to_add_one(operator_client, operator):
    case = register_case(operator)
    html = operator_client.get(f"/cases/{case.pk}/").content.decode()
    assert f"/cases/{case.pk}/contact/new/" in html
    assert "Contact of melding toevoegen" in html
    assert case.assessment_due.strftime("%-d-%-m-%Y") in html


def test_an_operator_adds_a_second_report_from_the_case_page(operator_client, operator):
    case = register_case(operator)
    assert operator_client.get(f"/cases/{case.pk}/contact/new/").status_code == 200
    response = operator_client.post(f"/cases/{case.pk}/contact/new/", contact_post(case))
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/"
    assert case.contacts.count() == 2 and case.reports.count() == 2
    assert case.contacts.last().role == ContactRole.PROFESSIONAL


def test_a_contact_without_a_role_is_refused_next_to_the_field_and_nothing_saved(
    operator_client, operator
):
    case = register_case(operator)
    response = operator_client.post(
        f"/cases/{case.pk}/contact/new/", contact_post(case, **{"contact-role": ""})
    )
    assert response.status_code == 400
    assert response.context["contact_form"].errors["role"]
    assert case.contacts.count() == 1 and case.reports.count() == 1


def test_another_teams_operator_is_refused_the_page_and_it_is_logged(
    operator_client, other_operator
):
    theirs = register_case(other_operator)
    response = operator_client.post(f"/cases/{theirs.pk}/contact/new/", contact_post(theirs))
    assert response.status_code == 403
    assert theirs.contacts.count() == 1
    refused = AccessLogEntry.objects.get(target_id=str(theirs.pk), allowed=False)
    assert refused.reason == "not need-to-know"
    assert operator_client.get(f"/cases/{theirs.pk}/contact/new/").status_code == 403


def test_a_stale_case_screen_gets_the_reload_message_and_nothing_saved(operator_client, operator):
    case = register_case(operator)
    stale = contact_post(case)
    case_report_add(case_id=case.pk, intake=new_report(), by=operator)  # someone else, meanwhile
    response = operator_client.post(f"/cases/{case.pk}/contact/new/", stale)
    assert response.status_code == 409
    assert "Het dossier is intussen gewijzigd. Laad de pagina opnieuw." in response.content.decode()
    assert case.contacts.count() == 2 and case.reports.count() == 2
