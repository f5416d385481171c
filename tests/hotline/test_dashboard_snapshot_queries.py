"""The snapshot a dashboard starts from reads as many queries for 50 new online reports as
for 10, and never a DISTINCT over the case's columns (encrypted blobs among them)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.codes import Channel
from cases.models import State
from dashboard.views import NEW_REPORTS_SHOWN, dashboard_snapshot
from tests.cases.factories import bulk_cases

pytestmark = pytest.mark.django_db


def snapshot_queries(operator) -> tuple[dict, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        snapshot = dashboard_snapshot(user=operator)
    return snapshot, [query["sql"] for query in captured.captured_queries]


def test_the_snapshot_reads_as_many_queries_for_50_reports_as_for_10(operator):
    bulk_cases(10, by=operator, channel=Channel.ONLINE, acute=True)
    snapshot_queries(operator)
    _, with_10 = snapshot_queries(operator)
    bulk_cases(40, by=operator, channel=Channel.ONLINE, acute=True)
    bulk_cases(100, by=operator, channel=Channel.ONLINE, state=State.CLOSED)
    snapshot, with_50 = snapshot_queries(operator)
    assert len(with_50) == len(with_10)
    assert len(snapshot["reports"]) == NEW_REPORTS_SHOWN


def test_new_online_reports_are_each_listed_once_newest_first_without_distinct(operator):
    phone_only = bulk_cases(1, by=operator)[0]
    reports = bulk_cases(3, by=operator, channel=Channel.ONLINE)
    # A second online contact on one case must not list that case twice.
    from cases.models import Contact

    Contact.objects.create(case=reports[0], channel=Channel.ONLINE, role="victim")
    snapshot, queries = snapshot_queries(operator)
    listed = [report["reference"] for report in snapshot["reports"]]
    assert listed == [case.reference for case in reports]  # bulk_cases: newest first
    assert phone_only.reference not in listed
    assert not any("DISTINCT" in sql for sql in queries)
