"""An operator completes the safety assessment during a call with the keyboard only."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cases.models import Case
from tests.browser.conftest import save_screenshot
from tests.conftest import PASSWORD, code_for
from tests.safety_assessment.conftest import register_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Section A, then B, in the order of the instrument file: True = Ja (Space),
# False = Nee (arrow to the next option), a number is typed. C is skipped: B is positive.
ANSWERS = [
    ("a_immediate_danger", False),
    ("a_child_disclosure", True),
    ("a_perpetrator_access", False),
    ("a_no_third_party", False),
    ("a_weapon", False),
    ("a_threat_to_kill", False),
    ("a_strangulation", False),
    ("a_injuries", True),
    ("b_repeated", True),
    ("b_escalation", False),
    ("b_help_failed", False),
    ("b_incidents_12m", 3),
]


def focused_name(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.name || ''")


def test_an_operator_completes_the_assessment_from_the_keyboard_and_sees_why(
    live_server, page, operator
):
    case = register_case(operator)
    assessment_url = f"/cases/{case.pk}/assessment/"
    page.goto(f"{live_server.url}/accounts/login/?next={assessment_url}")
    expect(page.get_by_label("Gebruikersnaam")).to_be_focused()
    page.keyboard.type(operator.username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/accounts/token/**")
    expect(page.get_by_label("Code uit je authenticator-app")).to_be_focused()
    page.keyboard.type(code_for(operator))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}{assessment_url}")

    # A few Tabs past the header reach question 1 of section A.
    for _ in range(12):
        page.keyboard.press("Tab")
        if focused_name(page) == "a_immediate_danger":
            break
    assert focused_name(page) == "a_immediate_danger"

    for name, answer in ANSWERS:
        assert focused_name(page) == name
        if answer is True:
            page.keyboard.press("Space")
        elif answer is False:
            page.keyboard.press("ArrowRight")
        else:
            page.keyboard.type(str(answer))
        page.keyboard.press("Tab")
        if name == "a_child_disclosure":
            # The protocol shows while answering, before anything is saved.
            expect(page.locator("#acute-preview")).to_be_visible()
    expect(page.get_by_role("radio", name="Ja").first).not_to_be_checked()
    expect(page.locator("#id_a_child_disclosure_0")).to_be_checked()
    expect(page.locator("#id_a_immediate_danger_1")).to_be_checked()
    save_screenshot(page, "assessment")

    # Tab on past section C (skippable now) and the judgement fields to the decide button.
    for _ in range(20):
        if page.evaluate("document.activeElement.value") == "decide":
            break
        page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Beoordeling vaststellen")).to_be_focused()
    page.keyboard.press("Enter")

    page.wait_for_url(f"**{assessment_url}#outcome-veilig-thuis")
    protocol = page.locator("#acute-protocol")
    expect(protocol).to_be_visible()
    expect(protocol).to_contain_text("112")
    expect(protocol).to_contain_text("tijdelijk huisverbod")
    outcome = page.locator("#outcome-veilig-thuis")
    expect(outcome).to_contain_text("Uitkomst: Acute onveiligheid.")
    expect(outcome).to_contain_text("onthulling door een kind")
    expect(outcome).to_contain_text("herhaald of aanhoudend geweld of verwaarlozing")
    expect(outcome).to_contain_text("incidenten in de afgelopen 12 maanden: 3")
    save_screenshot(page, "assessment-outcome")
    case = Case.objects.get(pk=case.pk)
    assert case.acute
    assert case.state == "decision"
