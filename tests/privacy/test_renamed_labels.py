"""The audit trail survives the app renames of December 2026: rows stored with the old
labels (`reports.case`, `routing.handover`) are the same records as `cases.case` and
`handover.handover` for history and export, and are never rewritten."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from privacy.access_log import access_record
from privacy.models import AccessLogEntry
from privacy.renamed_labels import current_target_type, target_type_and_old_names
from privacy.selectors import access_history, access_log_matching

pytestmark = pytest.mark.django_db


def test_an_old_label_names_the_same_record_as_the_new_one() -> None:
    assert current_target_type("reports.case") == "cases.case"
    assert current_target_type("routing.handover") == "handover.handover"
    assert current_target_type("reports.outgoingemail") == "outgoing_mail.outgoingemail"
    assert current_target_type("page") == "page"
    assert target_type_and_old_names("cases.case") == ["cases.case", "reports.case"]


def test_the_history_of_a_case_includes_the_rows_written_under_the_old_label() -> None:
    old = access_record(actor=None, action="view", target_type="reports.case", target_id=7)
    new = access_record(actor=None, action="view", target_type="cases.case", target_id=7)
    access_record(actor=None, action="view", target_type="cases.case", target_id=8)
    # Asked by either name, it is one record's history.
    assert list(access_history(target_type="cases.case", target_id=7)) == [new, old]
    assert list(access_history(target_type="reports.case", target_id=7)) == [new, old]


def test_an_export_for_a_case_includes_its_rows_under_the_old_label() -> None:
    old = access_record(actor=None, action="view", target_type="reports.case", target_id=7)
    new = access_record(actor=None, action="view", target_type="cases.case", target_id=7)
    assert list(access_log_matching(targets=[("cases.case", 7)])) == [old, new]


def test_rows_under_the_old_label_keep_their_label_and_the_chain_verifies() -> None:
    access_record(actor=None, action="view", target_type="reports.case", target_id=7)
    access_record(actor=None, action="view", target_type="cases.case", target_id=7)
    assert AccessLogEntry.objects.filter(target_type="reports.case").count() == 1
    call_command("verify_access_log")
