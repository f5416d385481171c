"""A database made by main of 2026-12-01 migrates forward without losing a row.

The fixture (fixtures/main-2026-12-01.*, made by make_forward_fixture.py) is loaded into
a scratch database of its own - never pytest-django's test database - and the checked-out
code's `manage.py migrate` runs on it in a subprocess. Then, read with plain SQL:

* every table of the manifest still exists (under the same name: the app moves keep
  db_table) with the same rows: count, a checksum over all rows and one per column, in
  primary-key order; columns added since are not compared;
* every permission a group held is still granted, compared on (group, codename) and the
  model's name, since the app label may change (reports -> cases/melden/outgoing_mail,
  routing -> handover); every content type's model still exists under some label;
* the access log's rows and hashes are unchanged, and `manage.py verify_access_log`
  of the migrated code finds the chain intact.

SQLite always runs; PostgreSQL runs when DATABASE_URL points at a PostgreSQL server.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.migrations import snapshot

# Where the models of an app went; a model may also have gone to another app (OnlineReport-
# Draft and FeedbackLetter to melden, OutgoingEmail to outgoing_mail), so this only names
# the expected label in messages, the comparison itself ignores labels.
RENAMED_APP_LABELS = {"reports": "cases", "routing": "handover"}

# {table: {column, ...}} whose values a migration is meant to rewrite. Each entry needs a
# reason next to it; nothing is meant to change today.
EXPECTED_COLUMN_CHANGES: dict[str, set[str]] = {}

# {table: reason} where migrating adds rows after the fixture's own (higher keys), which
# must stay as they were.
EXPECTED_ADDED_ROWS: dict[str, str] = {
    # accounts.roles.sync_role_groups after migrate: the groups of the protocol's decision
    # makers, gedragswetenschapper and vertrouwensarts (issue 16).
    "auth_group": "new role groups",
}

# {table: table} whose rows a migration is meant to move, each with its reason.
EXPECTED_MOVED_ROWS: dict[str, str] = {
    # privacy 0005: TOTP secrets were plain text; every device is copied into a table with
    # an encrypted key column and the plain row deleted (tests/security/test_staff_accounts).
    "otp_totp_totpdevice": "privacy_stafftotpdevice",
}

VENDORS = ["sqlite"]
if snapshot.is_postgres_url(os.environ.get("DATABASE_URL", "")):
    VENDORS.append("postgresql")


@pytest.fixture(params=VENDORS)
def migrated(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """(vendor, open DB-API connection) of the fixture migrated by the checked-out code."""
    vendor = request.param
    dump = snapshot.dump_path(vendor)
    if vendor == "sqlite":
        path = tmp_path / "forward.sqlite3"
        snapshot.sqlite_load(path, dump)
        snapshot.manage(f"sqlite:///{path}", "migrate", "--noinput")
        snapshot.manage(f"sqlite:///{path}", "verify_access_log")
        conn = sqlite3.connect(path)
        try:
            yield vendor, conn
        finally:
            conn.close()
        return
    server = os.environ["DATABASE_URL"]
    name = f"migrate_forward_{uuid.uuid4().hex[:12]}"
    url = snapshot.postgres_url(server, name)
    snapshot.postgres_admin(server, f'CREATE DATABASE "{name}"')
    try:
        snapshot.postgres_load(url, dump)
        snapshot.manage(url, "migrate", "--noinput")
        snapshot.manage(url, "verify_access_log")
        with snapshot.connect(vendor, url) as conn:
            yield vendor, conn
    finally:
        snapshot.postgres_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def table_differences(vendor: str, conn: Any, before: dict[str, Any]) -> list[str]:
    problems = []
    present = set(snapshot.tables(vendor, conn))
    for table, expected in sorted(before["tables"].items()):
        if table in EXPECTED_MOVED_ROWS:
            target = EXPECTED_MOVED_ROWS[table]
            left = snapshot.rows(vendor, conn, table, [], expected["primary_key"])
            # Everything but the new id and the (now encrypted) key moves unchanged.
            kept = sorted(set(expected["columns"]) - {"id", "key"})
            moved = snapshot.rows(vendor, conn, target, kept, ["id"])
            if left or len(moved) != expected["rows"]:
                problems.append(
                    f"{table}: {len(left)} rows left and {len(moved)} in {target}, "
                    f"expected 0 and {expected['rows']}"
                )
                continue
            _whole, per_column = snapshot.table_checksums(moved, kept)
            changed = [c for c in kept if per_column[c] != expected["columns"][c]]
            if changed:
                problems.append(f"{table} -> {target}: values changed in {', '.join(changed)}")
            continue
        if table not in present:
            problems.append(f"{table}: gone ({expected['rows']} rows)")
            continue
        columns, key = snapshot.columns_and_key(vendor, conn, table)
        missing = sorted(set(expected["columns"]) - set(columns))
        if missing:
            problems.append(f"{table}: columns gone: {', '.join(missing)}")
            continue
        compared = sorted(set(expected["columns"]) - EXPECTED_COLUMN_CHANGES.get(table, set()))
        content = snapshot.rows(vendor, conn, table, compared, key or expected["primary_key"])
        if table in EXPECTED_ADDED_ROWS:
            content = content[: expected["rows"]]
        if len(content) != expected["rows"]:
            problems.append(f"{table}: {len(content)} rows, was {expected['rows']}")
            continue
        whole, per_column = snapshot.table_checksums(content, compared)
        if compared == sorted(expected["columns"]) and whole != expected["checksum"]:
            problems.append(f"{table}: row checksum changed")
        changed = [c for c in compared if per_column[c] != expected["columns"][c]]
        if changed:
            problems.append(f"{table}: values changed in {', '.join(changed)}")
    return problems


def permission_differences(conn: Any, before: dict[str, Any]) -> list[str]:
    granted: dict[tuple[str, str], set[str]] = {}
    for group, label_codename, model in snapshot.permissions(conn):
        granted.setdefault((group, label_codename.split(".", 1)[1]), set()).add(model)
    problems = []
    for group, label_codename, model in before["permissions"]:
        label, codename = label_codename.split(".", 1)
        models = granted.get((group, codename), set())
        if model not in models:
            problems.append(
                f"group {group!r} lost {label_codename} on {model} "
                f"(expected as {RENAMED_APP_LABELS.get(label, label)}.{codename} or under "
                f"the model's new app; it has {codename} on {sorted(models) or 'nothing'})"
            )
    models_now = {model for _label, model in snapshot.content_types(conn)}
    for label, model in before["content_types"]:
        if model not in models_now:
            problems.append(
                f"content type {label}.{model} is gone "
                f"(expected as {RENAMED_APP_LABELS.get(label, label)}.{model} or elsewhere)"
            )
    return problems


def test_a_database_made_by_the_main_of_2026_12_01_migrates_forward_without_losing_a_row(
    migrated: tuple[str, Any],
) -> None:
    vendor, conn = migrated
    before = json.loads(snapshot.MANIFEST.read_text())[vendor]

    assert table_differences(vendor, conn, before) == []
    assert permission_differences(conn, before) == []
    assert snapshot.access_log(conn) == before["access_log"]
