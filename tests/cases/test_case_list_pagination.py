"""The case list pages through every open case with its total: it works, an odd page number
gives a page rather than an error, the wrong person is refused, and its queries do not grow
with the cases listed."""

from __future__ import annotations

import logging
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import roles
from cases.models import State
from cases.views import CASES_PER_PAGE
from privacy.models import AccessLogEntry
from tests.cases.factories import bulk_cases
from tests.conftest import log_in_fully, make_staff

pytestmark = pytest.mark.django_db


def references_on(page: str) -> set[str]:
    return set(re.findall(r"VT-T\d{7}", page))


def test_the_list_shows_the_total_and_pages_through_every_open_case(operator_client, operator):
    cases = bulk_cases(CASES_PER_PAGE + 10, by=operator)
    first = operator_client.get("/cases/").content.decode()
    assert f"{CASES_PER_PAGE + 10} open dossiers" in first
    assert "Pagina 1 van 2" in first
    assert 'href="?page=2"' in first
    second = operator_client.get("/cases/", {"page": 2}).content.decode()
    assert "Pagina 2 van 2" in second
    assert len(references_on(first)) == CASES_PER_PAGE
    assert references_on(first) | references_on(second) == {case.reference for case in cases}


def test_closed_cases_are_listed_under_their_phase_not_among_the_open_work(
    operator_client, operator
):
    open_case = bulk_cases(1, by=operator)[0]
    closed = bulk_cases(3, by=operator, state=State.CLOSED)
    work = operator_client.get("/cases/").content.decode()
    assert references_on(work) == {open_case.reference}
    assert "1 open dossier" in work
    archive = operator_client.get("/cases/", {"state": State.CLOSED}).content.decode()
    assert references_on(archive) == {case.reference for case in closed}
    assert "3 dossiers in deze fase" in archive


def test_the_page_links_keep_the_phase(operator_client, operator):
    bulk_cases(CASES_PER_PAGE + 1, by=operator, state=State.SAFETY_ASSESSMENT)
    page = operator_client.get("/cases/", {"state": State.SAFETY_ASSESSMENT}).content.decode()
    assert 'href="?state=safety_assessment&amp;page=2"' in page


@pytest.mark.parametrize("number", ["abc", "-1", "0", "1e9", "", "2; DROP TABLE"])
def test_a_page_number_that_is_not_a_page_gives_a_page_not_an_error(
    operator_client, operator, number
):
    bulk_cases(3, by=operator)
    response = operator_client.get("/cases/", {"page": number})
    assert response.status_code == 200
    assert len(references_on(response.content.decode())) == 3


def test_a_page_past_the_end_gives_the_last_page(operator_client, operator):
    bulk_cases(CASES_PER_PAGE + 2, by=operator)
    page = operator_client.get("/cases/", {"page": 99}).content.decode()
    assert "Pagina 2 van 2" in page
    assert len(references_on(page)) == 2


def test_the_total_and_the_page_links_are_in_english_for_an_english_reader(
    operator_client, operator
):
    bulk_cases(CASES_PER_PAGE + 1, by=operator)
    operator_client.post("/i18n/setlang/", {"language": "en", "next": "/cases/"})
    page = operator_client.get("/cases/").content.decode()
    assert f"{CASES_PER_PAGE + 1} open cases" in page
    assert "Page 1 of 2" in page
    assert ">Next<" in page and ">Last<" in page


def test_another_teams_cases_are_not_counted_or_listed(operator_client, other_operator):
    bulk_cases(5, by=other_operator)
    page = operator_client.get("/cases/").content.decode()
    assert "0 open dossiers" in page
    assert not references_on(page)


def test_staff_without_case_work_are_refused_the_list_and_it_is_logged(db, caplog):
    user = make_staff("nina", roles.OPERATOR)
    client = log_in_fully(Client(), user)
    user.groups.clear()
    bulk_cases(2, by=make_staff("olga", roles.OPERATOR))
    with caplog.at_level(logging.WARNING, logger="veiligthuis.security"):
        response = client.get("/cases/", {"page": 1})
    assert response.status_code == 403
    assert not references_on(response.content.decode())
    assert AccessLogEntry.objects.filter(actor_id=user.pk, allowed=False).exists()


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_list_reads_as_many_queries_for_50_cases_as_for_10(operator_client, operator):
    bulk_cases(10, by=operator)
    operator_client.get("/cases/")  # the session's first page reads a little more
    with_10 = queries_for(operator_client, "/cases/")
    bulk_cases(40, by=operator)
    bulk_cases(200, by=operator, state=State.CLOSED)
    assert queries_for(operator_client, "/cases/") == with_10
