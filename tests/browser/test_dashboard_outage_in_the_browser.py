"""An operator's dashboard says so when the server loses its database, without a reload.

The socket stays open while the database is gone (it needs only the channel layer), so
without more the page would go on saying "Live" while nothing can be taken or saved.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import save_screenshot
from tests.browser.test_dashboard_in_the_browser import log_in, server  # noqa: F401 (fixture)
from tests.faults.conftest import database_outage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The page asks every 5 s; the server gives its database check at most 2 s.
BANNER_WITHIN_MS = 15_000


def test_the_dashboard_shows_a_database_outage_and_what_still_works_without_a_reload(
    server,  # noqa: F811 (the fixture imported above)
    chromium,
    operator,
):
    context = chromium.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        log_in(page, server.url, operator)
        page.goto(f"{server.url}/hotline/")
        banner = page.locator("#outage")
        expect(page.locator("#connection")).to_have_text("Live")
        expect(banner).to_be_hidden()
        page.evaluate("window.stillTheSamePage = true")

        with database_outage():
            expect(banner).to_be_visible(timeout=BANNER_WITHIN_MS)
            expect(banner).to_contain_text("de server kan de database niet bereiken")
            # What the phone line still does: the fallback's emergency message.
            expect(banner).to_contain_text("De telefoonlijn antwoordt met de noodtekst")
            expect(banner).to_contain_text("112")
            # "Storing" while the socket holds; its own words once it drops and cannot
            # come back (admitting a socket needs the database): never "Live".
            expect(page.locator("#connection")).not_to_have_text("Live")
            save_screenshot(page, "dashboard-outage")

        expect(banner).to_be_hidden(timeout=BANNER_WITHIN_MS)
        expect(page.locator("#connection")).to_have_text("Live")
        expect(page.locator("#dash-message")).to_contain_text("De storing is voorbij")
        assert page.evaluate("window.stillTheSamePage") is True
    finally:
        context.close()
