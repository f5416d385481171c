from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.navigation import role_home_url
from cases.models import Case
from tests.browser.conftest import save_screenshot
from tests.conftest import PASSWORD, code_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base_url: str, user) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill(user.username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Verder").click()
    page.get_by_label("Code uit je authenticator-app").fill(code_for(user))
    page.get_by_role("button", name="Inloggen").click()
    # The login lands on the role's own home (operators on the dashboard).
    page.wait_for_url(f"{base_url}{role_home_url(user)}")


def test_an_operator_registers_a_victims_call_with_the_right_fields_for_the_role(
    live_server, page, operator
):
    log_in(page, live_server.url, operator)
    page.goto(f"{live_server.url}/cases/new/")
    safety = page.get_by_role("group", name="Eerst: veiligheid")
    expect(safety).to_be_hidden()
    page.get_by_label("Slachtoffer", exact=True).check()
    expect(safety).to_be_visible()
    expect(page.get_by_role("group", name="Professional en meldcode")).to_be_hidden()
    page.get_by_label("Kun je nu veilig praten?").select_option("yes")
    page.get_by_label("Is de ander in de buurt?").select_option("no")
    page.get_by_label("Zijn er kinderen bij?").select_option("yes")
    page.get_by_label("Naam", exact=True).first.fill("Sanne")
    page.get_by_label("Telefoonnummer").fill("0612345678")
    page.get_by_label("Melding", exact=True).check()
    page.get_by_label("(Ex-)partnergeweld").check()
    page.get_by_label("Relaas: wat is er gebeurd?").fill("Hij slaat haar als hij drinkt.")
    save_screenshot(page, "intake")
    page.get_by_role("button", name="Intake opslaan").click()
    case = Case.objects.get()
    page.wait_for_url(f"{live_server.url}/cases/{case.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.reference)
    save_screenshot(page, "case")


def test_choosing_professional_shows_the_meldcode_questions(live_server, page, operator):
    log_in(page, live_server.url, operator)
    page.goto(f"{live_server.url}/cases/new/")
    page.get_by_label("Professional", exact=True).check()
    expect(page.get_by_role("group", name="Professional en meldcode")).to_be_visible()
    expect(page.get_by_role("group", name="Eerst: veiligheid")).to_be_hidden()
    expect(page.get_by_role("group", name="Terugbellen (alleen veilig)")).to_be_hidden()
