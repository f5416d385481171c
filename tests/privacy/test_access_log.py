"""The access log: one hash-chained row per access, append-only, and verifiable."""

from __future__ import annotations

from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse

from accounts.devices import totp_device_model
from accounts.models import User
from privacy.access_log import GENESIS_HASH, access_record
from privacy.models import AccessLogEntry, AppendOnlyError
from tests.conftest import PASSWORD, log_in_fully


def write_log(count: int, actor=None) -> list[AccessLogEntry]:
    return [
        access_record(
            actor=actor,
            action="view",
            target_type="cases.case",
            target_id=i,
            ip_address="192.0.2.7",
        )
        for i in range(1, count + 1)
    ]


@contextmanager
def as_database_superuser():
    """What an attacker with superuser rights could do: switch the triggers off."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")
    else:
        from importlib import import_module

        sqlite_trigger = import_module("privacy.migrations.0004_sqlite_update_trigger")
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER privacy_access_log_no_update")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(sqlite_trigger.CREATE)


def raw(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def verify(*args: str) -> str:
    out = StringIO()
    call_command("verify_access_log", *args, stdout=out)
    return out.getvalue()


# --- writing -----------------------------------------------------------------------


@pytest.mark.django_db
def test_each_row_records_who_in_which_role_what_which_record_when_and_from_where(supervisor):
    entry = access_record(
        actor=supervisor,
        action="view",
        target_type="cases.case",
        target_id=42,
        ip_address="192.0.2.7",
        on_behalf_of="team Centrum",
    )
    entry.refresh_from_db()
    assert (entry.actor_id, entry.actor_username, entry.role) == (
        supervisor.pk,
        "sara",
        "supervisor",
    )
    assert (entry.action, entry.target_type, entry.target_id) == ("view", "cases.case", "42")
    assert (entry.ip_address, entry.on_behalf_of, entry.allowed) == (
        "192.0.2.7",
        "team Centrum",
        True,
    )
    assert entry.at is not None


@pytest.mark.django_db
def test_rows_are_chained_from_the_genesis_hash():
    first, second, third = write_log(3)
    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.entry_hash
    assert third.previous_hash == second.entry_hash
    assert all(e.entry_hash == e.compute_hash() for e in (first, second, third))


@pytest.mark.django_db
def test_an_ipv6_address_is_hashed_in_the_form_the_database_stores_it():
    access_record(
        actor=None, action="view", target_type="page", target_id="x", ip_address="2001:DB8:0::1"
    )
    assert "intact: 1 rows" in verify()


# --- append-only -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_orm_refuses_to_update_or_delete_rows():
    (entry,) = write_log(1)
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.update(allowed=False)
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    entry.allowed = False
    with pytest.raises(AppendOnlyError):
        entry.save()
    assert AccessLogEntry.objects.get().allowed is True


@pytest.mark.django_db
def test_the_database_refuses_to_update_or_delete_rows():
    write_log(1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw("UPDATE privacy_accesslogentry SET allowed = false")
    if connection.vendor == "postgresql":
        # SQLite keeps DELETE for the test runner's table flush (see migration 0004).
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            raw("DELETE FROM privacy_accesslogentry")
    assert AccessLogEntry.objects.get().allowed is True


@pytest.fixture
def superuser_client(db) -> Client:
    admin = User.objects.create_superuser("root", password=PASSWORD)
    totp_device_model().objects.create(user=admin, name="authenticator", confirmed=True)
    return log_in_fully(Client(), admin)


@pytest.mark.django_db
def test_the_admin_shows_the_log_read_only_even_to_a_superuser(superuser_client):
    (entry,) = write_log(1)
    listing = superuser_client.get(reverse("admin:privacy_accesslogentry_changelist"))
    assert listing.status_code == 200
    change_url = reverse("admin:privacy_accesslogentry_change", args=[entry.pk])
    page = superuser_client.get(change_url)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert superuser_client.post(change_url, {"allowed": ""}).status_code == 403
    assert (
        superuser_client.post(
            reverse("admin:privacy_accesslogentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert superuser_client.get(reverse("admin:privacy_accesslogentry_add")).status_code == 403
    assert AccessLogEntry.objects.get(pk=entry.pk).allowed is True


# --- verify_access_log ---------------------------------------------------------------------


@pytest.mark.django_db
def test_it_passes_an_intact_log_and_prints_the_head_hash():
    entries = write_log(5)
    out = verify("--batch-size", "2")
    assert "Access log intact: 5 rows" in out
    assert entries[-1].entry_hash in out


@pytest.mark.django_db
def test_it_passes_an_empty_log():
    assert "intact: 0 rows" in verify()


@pytest.mark.django_db
def test_it_reports_a_changed_row():
    entries = write_log(5)
    with as_database_superuser():
        raw(
            "UPDATE privacy_accesslogentry SET allowed = %s WHERE seq = %s",
            [False, entries[2].seq],
        )
    with pytest.raises(CommandError) as error:
        verify("--batch-size", "2")
    assert f"broken at seq {entries[2].seq} (changed)" in str(error.value)
    assert "2 rows before it are intact" in str(error.value)


@pytest.mark.django_db
def test_it_reports_a_changed_hash():
    entries = write_log(3)
    with as_database_superuser():
        raw(
            "UPDATE privacy_accesslogentry SET entry_hash = %s WHERE seq = %s",
            ["f" * 64, entries[1].seq],
        )
    with pytest.raises(CommandError, match=rf"broken at seq {entries[1].seq} \(changed\)"):
        verify()


@pytest.mark.django_db
def test_it_reports_a_row_removed_from_the_middle():
    entries = write_log(5)
    with as_database_superuser():
        raw("DELETE FROM privacy_accesslogentry WHERE seq = %s", [entries[2].seq])
    with pytest.raises(CommandError) as error:
        verify("--batch-size", "2")
    assert f"broken at seq {entries[3].seq} (removed)" in str(error.value)
    assert f"between seq {entries[1].seq} and seq {entries[3].seq}" in str(error.value)


@pytest.mark.django_db
def test_it_reports_the_first_row_removed():
    entries = write_log(3)
    with as_database_superuser():
        raw("DELETE FROM privacy_accesslogentry WHERE seq = %s", [entries[0].seq])
    with pytest.raises(CommandError, match=rf"broken at seq {entries[1].seq} \(removed\)"):
        verify()


@pytest.mark.django_db
def test_it_reports_two_rows_swapped_in_order():
    entries = write_log(5)
    second, third = entries[1].seq, entries[2].seq
    with as_database_superuser():
        raw("UPDATE privacy_accesslogentry SET seq = %s WHERE seq = %s", [-1, second])
        raw("UPDATE privacy_accesslogentry SET seq = %s WHERE seq = %s", [second, third])
        raw("UPDATE privacy_accesslogentry SET seq = %s WHERE seq = %s", [third, -1])
    with pytest.raises(CommandError) as error:
        verify()
    assert f"broken at seq {second} (reordered)" in str(error.value)
    assert f"written after row seq {third}" in str(error.value)


@pytest.mark.django_db
def test_it_refuses_a_batch_size_below_one():
    with pytest.raises(CommandError, match="--batch-size"):
        verify("--batch-size", "0")


@pytest.mark.django_db
def test_an_address_that_is_not_an_address_is_not_stored_and_the_row_still_verifies():
    entry = access_record(
        actor=None, action="view", target_type="page", target_id="x", ip_address="999.1.1.1"
    )
    assert entry.ip_address is None
    assert "intact: 1 rows" in verify()
