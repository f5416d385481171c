"""The supervisor's screen reads as many queries for 50 open cases as for 10, whatever the
archive holds: each list is one query, the counts one aggregate, the calls one read."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import State
from tests.cases.factories import bulk_cases
from tests.supervision.conftest import queued_call

pytestmark = pytest.mark.django_db


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_screen_reads_as_many_queries_for_50_cases_as_for_10(supervisor_client, operator):
    bulk_cases(10, by=operator, acute=True)
    queued_call(waited=5)
    supervisor_client.get("/supervisor/")  # the session's first page reads a little more
    with_10 = queries_for(supervisor_client, "/supervisor/")
    bulk_cases(40, by=operator, acute=True)
    bulk_cases(100, by=operator, state=State.CLOSED)
    for waited in (3, 30, 60):
        queued_call(waited=waited)
    assert queries_for(supervisor_client, "/supervisor/") == with_10


def test_the_calls_of_the_last_days_are_read_once(supervisor_client):
    queued_call(waited=5)
    supervisor_client.get("/supervisor/")
    with CaptureQueriesContext(connection) as captured:
        supervisor_client.get("/supervisor/")
    call_reads = [
        query["sql"]
        for query in captured.captured_queries
        if 'FROM "hotline_call"' in query["sql"] and '"enqueued_at" >=' in query["sql"]
    ]
    assert len(call_reads) == 1
