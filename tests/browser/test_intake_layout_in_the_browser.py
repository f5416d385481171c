"""The intake with the keyboard (issue 19, item 4): the forms of violence are one Tab stop
(arrows move, Space ticks), and "Persoon toevoegen" adds a row with the focus in it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cases.models import Case, Person
from tests.browser.conftest import save_screenshot
from tests.browser.test_intake_in_the_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def focused_name(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.name || ''")


def test_the_forms_of_violence_are_one_tab_stop_and_rows_are_added_from_the_keyboard(
    live_server, page, operator
):
    log_in(page, live_server.url, operator)
    page.goto(f"{live_server.url}/cases/new/")
    page.get_by_label("Slachtoffer", exact=True).check()
    page.get_by_label("Kun je nu veilig praten?").select_option("yes")
    page.get_by_label("Is de ander in de buurt?").select_option("no")
    page.get_by_label("Zijn er kinderen bij?").select_option("yes")
    page.get_by_label("Naam", exact=True).first.fill("Sanne")
    page.get_by_label("Telefoonnummer").fill("0612345678")
    page.get_by_label("Melding", exact=True).check()

    # Into the group with Tab from the acute box; one more Tab leaves it for the account.
    page.get_by_label("Acuut gevaar").focus()
    page.keyboard.press("Tab")
    assert focused_name(page) == "case-violence_forms"
    first = page.evaluate("document.activeElement.value")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    third = page.evaluate("document.activeElement.value")
    assert third != first
    expect(page.locator(f'input[name="case-violence_forms"][value="{third}"]')).to_be_checked()
    page.keyboard.press("Tab")
    assert focused_name(page) == "case-account"
    page.keyboard.type("Hij slaat haar als hij gedronken heeft.")

    page.get_by_label("Postcode").fill("2511 AB")
    page.get_by_label("Huisnummer").fill("12")
    rows = page.locator("[data-people-list] fieldset.person")
    expect(rows).to_have_count(1)
    first_row = page.get_by_role("group", name="Betrokkene 1")
    first_row.get_by_label("Rol").select_option("victim")
    first_row.get_by_label("Kind of volwassene").select_option("child")
    first_row.get_by_label("Naam").fill("Noor")
    # The button by keyboard: a second row, with the focus on its first field.
    page.get_by_role("button", name="Persoon toevoegen").focus()
    page.keyboard.press("Enter")
    expect(rows).to_have_count(2)
    assert focused_name(page) == "people-1-role"
    second = page.get_by_role("group", name="Betrokkene 2")
    second.get_by_label("Rol").select_option("suspected_perpetrator")
    second.get_by_label("Kind of volwassene").select_option("adult")
    second.get_by_label("Naam").fill("Kees")
    page.get_by_label("Veilig bellen vanaf (uu:mm)").fill("19:00")
    page.get_by_label("Veilig bellen tot (uu:mm)").fill("21:30")
    save_screenshot(page, "intake-people")
    page.get_by_role("button", name="Intake opslaan").click()
    page.wait_for_url(f"{live_server.url}/cases/*/")
    case = Case.objects.get()
    assert third in case.violence_forms
    assert sorted(Person.objects.filter(case=case).values_list("name", flat=True)) == [
        "Kees",
        "Noor",
    ]
