"""An operator pages through the case list in Chromium with the keyboard alone: the total is
shown, Tab reaches "Volgende", Enter opens the next page, and every open case is on one of
the pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from cases.views import CASES_PER_PAGE

# The Daphne server of the dashboard test, imported rather than copied.
from tests.browser.test_dashboard_in_the_browser import log_in, server  # noqa: F401
from tests.cases.factories import bulk_cases

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def references(page) -> set[str]:
    return set(re.findall(r"VT-T\d{7}", page.locator("table.table tbody").inner_text()))


def test_an_operator_pages_through_every_open_case_with_the_keyboard(
    server,  # noqa: F811
    page,
    operator,
):
    cases = bulk_cases(CASES_PER_PAGE + 5, by=operator)
    page.set_default_timeout(10_000)
    log_in(page, server.url, operator)
    page.goto(f"{server.url}/cases/")
    expect(page.get_by_role("status")).to_contain_text(f"{CASES_PER_PAGE + 5} open dossiers")
    expect(page.get_by_text("Pagina 1 van 2")).to_be_visible()
    first = references(page)
    assert len(first) == CASES_PER_PAGE

    next_link = page.get_by_role("navigation", name="Pagina\u2019s").get_by_role(
        "link", name="Volgende"
    )
    # Tab from the last case in the table to the page links, as a keyboard user would.
    page.locator("table.table tbody a").last.focus()
    for _ in range(5):
        page.keyboard.press("Tab")
        if next_link.evaluate("link => link === document.activeElement"):
            break
    expect(next_link).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server.url}/cases/?page=2")
    expect(page.get_by_text("Pagina 2 van 2")).to_be_visible()
    assert first | references(page) == {case.reference for case in cases}
