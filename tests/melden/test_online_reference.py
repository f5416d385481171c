"""The reference number works: staff find an online report by the reference the
professional quotes, within need-to-know, and its case page shows the Meldcode record."""

from __future__ import annotations

import pytest
from django.test import Client

from cases.models import Case
from tests.conftest import log_in_fully
from tests.melden.helpers import anonymity, file_report, situation

pytestmark = pytest.mark.django_db


@pytest.fixture
def online_team(settings, operator):
    settings.ONLINE_REPORTS_TEAM = operator.team.name


def test_an_operator_of_the_online_team_finds_the_report_by_its_reference(
    online_team, operator_client
):
    file_report()
    case = Case.objects.get()
    page = operator_client.get("/cases/", {"q": f"  {case.reference.lower()} "}).content.decode()
    assert f'href="/cases/{case.pk}/"' in page
    assert case.reference in page


def test_the_reference_search_stays_within_need_to_know(online_team, other_operator):
    file_report()
    case = Case.objects.get()
    other = log_in_fully(Client(), other_operator)
    page = other.get("/cases/", {"q": case.reference}).content.decode()
    assert f'href="/cases/{case.pk}/"' not in page
    assert "Geen dossier met dit kenmerk binnen jouw toegang" in page


def test_without_an_online_team_the_regions_operators_and_supervisors_see_new_reports(
    operator_client, supervisor_client
):
    file_report()
    case = Case.objects.get()
    assert case.team is None and case.created_by is None
    assert case.reference in operator_client.get("/cases/").content.decode()
    assert (
        case.reference in supervisor_client.get("/cases/", {"q": case.reference}).content.decode()
    )


def test_an_unknown_reference_finds_nothing(operator_client):
    page = operator_client.get("/cases/", {"q": "VT-1999-000001"}).content.decode()
    assert "Geen dossier met dit kenmerk" in page


def test_the_case_page_shows_the_meldcode_record_with_every_text_escaped(
    online_team, operator_client
):
    file_report(
        s4=situation(account='<script>alert("x")</script><b>vet</b>'),
        s5=anonymity(
            anonymity_requested="yes",
            anonymity_ground="danger_reporter",
            anonymity_explanation="<img src=x onerror=alert(1)>",
        ),
    )
    case = Case.objects.get()
    page = operator_client.get(f"/cases/{case.pk}/").content.decode()
    assert "Meldcode van de professional" in page
    assert "Ikzelf of een collega kom(t) in gevaar" in page
    assert "Signalen in kaart gebracht" in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;vet&lt;/b&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<script>alert" not in page and "<b>vet</b>" not in page
