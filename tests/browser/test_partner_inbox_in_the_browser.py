from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cases.codes import Decision
from handover.models import Handover
from tests.browser.conftest import save_screenshot
from tests.browser.test_intake_in_the_browser import log_in
from tests.handover.conftest import decided_case, handed_over, make_partner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_partner_accepts_a_handover_from_the_inbox_using_only_the_keyboard(
    live_server, page, operator, supervisor
):
    partner = make_partner("petra", "cjg-den-haag")
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    handover = handed_over(case, operator, "cjg-den-haag")
    other = decided_case(operator, supervisor, Decision.HANDOVER_JBW)
    handed_over(other, operator, "jeugdbescherming-west", answers={"measure_in_force": True})

    # A partner's login lands on their organisation's inbox.
    log_in(page, live_server.url, partner)
    assert page.url == f"{live_server.url}/partner/"
    expect(page.get_by_role("heading", name="Overdrachten")).to_be_visible()
    expect(page.get_by_role("link", name=case.reference)).to_be_visible()
    # Another organisation's handover is not in this inbox.
    expect(page.get_by_role("link", name=other.reference)).to_have_count(0)
    save_screenshot(page, "partner_inbox")

    page.get_by_role("link", name=case.reference).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Geen geweld in het bijzijn van de kinderen")).to_be_visible()
    page.get_by_role("button", name="Overdracht weigeren").click()
    expect(page.locator("#id_reason_error")).to_have_text("Geef de reden van de weigering.")
    page.get_by_role("button", name="Overdracht accepteren").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Overdracht geaccepteerd.")).to_be_visible()
    handover.refresh_from_db()
    assert handover.status == Handover.Status.ACCEPTED
