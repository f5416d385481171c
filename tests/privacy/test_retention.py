"""Retention: 15 years after closing, or until the youngest child turns 18 if later."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from cases.codes import PersonRole
from cases.models import Case, Contact, Person, State
from privacy.models import AccessLogEntry, Tombstone
from privacy.retention import add_years, retention_until
from tests.cases.factories import register_case, victim_contact
from tests.config.test_settings import SHOW_SETTINGS, run_python

MARKER = "MARKER-7513"
TODAY = timezone.localdate()


# --- the rule ------------------------------------------------------------------------------


def test_a_file_without_children_is_kept_15_years_after_closing():
    closed = datetime.date(2010, 5, 1)
    assert retention_until(closed_on=closed, youngest_child_birth_date=None) == datetime.date(
        2025, 5, 1
    )


def test_a_file_is_kept_until_the_youngest_child_turns_18_if_that_is_later():
    assert retention_until(
        closed_on=datetime.date(2010, 5, 1), youngest_child_birth_date=datetime.date(2009, 1, 2)
    ) == datetime.date(2027, 1, 2)


def test_a_child_who_turns_18_before_the_15_years_end_does_not_shorten_the_term():
    assert retention_until(
        closed_on=datetime.date(2010, 5, 1), youngest_child_birth_date=datetime.date(1999, 1, 2)
    ) == datetime.date(2025, 5, 1)


def test_the_term_is_a_setting(settings):
    settings.RETENTION_YEARS_AFTER_CLOSING = 20
    assert retention_until(
        closed_on=datetime.date(2010, 5, 1), youngest_child_birth_date=None
    ) == datetime.date(2030, 5, 1)
    assert retention_until(
        closed_on=datetime.date(2010, 5, 1),
        youngest_child_birth_date=None,
        years_after_closing=5,
    ) == datetime.date(2015, 5, 1)


def test_a_29_february_never_ends_a_day_early():
    assert add_years(datetime.date(2008, 2, 29), 15) == datetime.date(2023, 3, 1)
    assert add_years(datetime.date(2008, 2, 29), 16) == datetime.date(2024, 2, 29)


def test_the_default_term_is_15_years():
    from django.conf import settings

    assert settings.RETENTION_YEARS_AFTER_CLOSING == 15


def test_a_term_below_one_year_stops_startup_and_names_the_variable(tmp_path):
    result = run_python(
        SHOW_SETTINGS,
        {"DEV_SECRETS_FILE": str(tmp_path / "s.json"), "RETENTION_YEARS_AFTER_CLOSING": "0"},
    )
    assert result.returncode != 0
    assert "RETENTION_YEARS_AFTER_CLOSING must be at least 1" in result.stderr


# --- purge_expired ---------------------------------------------------------------------------


def child(born: datetime.date) -> dict:
    return {
        "role": PersonRole.VICTIM,
        "is_child": True,
        "name": f"Kind {MARKER}",
        "date_of_birth": born,
        "bsn": "111222333",
    }


def closed_case(by, *, years_ago: int, child_born: datetime.date | None = None) -> Case:
    people = [child(child_born)] if child_born else []
    case = register_case(
        by,
        account=f"Relaas {MARKER}",
        people=people,
        contact=victim_contact(name=f"Melder {MARKER}"),
    )
    closed_at = timezone.now() - datetime.timedelta(days=365 * years_ago + years_ago // 4 + 2)
    # A queryset update: the state field is protected against direct assignment.
    Case.objects.filter(pk=case.pk).update(state=State.CLOSED, closed_at=closed_at)
    case.refresh_from_db()
    return case


def purge(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("purge_expired", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_a_dry_run_lists_references_and_dates_and_destroys_nothing(operator):
    old = closed_case(operator, years_ago=16)
    out, _ = purge("--dry-run")
    assert old.reference in out
    assert str(timezone.localdate(old.closed_at)) in out
    assert "1 records would be destroyed" in out
    assert MARKER not in out
    assert Case.objects.filter(pk=old.pk).exists()
    assert not Tombstone.objects.exists()
    assert not AccessLogEntry.objects.filter(action="destroy").exists()


@pytest.mark.django_db
def test_it_destroys_expired_files_and_leaves_a_tombstone_without_personal_data(operator):
    old = closed_case(operator, years_ago=16, child_born=datetime.date(2000, 1, 1))
    contact_ids = list(old.contacts.values_list("pk", flat=True))
    out, _ = purge()
    assert "1 records destroyed" in out
    assert not Case.objects.filter(pk=old.pk).exists()
    assert not Contact.objects.filter(pk__in=contact_ids).exists()
    assert not Person.objects.filter(case_id=old.pk).exists()
    tombstone = Tombstone.objects.get()
    assert (tombstone.target_type, tombstone.target_id) == ("cases.case", str(old.pk))
    assert tombstone.reference == old.reference
    assert tombstone.closed_on == timezone.localdate(old.closed_at)
    assert tombstone.opened_on == timezone.localdate(old.reported_at)
    assert tombstone.reason == Tombstone.Reason.RETENTION_EXPIRED
    assert tombstone.destroyed_by_id is None
    logged = AccessLogEntry.objects.get(action="destroy")
    assert (logged.target_type, logged.target_id) == ("cases.case", str(old.pk))
    assert logged.role.startswith("beheer")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM privacy_tombstone")
        assert MARKER not in repr(cursor.fetchall())


@pytest.mark.django_db
def test_it_keeps_a_file_closed_less_than_15_years_ago(operator):
    recent = closed_case(operator, years_ago=14)
    out, _ = purge()
    assert "0 records destroyed" in out
    assert Case.objects.filter(pk=recent.pk).exists()


@pytest.mark.django_db
def test_it_keeps_a_file_until_the_youngest_child_turns_18(operator):
    young = add_years(TODAY, -10)
    kept = closed_case(operator, years_ago=16, child_born=young)
    purge()
    assert Case.objects.filter(pk=kept.pk).exists()


@pytest.mark.django_db
def test_it_never_destroys_an_open_file(operator):
    open_case = register_case(operator)
    Case.objects.filter(pk=open_case.pk).update(
        closed_at=timezone.now() - datetime.timedelta(days=20 * 366)
    )
    purge()
    assert Case.objects.filter(pk=open_case.pk).exists()


@pytest.mark.django_db
def test_an_unreadable_file_is_reported_and_kept_while_the_others_go(operator):
    unreadable = closed_case(operator, years_ago=16, child_born=datetime.date(2000, 1, 1))
    fine = closed_case(operator, years_ago=17)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reports_person SET date_of_birth = %s WHERE case_id = %s",
            ["gAAAAAbroken", unreadable.pk],
        )
    with pytest.raises(CommandError, match="1 expired records could not be destroyed"):
        out, err = StringIO(), StringIO()
        try:
            call_command("purge_expired", stdout=out, stderr=err)
        finally:
            assert f"cases.case {unreadable.pk}: not destroyed (DecryptionError)" in err.getvalue()
    assert Case.objects.filter(pk=unreadable.pk).exists()
    assert not Case.objects.filter(pk=fine.pk).exists()


# --- destruction on request ----------------------------------------------------------------


def destroy_url(case: Case) -> str:
    return reverse("privacy:destroy_on_request", args=["cases.case", case.pk])


@pytest.mark.django_db
def test_a_supervisor_destroys_an_unfounded_file_on_request_and_it_is_logged(
    supervisor_client, supervisor, operator
):
    case = closed_case(operator, years_ago=0)
    page = supervisor_client.get(destroy_url(case))
    assert page.status_code == 200
    assert case.reference in page.content.decode()
    assert MARKER not in page.content.decode()
    response = supervisor_client.post(destroy_url(case), {"reference": case.reference})
    assert response.status_code == 302
    assert not Case.objects.filter(pk=case.pk).exists()
    tombstone = Tombstone.objects.get()
    assert tombstone.reason == Tombstone.Reason.UNFOUNDED_ON_REQUEST
    assert tombstone.destroyed_by_id == supervisor.pk
    logged = AccessLogEntry.objects.get(action="destroy")
    assert (logged.actor_id, logged.target_id, logged.allowed) == (
        supervisor.pk,
        str(case.pk),
        True,
    )
    assert logged.ip_address == "127.0.0.1"


@pytest.mark.django_db
def test_a_wrong_reference_destroys_nothing_and_says_why(supervisor_client, operator):
    case = closed_case(operator, years_ago=0)
    response = supervisor_client.post(destroy_url(case), {"reference": "VT-0000-000000"})
    assert response.status_code == 400
    assert "Dit is niet het kenmerk van dit dossier." in response.content.decode()
    assert Case.objects.filter(pk=case.pk).exists()
    assert not Tombstone.objects.exists()


@pytest.mark.django_db
def test_an_open_file_cannot_be_destroyed_on_request(supervisor_client, operator):
    case = register_case(operator)
    response = supervisor_client.post(destroy_url(case), {"reference": case.reference})
    assert response.status_code == 400
    assert "Sluit het dossier eerst af" in response.content.decode()
    assert Case.objects.filter(pk=case.pk).exists()


@pytest.mark.django_db
def test_an_operator_is_refused_destruction_and_the_refusal_is_logged(operator_client, operator):
    case = closed_case(operator, years_ago=0)
    response = operator_client.post(destroy_url(case), {"reference": case.reference})
    assert response.status_code == 403
    assert Case.objects.filter(pk=case.pk).exists()
    refusal = AccessLogEntry.objects.get(allowed=False)
    assert (refusal.actor_id, refusal.target_id) == (operator.pk, "privacy:destroy_on_request")


@pytest.mark.django_db
def test_a_supervisor_of_another_region_gets_a_404(supervisor_client, supervisor, operator):
    case = closed_case(operator, years_ago=0)
    Case.objects.filter(pk=case.pk).update(region="elders")
    assert supervisor_client.get(destroy_url(case)).status_code == 404
    assert Case.objects.filter(pk=case.pk).exists()


@pytest.mark.django_db
def test_a_kind_of_record_without_a_policy_is_a_404(supervisor_client):
    response = supervisor_client.get(
        reverse("privacy:destroy_on_request", args=["accounts.team", 1])
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_a_file_another_app_still_holds_on_to_is_refused_whole_with_a_reason(
    supervisor_client, operator, monkeypatch
):
    from django.db.models import ProtectedError

    from privacy import retention

    case = closed_case(operator, years_ago=0)
    policy = retention.policy_for("cases.case")

    def blocked(record):
        raise ProtectedError("protected", {AccessLogEntry(seq=1)})

    monkeypatch.setitem(
        retention._policies,
        "cases.case",
        retention.RetentionPolicy(**{**policy.__dict__, "destroy": blocked}),
    )
    response = supervisor_client.post(destroy_url(case), {"reference": case.reference})
    assert response.status_code == 400
    assert "kan nu niet worden vernietigd" in response.content.decode()
    assert Case.objects.filter(pk=case.pk).exists()
    assert not Tombstone.objects.exists()
    (attempt,) = AccessLogEntry.objects.filter(action="destroy")
    assert (attempt.allowed, attempt.target_id) == (False, str(case.pk))
