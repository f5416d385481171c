from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import save_screenshot
from tests.conftest import PASSWORD, code_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_supervisor_logs_in_with_password_and_code_using_only_the_keyboard(
    live_server, page, supervisor
):
    page.goto(f"{live_server.url}/accounts/login/")
    save_screenshot(page, "login")
    # The username field has focus on arrival; Tab moves through the form in order.
    expect(page.get_by_label("Gebruikersnaam")).to_be_focused()
    page.keyboard.type(supervisor.username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/accounts/token/**")
    expect(page.get_by_label("Code uit je authenticator-app")).to_be_focused()
    page.keyboard.type(code_for(supervisor))
    page.keyboard.press("Enter")
    # A team leader lands on the supervision page, marked in the navigation bar.
    page.wait_for_url(f"{live_server.url}/supervisor/")
    nav = page.get_by_role("navigation", name="Hoofdmenu")
    expect(nav.get_by_role("link", name="Supervisie")).to_have_attribute("aria-current", "page")
    nav.get_by_role("link", name="Medewerkers").click()
    page.wait_for_url(f"{live_server.url}/accounts/staff/")
    expect(nav.get_by_role("link", name="Medewerkers")).to_have_attribute("aria-current", "page")
    assert page.get_by_role("table").is_visible()
    save_screenshot(page, "staff")


def test_a_wrong_code_shows_the_error_next_to_the_field(live_server, page, operator):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill(operator.username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Verder").click()
    page.get_by_label("Code uit je authenticator-app").fill("12")
    page.get_by_role("button", name="Inloggen").click()
    error = page.locator("#id_token_error")
    # Backup codes (issue 20) are accepted at the same step, so the hint names both.
    assert (
        error.inner_text()
        == "Een code bestaat uit 6 cijfers. Een reservecode bestaat uit 16 tekens."
    )
    # Still on the code page; nothing of the staff area is reachable.
    page.goto(f"{live_server.url}/accounts/staff/")
    assert "/accounts/token/" in page.url
