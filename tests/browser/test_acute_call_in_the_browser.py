"""The acute path in Chromium against Daphne on Redis (issue 16, item 1).

A caller presses the acute key; the alert reaches a second operator's dashboard at once,
with its hour clock. The first operator takes the call and does the intake: the call's
item becomes the case's (no second alert). The first safety action is recorded with its
time on the case page, and the case leaves the acute list on the second dashboard.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from cases.models import Case, SafetyAction
from events.models import OutboxEvent
from tests.browser.conftest import save_screenshot
from tests.browser.test_call_becomes_a_case_in_the_browser import server  # noqa: F401
from tests.browser.test_dashboard_in_the_browser import DaphneServer, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_acute_call_alerts_a_second_operator_and_leaves_the_list_once_acted_on(
    server: DaphneServer,  # noqa: F811
    chromium: Browser,
    operator,
    other_operator,
) -> None:
    contexts = [
        chromium.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
        for _ in range(2)
    ]
    try:
        olga, otto = (context.new_page() for context in contexts)
        for page, user in ((olga, operator), (otto, other_operator)):
            page.set_default_timeout(10_000)
            log_in(page, server.url, user)
            page.goto(f"{server.url}/hotline/")
            expect(page.locator("#connection")).to_have_text("Live")
        expect(otto.locator("#alerts-section")).to_be_hidden()

        # A neighbour (2) says someone is in danger right now (the acute key).
        call = server.simulate_call(role_key="2", acute=True)
        call_item = otto.locator(f'#alerts [data-key="call-{call.pk}"]')
        expect(call_item).to_contain_text(f"Acuut gesprek {call.pk}")
        expect(call_item).to_contain_text("eerste veiligheidsactie binnen 1 uur: nog")
        assert OutboxEvent.objects.filter(kind="acute.call").count() == 1

        # Olga takes it and does the intake in the call's own tab.
        olga.locator(f'#queue li[data-call-id="{call.pk}"] button.take').click()
        in_hand = olga.locator(f'#in-hand [data-call-id="{call.pk}"]')
        expect(in_hand).to_be_visible()
        with contexts[0].expect_page() as opened:
            in_hand.get_by_role("link", name="Intake starten").click()
        intake = opened.value
        intake.set_default_timeout(10_000)
        intake.wait_for_load_state()
        expect(intake.get_by_label("Acuut gevaar (nu of de komende dagen)")).to_be_checked()
        intake.get_by_label("Naam", exact=True).first.fill("Buurvrouw")
        intake.get_by_label("E-mailadres").fill("buur@example.nl")
        intake.get_by_label("Melding", exact=True).check()
        intake.get_by_label("(Ex-)partnergeweld").check()
        intake.get_by_label("Relaas: wat is er gebeurd?").fill(
            "Hij slaat haar nu, de kinderen zijn thuis."
        )
        intake.get_by_role("button", name="Intake opslaan").click()
        case = Case.objects.get()
        intake.wait_for_url(f"{server.url}/cases/{case.pk}/")
        assert case.acute_since is not None and case.on_acute_list
        # One alert for one acute situation: the case made from the call raised none.
        assert not OutboxEvent.objects.filter(kind="acute.alert").exists()

        # On Otto's dashboard the call's item became the case's, with the same clock.
        case_item = otto.locator(f'#alerts [data-key="case-{case.pk}"]')
        expect(case_item).to_contain_text(case.reference)
        expect(case_item).to_contain_text("eerste veiligheidsactie binnen 1 uur: nog")
        expect(call_item).to_have_count(0)
        save_screenshot(otto, "acute-list")

        # The case page runs on the hour clock; Olga records the police call with its time.
        expect(intake.locator("[data-acute-clock]")).to_contain_text(
            "eerste veiligheidsactie binnen 1 uur: nog"
        )
        intake.get_by_label("Politie / 112 gebeld").check()
        save_screenshot(intake, "acute-safety-actions")
        intake.get_by_role("button", name="Veiligheidsactie vastleggen").click()
        expect(intake.locator(".safety-actions")).to_contain_text("Politie / 112 gebeld")
        expect(intake.locator("[data-acute-clock]")).to_have_count(0)
        assert SafetyAction.objects.filter(case=case).count() == 1

        # The case left the acute list on Otto's dashboard.
        expect(case_item).to_have_count(0)
        expect(otto.locator("#alerts-section")).to_be_hidden()
    finally:
        for context in contexts:
            context.close()
