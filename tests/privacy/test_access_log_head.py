"""export_access_log_head: the chain head written outside the database, and the anchor."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction

from jobs.schedule import SCHEDULE
from privacy.access_log import access_record
from privacy.head import last_exported_head
from privacy.models import AccessLogAnchor, AccessLogEntry, AppendOnlyError
from tests.privacy.test_access_log import raw

pytestmark = pytest.mark.django_db


def write_row() -> AccessLogEntry:
    return access_record(actor=None, action="view", target_type="cases.case", target_id=1)


def test_each_export_appends_one_signed_line_with_the_newest_seq_and_hash(
    settings: Any, tmp_path: Path
) -> None:
    settings.ACCESS_LOG_HEAD_EXPORT = str(tmp_path / "head.jsonl")
    first = write_row()
    call_command("export_access_log_head", stdout=StringIO())
    second = write_row()
    call_command("export_access_log_head", stdout=StringIO())
    lines = [json.loads(line) for line in (tmp_path / "head.jsonl").read_text().splitlines()]
    assert [(line["seq"], line["entry_hash"]) for line in lines] == [
        (first.seq, first.entry_hash),
        (second.seq, second.entry_hash),
    ]
    assert {"key_id", "at", "mac_key_id", "mac"} <= set(lines[0])
    head = last_exported_head(tmp_path / "head.jsonl")
    assert head is not None and head.seq == second.seq


def test_without_a_destination_development_exports_nothing_and_says_so(settings: Any) -> None:
    settings.ACCESS_LOG_HEAD_EXPORT = ""
    err = StringIO()
    call_command("export_access_log_head", stdout=StringIO(), stderr=err)
    assert "not set" in err.getvalue()


def test_a_destination_in_a_missing_folder_is_an_error(settings: Any, tmp_path: Path) -> None:
    settings.ACCESS_LOG_HEAD_EXPORT = str(tmp_path / "nowhere" / "head.jsonl")
    with pytest.raises(CommandError, match="does not exist"):
        call_command("export_access_log_head", stdout=StringIO())


def test_syslog_that_cannot_be_reached_is_an_error_not_silence(
    settings: Any, monkeypatch: Any
) -> None:
    settings.ACCESS_LOG_HEAD_EXPORT = "syslog"
    monkeypatch.setattr("privacy.head.SYSLOG_ADDRESS", "/nonexistent/log-socket")
    with pytest.raises(CommandError, match="syslog is not reachable"):
        call_command("export_access_log_head", stdout=StringIO())


def test_the_worker_exports_the_head_every_five_minutes() -> None:
    assert any(
        job.command == "export_access_log_head" and job.cron == "*/5 * * * *" for job in SCHEDULE
    )


def test_the_first_keyed_row_writes_the_one_anchor_and_it_cannot_be_changed() -> None:
    write_row()
    write_row()
    anchor = AccessLogAnchor.objects.get()
    assert (anchor.seq, anchor.entry_hash) == (0, "0" * 64)
    with pytest.raises(AppendOnlyError):
        anchor.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw("UPDATE privacy_accessloganchor SET seq = 5")


def test_with_syslog_the_signed_line_goes_to_the_local_syslog_socket(
    settings: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    import socket

    address = str(tmp_path / "log")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(address)
    monkeypatch.setattr("privacy.head.SYSLOG_ADDRESS", address)
    settings.ACCESS_LOG_HEAD_EXPORT = "syslog"
    entry = write_row()
    try:
        call_command("export_access_log_head", stdout=StringIO())
        message = listener.recv(4096).decode()
    finally:
        listener.close()
    assert message.startswith("<38>veiligthuis-access-log-head: {")
    from privacy.head import parse_head

    assert parse_head(message).entry_hash == entry.entry_hash
