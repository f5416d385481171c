"""A supervisor works /supervisor/ in Chromium, served by a real Daphne on Redis: the
overdue case is on top, a decision is approved, a case is reassigned, and the live
figures move when an operator answers a simulated call."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import SafetyActionKind
from cases.services import case_safety_action_record
from tests.browser.conftest import save_screenshot

# The Daphne server of the dashboard test, imported rather than copied.
from tests.browser.test_dashboard_in_the_browser import log_in, server  # noqa: F401
from tests.safety_assessment.conftest import register_case as case_in_assessment
from tests.safety_assessment.test_services import decide, propose
from tests.supervision.conftest import case_due

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_supervisor_sees_the_overdue_case_first_approves_reassigns_and_watches_calls(
    server,  # noqa: F811
    chromium,
    operator,
    other_operator,
    supervisor,
):
    case_due(operator, days_ago=-6)
    overdue = case_due(operator, days_ago=9, acute=True)
    # Its first safety action is recorded, so it runs on working days again (the acute path:
    # without one it would show its hour clock instead).
    case_safety_action_record(
        case_id=overdue.pk, by=operator, kind=SafetyActionKind.POLICE, happened_at=timezone.now()
    )
    to_decide = case_in_assessment(operator)
    decide(to_decide, operator, b_repeated=True)
    proposal = propose(to_decide, operator)

    contexts = [
        chromium.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
        for _ in range(2)
    ]
    try:
        page, desk = (context.new_page() for context in contexts)
        for p in (page, desk):
            p.set_default_timeout(10_000)
        # A team leader's login lands on the supervision page itself.
        log_in(page, server.url, supervisor)
        assert page.url == f"{server.url}/supervisor/"

        # The overdue case comes first, with how late it is.
        first = page.locator("#open-cases tbody tr").first
        expect(first).to_have_attribute("data-reference", overdue.reference)
        expect(first).to_contain_text("werkdagen te laat")

        # Live figures: nobody waiting, nothing offered yet today.
        expect(page.locator("#live-connection")).to_have_text("Live")
        figure = lambda name: page.locator(f'#live [data-figure="{name}"]')  # noqa: E731
        expect(figure("waiting")).to_have_text("0")
        expect(figure("service_level_text")).to_have_text("\u2013")

        # A caller joins the queue: the waiting count moves without a reload.
        page.evaluate("window.stillTheSamePage = true")
        call = server.simulate_call()
        expect(figure("waiting")).to_have_text("1", timeout=3000)

        # Olga answers it from her dashboard: answered, and within the norm.
        log_in(desk, server.url, operator)
        desk.goto(f"{server.url}/hotline/")
        expect(desk.locator("#connection")).to_have_text("Live")
        desk.locator(f'#queue li[data-call-id="{call.pk}"] button.take').click()
        expect(figure("waiting")).to_have_text("0", timeout=3000)
        expect(figure("answered")).to_have_text("1")
        expect(figure("service_level_text")).to_have_text("100 %")
        expect(page.locator('#live-operators [data-presence="on_call"] strong')).to_have_text("1")
        assert page.evaluate("window.stillTheSamePage") is True

        # Four eyes: approve the proposed decision from the approvals queue.
        expect(page.locator(f'#approvals [data-proposal-id="{proposal.pk}"]')).to_be_visible()
        page.get_by_role("link", name="Naar de goedkeuringen (vier ogen)").click()
        page.locator(f"#proposal-{proposal.pk}-heading").locator("..").get_by_role(
            "button", name="Goedkeuren"
        ).click()
        # Approving cannot be undone: a page of its own asks to confirm, by keyboard too.
        expect(page.get_by_role("heading", name="Besluit goedkeuren?")).to_be_visible()
        page.get_by_role("button", name="Ja, besluit goedkeuren").focus()
        page.keyboard.press("Enter")
        expect(page.get_by_text(f"Besluit voor {to_decide.reference} goedgekeurd.")).to_be_visible()

        # Reassign the overdue case to Otto, with the keyboard-usable form.
        page.goto(f"{server.url}/supervisor/")
        page.get_by_role("link", name=f"Toewijzen {overdue.reference}").first.click()
        page.get_by_label("Medewerker").select_option(label="otto")
        page.get_by_role("button", name="Toewijzen").click()
        expect(
            page.get_by_text(f"Dossier {overdue.reference} is opnieuw toegewezen.")
        ).to_be_visible()
        row = page.locator(f'#open-cases tr[data-reference="{overdue.reference}"]')
        expect(row).to_contain_text("otto")
        expect(page.locator(f'#approvals [data-proposal-id="{proposal.pk}"]')).to_have_count(0)
        expect(figure("service_level_text")).to_have_text("100 %")
        expect(page.locator("#live-connection")).to_have_text("Live")
        save_screenshot(page, "supervisor")
    finally:
        for context in contexts:
            context.close()
