"""A supervisor sees a record's access history; exports answer inspection requests."""

from __future__ import annotations

import csv
import io
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from privacy import registry
from privacy.access_log import access_record
from privacy.models import AccessLogEntry
from privacy.selectors import access_history


def history_url(target_type="cases.case", target_id=12) -> str:
    return reverse("privacy:access_history", args=[target_type, target_id])


def export_url(target_type="cases.case", target_id=12) -> str:
    return reverse("privacy:access_history_export", args=[target_type, target_id])


def log(actor, target_id=12, action="view", allowed=True, target_type="cases.case"):
    return access_record(
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        allowed=allowed,
        ip_address="192.0.2.9",
        on_behalf_of="Team Centrum",
    )


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# --- selector ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_access_history_lists_only_that_record_newest_first(operator):
    first = log(operator)
    log(operator, target_id=13)
    last = log(operator, action="change")
    assert list(access_history(target_type="cases.case", target_id=12)) == [last, first]


# --- the supervisor's page -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_supervisor_sees_who_did_what_when_from_where_and_whether_it_was_allowed(
    supervisor_client, operator
):
    log(operator)
    log(operator, allowed=False)
    response = supervisor_client.get(history_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "Toegangsgeschiedenis" in page
    # The role in words ("Medewerker"), not its code.
    for shown in ("olga", "Medewerker", "Team Centrum", "192.0.2.9", "bekeken", "geweigerd"):
        assert shown in page
    assert '<th scope="col">' in page


@pytest.mark.django_db
def test_looking_at_the_history_is_itself_logged(supervisor_client, supervisor):
    supervisor_client.get(history_url())
    entry = AccessLogEntry.objects.order_by("-seq").first()
    assert entry is not None
    assert (entry.actor_id, entry.action, entry.target_type, entry.target_id) == (
        supervisor.pk,
        "view",
        "cases.case",
        "12",
    )
    assert entry.reason == "toegangsgeschiedenis bekeken"


@pytest.mark.django_db
def test_an_operator_is_refused_the_history_and_the_refusal_is_logged(operator_client, operator):
    response = operator_client.get(history_url())
    assert response.status_code == 403
    refusal = AccessLogEntry.objects.get(allowed=False)
    assert refusal.actor_id == operator.pk
    assert refusal.target_id == "privacy:access_history"


@pytest.mark.django_db
def test_an_unknown_kind_of_record_is_a_404_and_nothing_is_logged_as_viewed(supervisor_client):
    before = AccessLogEntry.objects.count()
    assert supervisor_client.get(history_url("nothing.here")).status_code == 404
    assert supervisor_client.get("/privacy/access/cases.case/abc/").status_code == 404
    assert not AccessLogEntry.objects.filter(allowed=True).exclude(seq__lte=before).exists()


@pytest.mark.django_db
def test_the_history_refuses_post(supervisor_client):
    assert supervisor_client.post(history_url()).status_code == 405


# --- the supervisor's CSV download ---------------------------------------------------------


@pytest.mark.django_db
def test_a_supervisor_downloads_the_history_as_csv_and_the_export_is_logged(
    supervisor_client, supervisor, operator
):
    log(operator)
    log(operator, target_id=13)
    response = supervisor_client.get(export_url())
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response.content.decode())
    assert [(r["actor_username"], r["target_id"]) for r in rows] == [("olga", "12")]
    export = AccessLogEntry.objects.order_by("-seq").first()
    assert export is not None
    assert (export.action, export.actor_id, export.target_id) == ("export", supervisor.pk, "12")


@pytest.mark.django_db
def test_an_operator_is_refused_the_csv_and_nothing_is_exported(operator_client):
    assert operator_client.get(export_url()).status_code == 403
    assert not AccessLogEntry.objects.filter(action="export").exists()


# --- manage.py export_access_log -----------------------------------------------------------


def export(*args: str) -> tuple[list[dict[str, str]], str]:
    out, err = StringIO(), StringIO()
    call_command("export_access_log", *args, stdout=out, stderr=err)
    return read_csv(out.getvalue()), err.getvalue()


@pytest.mark.django_db
def test_it_exports_everything_one_member_of_staff_did(operator, other_operator):
    log(operator, target_id=1)
    log(other_operator, target_id=2)
    log(operator, target_id=3, allowed=False)
    rows, err = export("--actor", "olga")
    assert [(r["target_id"], r["allowed"]) for r in rows] == [("1", "True"), ("3", "False")]
    assert "2 access log rows exported" in err
    logged = AccessLogEntry.objects.get(action="export")
    assert (logged.target_type, logged.target_id) == ("accounts.user", "olga")
    assert logged.role.startswith("beheer")


@pytest.mark.django_db
def test_it_exports_several_records_and_logs_each_export(operator):
    log(operator, target_id=1)
    log(operator, target_id=2, target_type="cases.contact")
    log(operator, target_id=3)
    rows, _ = export(
        "--target", "cases.case:1", "--target", "cases.contact:2", "--on-behalf-of", "IV-14"
    )
    assert [(r["target_type"], r["target_id"]) for r in rows] == [
        ("cases.case", "1"),
        ("cases.contact", "2"),
    ]
    exports = AccessLogEntry.objects.filter(action="export").order_by("seq")
    assert [(e.target_type, e.target_id, e.on_behalf_of) for e in exports] == [
        ("cases.case", "1", "IV-14"),
        ("cases.contact", "2", "IV-14"),
    ]


@pytest.mark.django_db
def test_it_writes_to_a_file(operator, tmp_path):
    log(operator, target_id=1)
    path = tmp_path / "export.csv"
    call_command(
        "export_access_log", "--target", "cases.case:1", "--output", str(path), stderr=StringIO()
    )
    assert [r["target_id"] for r in read_csv(path.read_text())] == ["1"]


@pytest.mark.django_db
def test_a_cell_that_a_spreadsheet_would_run_as_a_formula_is_defused():
    access_record(
        actor=None, action="view", target_type="cases.case", target_id=1, reason="=HYPERLINK()"
    )
    rows, _ = export("--target", "cases.case:1")
    assert rows[0]["reason"] == "'=HYPERLINK()"


@pytest.fixture
def person_resolver():
    from privacy.blind_index import bsn_index, phone_index

    known = {
        bsn_index("111222333"): [("cases.case", 7)],
        phone_index("0612345678"): [("cases.contact", 8)],
    }

    def resolve(*, bsn_index: str, phone_index: str):
        return [*known.get(bsn_index, []), *known.get(phone_index, [])]

    registry.register_person_resolver(resolve)
    yield resolve
    registry.unregister_person_resolver(resolve)


@pytest.mark.django_db
def test_it_exports_every_record_about_a_person_found_by_bsn(operator, person_resolver):
    log(operator, target_id=7)
    log(operator, target_id=9)
    rows, _ = export("--person-bsn", "111.222.333")
    assert [r["target_id"] for r in rows] == ["7"]
    assert AccessLogEntry.objects.filter(action="export", target_id="7").exists()


@pytest.mark.django_db
def test_it_exports_every_record_about_a_person_found_by_phone(operator, person_resolver):
    log(operator, target_id=8, target_type="cases.contact")
    rows, _ = export("--person-phone", "+31 6 12345678")
    assert [(r["target_type"], r["target_id"]) for r in rows] == [("cases.contact", "8")]


@pytest.mark.django_db
def test_a_person_with_no_records_gets_an_empty_export(person_resolver):
    rows, err = export("--person-bsn", "123456782")
    assert rows == []
    assert "No records about this person" in err


@pytest.mark.django_db
def test_an_export_never_contains_its_own_log_rows(operator):
    log(operator, target_id=1)
    rows, _ = export("--target", "cases.case:1")
    assert [r["action"] for r in rows] == ["view"]


@pytest.mark.parametrize(
    "args,message",
    [
        ([], "Say what to export"),
        (["--target", "case12"], "is not TYPE:ID"),
        (["--target", "cases.case:1;drop"], "is not TYPE:ID"),
        (["--actor", "nobody"], "No member of staff"),
        (["--person-bsn", "123456789"], "11-test"),
        (["--person-phone", "hallo"], "not a phone number"),
    ],
)
@pytest.mark.django_db
def test_bad_input_is_refused_with_a_clear_error_and_nothing_is_logged(
    args, message, person_resolver
):
    with pytest.raises(CommandError, match=message):
        export(*args)
    assert not AccessLogEntry.objects.exists()


@pytest.mark.django_db
def test_a_person_lookup_without_any_registered_resolver_is_refused(monkeypatch):
    monkeypatch.setattr(registry, "_person_resolvers", [])
    with pytest.raises(CommandError, match="No app has registered"):
        export("--person-bsn", "111222333")
