"""Keyboard only: a failed submit moves focus to the error summary, and Tab and Enter from
there reach each field (the intake and /melden/ step 6, issue 19's "How we will know")."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import tab_to
from tests.browser.test_intake_in_the_browser import log_in
from tests.browser.test_melden_in_the_browser import online_settings  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def focused_id(page) -> str:
    return page.evaluate("document.activeElement?.id || ''")


def test_a_failed_intake_moves_focus_to_the_summary_whose_links_reach_the_fields(
    live_server, page, operator
):
    log_in(page, live_server.url, operator)
    page.goto(f"{live_server.url}/cases/new/")
    page.get_by_label("Slachtoffer", exact=True).focus()
    page.keyboard.press("Space")
    tab_to(page, "#id_contact-phone")
    page.keyboard.type("06-1234")
    tab_to(page, "[name=people-0-date_of_birth]")
    page.keyboard.type("01012031")
    # Enter in a field submits the intake (the form's default button).
    tab_to(page, "#id_contact-phone", backwards=True)
    page.keyboard.press("Enter")

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Dit is geen geldig telefoonnummer.")
    expect(summary).to_contain_text("Een geboortedatum ligt niet in de toekomst.")
    # Tab from the summary goes through its links; Enter on one lands in its field.
    page.keyboard.press("Tab")
    links = summary.get_by_role("link")
    for index in range(links.count()):
        href = links.nth(index).get_attribute("href")
        tab_to(page, f'[data-error-summary] a[href="{href}"]')
        page.keyboard.press("Enter")
        assert focused_id(page) == href.removeprefix("#")
        page.keyboard.press("Shift+Tab")
        tab_to(page, "[data-error-summary] a", backwards=True)
    phone = page.locator("#id_contact-phone")
    expect(phone).to_have_attribute("aria-invalid", "true")
    assert "id_contact-phone_error" in (phone.get_attribute("aria-describedby") or "")


def test_a_failed_last_step_of_melden_moves_focus_to_the_summary_and_its_link_reaches_the_box(
    live_server, page
):
    base = live_server.url
    fill_steps_one_to_five(page, base)
    tab_to(page, "button.primary")
    page.keyboard.press("Enter")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    page.keyboard.press("Tab")
    link = summary.get_by_role("link").first
    expect(link).to_be_focused()
    target = (link.get_attribute("href") or "").removeprefix("#")
    page.keyboard.press("Enter")
    assert focused_id(page) == target
    # Space ticks the box; Enter on the primary button sends the report.
    page.keyboard.press("Space")
    tab_to(page, "button.primary")
    page.keyboard.press("Enter")
    # (A redirect keeps the fragment of the page it came from: #id_truthful may follow.)
    page.wait_for_url(re.compile(re.escape(f"{base}/melden/ontvangen/")))


def fill_steps_one_to_five(page, base) -> None:
    """Steps 1 to 5 as the other browser tests fill them, up to the review (step 6)."""
    page.goto(f"{base}/melden/")
    page.get_by_role("link", name="Start de melding").click()
    page.get_by_role("group", name="Is er nu iemand in acuut gevaar?").get_by_label("Nee").check()
    page.get_by_label("Uw naam").fill("Marieke Jansen")
    page.get_by_label("Organisatie").fill("Basisschool De Regenboog")
    page.get_by_label("Beroepsgroep").select_option("education")
    page.get_by_label("Telefoonnummer").fill("070-3456789")
    page.get_by_label("E-mailadres").fill("m.jansen@regenboog.example.nl")
    page.get_by_role("button", name="Volgende").click()
    page.get_by_label("Signalen in kaart gebracht").check()
    page.get_by_role("group", name=re.compile("^1\\. Heb ik een vermoeden")).get_by_label(
        "Ja"
    ).check()
    page.get_by_role("group", name=re.compile("^2\\. Is er sprake")).get_by_label("Ja").check()
    page.get_by_role("button", name="Volgende").click()
    page.get_by_role("group", name=re.compile("Heeft u de cliënt")).get_by_label("Ja").check()
    page.get_by_role("button", name="Volgende").click()
    first = page.get_by_role("group", name="Persoon 1")
    first.get_by_label("Rol").select_option("victim")
    first.get_by_label("Kind of volwassene").select_option("child")
    first.get_by_label("Naam").fill("Daan Visser")
    page.get_by_label("Postcode").fill("2511 AB")
    page.get_by_label("Huisnummer").fill("12")
    page.get_by_label("Plaats").fill("Den Haag")
    page.get_by_label("Lichamelijke mishandeling").check()
    page.get_by_label(re.compile("Wat heeft u gezien")).fill("Blauwe plekken op de armen.")
    page.get_by_role("button", name="Volgende").click()
    page.get_by_label(re.compile("Ja, dat mag")).check()
    page.get_by_role("button", name="Volgende").click()
    expect(page.get_by_text("Stap 6 van 6")).to_be_visible()


def press_in(page, selector: str, *keys: str) -> None:
    """Tab to the element, then press the keys there (Space ticks, an arrow moves within a
    radio group or a closed select, as a keyboard user does)."""
    tab_to(page, selector)
    for key in keys:
        page.keyboard.press(key)


def type_in(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def test_an_operator_completes_an_intake_with_the_keyboard_only(live_server, page, operator):
    from cases.models import Case

    log_in(page, live_server.url, operator)
    page.goto(f"{live_server.url}/cases/new/")
    press_in(page, "#id_contact-role_0", "Space")  # Slachtoffer
    expect(page.locator("#id_contact-role_0")).to_be_checked()
    press_in(page, "#id_contact-safe_to_talk", "ArrowDown")  # Ja
    press_in(page, "#id_contact-other_person_nearby", "ArrowDown", "ArrowDown")  # Nee
    press_in(page, "#id_contact-children_present", "ArrowDown")  # Ja
    type_in(page, "#id_contact-name", "Sanne")
    type_in(page, "#id_contact-phone", "0612345678")
    # Advies is chosen; the arrow moves the choice to Melding.
    press_in(page, "#id_case-case_type_0", "ArrowDown")
    expect(page.locator("#id_case-case_type_1")).to_be_checked()
    press_in(page, "#id_case-violence_forms_0", "Space")
    type_in(page, "#id_case-account", "Hij slaat haar als hij drinkt.")
    # Shift+Tab goes back as well: the name field is still reachable from here.
    tab_to(page, "#id_contact-name", backwards=True)
    press_in(page, "button.primary[type=submit]", "Enter")
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get()
    assert case.case_type == "report"
    assert case.contacts.get().name == "Sanne"


def test_a_professional_files_an_online_report_with_the_keyboard_only(live_server, page):
    base = live_server.url
    page.goto(f"{base}/melden/")
    press_in(page, "a[href$='/melden/stap/1/']", "Enter")
    expect(page.get_by_text("Stap 1 van 6")).to_be_visible()
    press_in(page, "#id_acute_0", "ArrowDown")  # Nee
    expect(page.locator("#id_acute_1")).to_be_checked()
    type_in(page, "#id_name", "Marieke Jansen")
    type_in(page, "#id_organisation", "Basisschool De Regenboog")
    press_in(page, "#id_profession", "ArrowDown")
    type_in(page, "#id_phone", "070-3456789")
    type_in(page, "#id_email", "m.jansen@regenboog.example.nl")
    press_in(page, "button.primary", "Enter")

    expect(page.get_by_text("Stap 2 van 6")).to_be_visible()
    press_in(page, "#id_steps_0", "Space")
    press_in(page, "#id_afweging_suspicion_0", "Space")
    press_in(page, "#id_afweging_acute_or_structural_0", "Space")
    press_in(page, "button.primary", "Enter")

    expect(page.get_by_text("Stap 3 van 6")).to_be_visible()
    press_in(page, "#id_client_informed_0", "Space")
    press_in(page, "button.primary", "Enter")

    expect(page.get_by_text("Stap 4 van 6")).to_be_visible()
    press_in(page, "#id_people-0-role", "ArrowDown")
    press_in(page, "#id_people-0-is_child", "ArrowDown")
    type_in(page, "#id_people-0-name", "Daan Visser")
    type_in(page, "#id_postcode", "2511 AB")
    type_in(page, "#id_house_number", "12")
    type_in(page, "#id_city", "Den Haag")
    press_in(page, "#id_violence_forms_0", "Space")
    type_in(page, "#id_account", "Blauwe plekken op de armen.")
    press_in(page, "button.primary", "Enter")

    expect(page.get_by_text("Stap 5 van 6")).to_be_visible()
    press_in(page, "#id_anonymity_requested_0", "Space")
    press_in(page, "button.primary", "Enter")

    expect(page.get_by_text("Stap 6 van 6")).to_be_visible()
    press_in(page, "#id_truthful", "Space")
    press_in(page, "button.primary", "Enter")
    page.wait_for_url(re.compile(re.escape(f"{base}/melden/ontvangen/")))
    expect(page.locator("[data-reference]")).to_be_visible()
