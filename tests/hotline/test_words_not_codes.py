"""Words, not codes (issue 19, item 3): the main staff pages show region, state, step,
destination, role and radar names as words, dates in the reader's language in the Dutch
order and times on a 24-hour clock, in Dutch and in English.

Lives beside the hotline tests for their `twilio` fixture (a call taken from the queue)."""

from __future__ import annotations

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.codes import Decision
from cases.models import CaseTransition
from cases.services import case_link, case_transition
from handover.models import Handover
from hotline import services
from tests.cases.factories import register_case
from tests.conftest import log_in_fully
from tests.handover.conftest import decided_case, handed_over

# Codes the issue found on screen, and their neighbours: none may reach a page's text.
CODES = (
    "haaglanden",
    "local_field",
    "complete_assessment",
    "start_assessment",
    "register",
    "safety_assessment",
    "handover_local",
    "suspected_perpetrator",
    "partner_violence",
    "date_of_birth",
    "operator/supervisor",
    "supervisor",
    "bystander",
)


class _VisibleText(HTMLParser):
    """The text a reader sees: no tags, attributes, scripts or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(response) -> str:
    assert response.status_code == 200, response.status_code
    parser = _VisibleText()
    parser.feed(response.content.decode())
    return " ".join(" ".join(parser.parts).split())


def assert_no_codes(text: str) -> None:
    found = [code for code in CODES if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text)]
    assert found == [], f"codes on the page: {found}"


@pytest.fixture
def handed_over_case(operator, supervisor):
    """A case through intake, assessment and decision to a handover the rules chose (the
    rule `local_field`), linked to an earlier case by the radar."""
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    # No answers beyond the decision: only the fallback rule applies.
    handed_over(case, operator, answers={})
    earlier = register_case(operator)
    case_link(case=case, other=earlier, matched_on="address", by=operator)
    return case


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.django_db
def test_the_case_page_and_its_history_say_steps_and_states_in_words(
    operator, supervisor, handed_over_case, language
):
    client = log_in_fully(Client(), supervisor)
    client.cookies["django_language"] = language
    text = visible_text(client.get(reverse("cases:case_detail", args=[handed_over_case.pk])))
    assert_no_codes(text)
    if language == "nl":
        assert "Geregistreerd · Intake" in text
        assert "Veiligheidsbeoordeling gestart · Intake → Veiligheidsbeoordeling" in text
        assert "Veiligheidsbeoordeling afgerond · Veiligheidsbeoordeling → Besluit" in text
        assert "Besluit genomen" in text
    else:
        assert "Safety assessment completed" in text
    # The dates of the history: the day before the month, a 24-hour clock.
    first_step = CaseTransition.objects.filter(case=handed_over_case).first()
    assert first_step is not None
    at = timezone.localtime(first_step.at)
    assert f"{at.day}-{at.month}-{at.year} {at:%H:%M}" in text
    assert not re.search(r"\b[ap]\.?m\.?\b", text, re.IGNORECASE)


@pytest.mark.django_db
def test_the_radar_on_the_case_page_says_what_matched_in_words(operator, handed_over_case):
    client = log_in_fully(Client(), operator)
    response = client.get(reverse("cases:case_detail", args=[handed_over_case.pk]))
    text = visible_text(response)
    assert "zelfde adres" in text
    assert "zelfde address" not in text


@pytest.mark.django_db
def test_the_handover_page_gives_the_rules_reason_instead_of_its_id(operator, handed_over_case):
    handover = Handover.objects.get(case=handed_over_case)
    assert handover.rule_id == "local_field"
    client = log_in_fully(Client(), operator)
    text = visible_text(client.get(reverse("handover:case_handover", args=[handed_over_case.pk])))
    assert_no_codes(text)
    assert "Overdracht aan het lokale veld met de veiligheidsvoorwaarden: het CJG." in text


@pytest.mark.django_db
def test_the_supervisor_page_names_the_last_step_of_an_acute_case_in_words(
    operator, supervisor_client
):
    acute = register_case(operator, acute=True)
    case_transition(case_id=acute.pk, name="start_assessment", by=operator, expected_version=None)
    text = visible_text(supervisor_client.get(reverse("supervision:overview")))
    assert_no_codes(text)
    assert "laatste stap Veiligheidsbeoordeling gestart" in text


@pytest.mark.django_db
def test_the_dashboard_has_every_region_and_role_in_words_for_its_script(operator_client):
    response = operator_client.get(reverse("dashboard:dashboard"))
    assert_no_codes(visible_text(response))
    strings = response.context["strings"]
    assert strings["regions"]["haaglanden"] == "Haaglanden"
    assert strings["regions"]["amsterdam-amstelland"] == "Amsterdam-Amstelland"
    assert strings["roles"]["bystander"] == "omstander"
    assert strings["time_zone"] == "Europe/Amsterdam"


@pytest.mark.django_db
def test_the_intake_of_a_call_names_the_callers_region(twilio, operator, operator_client):
    call = services.call_take(call=twilio.queued_call(role_key="2"), operator=operator)
    assert call.region == "haaglanden"
    text = visible_text(operator_client.get(reverse("hotline:call_intake", args=[call.pk])))
    assert "Haaglanden" in text
    assert_no_codes(text)


@pytest.mark.django_db
def test_the_access_history_names_the_role_in_words(
    supervisor, supervisor_client, handed_over_case
):
    # Opening the case logs an access with the supervisor's role.
    supervisor_client.get(reverse("cases:case_detail", args=[handed_over_case.pk]))
    url = reverse("privacy:access_history", args=["cases.case", handed_over_case.pk])
    text = visible_text(supervisor_client.get(url))
    # The role column in words; the reason column is the audit's own record (what the
    # action was, as the log wrote it), not a screen's label.
    assert "sara Teamleider" in text
    assert "olga Medewerker" in text
    assert not re.search(r"\b(operator|supervisor)\b", text)


@pytest.mark.django_db
def test_english_dates_keep_the_dutch_order_and_a_24_hour_clock(supervisor_client, supervisor):
    from django.utils import formats, translation

    moment = datetime.datetime(2026, 12, 8, 22, 5)
    with translation.override("en"):
        assert formats.date_format(moment) == "8 December 2026"
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == "8-12-2026 22:05"
        assert formats.time_format(moment.time()) == "22:05"
    with translation.override("nl"):
        assert formats.date_format(moment) == "8 december 2026"
