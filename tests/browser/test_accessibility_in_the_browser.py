"""axe-core on every page state a person reaches, staff and public, in Chromium against
one real Daphne on Redis (the live dashboard needs it); the test fails on any serious or
critical violation and names page state, rule and node.

A standing rule (README, "Notes for contributors"): a new page, or a new state of a page
(errors, an empty list, a confirmation), is added here and to the keyboard tests.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cases.codes import Decision
from tests.browser.accessibility import serious_violations
from tests.browser.conftest import save_screenshot
from tests.browser.test_dashboard_in_the_browser import server  # noqa: F401
from tests.browser.test_melden_in_the_browser import online_settings  # noqa: F401
from tests.cases.factories import register_case
from tests.conftest import PASSWORD, code_for
from tests.handover.conftest import decided_case, handed_over, make_partner
from tests.safety_assessment.conftest import register_case as case_in_assessment
from tests.safety_assessment.test_services import decide, propose

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Audit:
    """Runs axe on each state visited and keeps every finding, so one run lists them all."""

    def __init__(self, page) -> None:
        self.page = page
        self.findings: list[str] = []
        self.states: list[str] = []

    def check(self, state: str, screenshot: str = "") -> None:
        self.page.wait_for_load_state()
        self.states.append(state)
        self.findings.extend(serious_violations(self.page, state))
        if screenshot:
            # The README's picture of a screen no other browser test shows (make screenshots).
            save_screenshot(self.page, screenshot)

    def visit(self, url: str, state: str, screenshot: str = "") -> None:
        self.page.goto(url)
        self.check(state, screenshot)

    def assert_clean(self) -> None:
        assert not self.findings, "axe-core found serious or critical violations:\n" + "\n".join(
            self.findings
        )


def log_in_audited(audit: Audit, base: str, user, *, check: bool = False) -> None:
    page = audit.page
    page.goto(f"{base}/accounts/login/")
    if check:
        audit.check("login")
        page.get_by_role("button", name="Verder").click()
        audit.check("login with errors")
    page.get_by_label("Gebruikersnaam").fill(user.username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Verder").click()
    if check:
        audit.check("second factor")
    page.get_by_label("Code uit je authenticator-app").fill(code_for(user))
    page.get_by_role("button", name="Inloggen").click()
    # Each role lands on its own home (operators on the dashboard): past the login pages.
    page.wait_for_url(lambda url: url.startswith(base) and "/accounts/" not in url)


def test_no_page_state_of_the_public_form_has_a_serious_accessibility_violation(
    server,  # noqa: F811
    page,
):
    audit = Audit(page)
    base = server.url
    audit.visit(f"{base}/melden/", "melden: start")
    page.get_by_role("link", name="Start de melding").click()
    audit.check("melden step 1")
    page.get_by_role("button", name="Volgende").click()
    audit.check("melden step 1 with errors")
    page.get_by_role("group", name="Is er nu iemand in acuut gevaar?").get_by_label("Nee").check()
    page.get_by_label("Uw naam").fill("Marieke Jansen")
    page.get_by_label("Organisatie").fill("Basisschool De Regenboog")
    page.get_by_label("Beroepsgroep").select_option("education")
    page.get_by_label("Telefoonnummer").fill("070-3456789")
    page.get_by_label("E-mailadres").fill("m.jansen@regenboog.example.nl")
    page.get_by_role("button", name="Volgende").click()
    audit.check("melden step 2")
    page.get_by_role("button", name="Volgende").click()
    audit.check("melden step 2 with errors")
    page.get_by_label("Signalen in kaart gebracht").check()
    page.get_by_role("group", name=re.compile("^1\\. Heb ik een vermoeden")).get_by_label(
        "Ja"
    ).check()
    page.get_by_role("group", name=re.compile("^2\\. Is er sprake")).get_by_label("Ja").check()
    page.get_by_role("button", name="Volgende").click()
    audit.check("melden step 3")
    page.get_by_role("button", name="Volgende").click()
    audit.check("melden step 3 with errors")
    page.get_by_role("group", name=re.compile("Heeft u de cliënt")).get_by_label("Ja").check()
    page.get_by_role("button", name="Volgende").click()
    audit.check("melden step 4")
    page.get_by_role("button", name="Volgende").click()
    audit.check("melden step 4 with errors")
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
    audit.check("melden step 5")
    page.get_by_role("button", name="Volgende").click()
    audit.check("melden step 5 with errors")
    page.get_by_label(re.compile("Ja, dat mag")).check()
    page.get_by_role("button", name="Volgende").click()
    audit.check("melden step 6 (review)")
    page.get_by_role("button", name="Melding versturen").click()
    audit.check("melden step 6 with errors", "melden-errors")
    page.get_by_label(re.compile("naar waarheid")).check()
    page.get_by_role("button", name="Melding versturen").click()
    page.wait_for_url(f"{base}/melden/ontvangen/")
    audit.check("melden: received")
    audit.assert_clean()


def test_no_staff_page_state_has_a_serious_accessibility_violation(
    server,  # noqa: F811
    chromium,
    page,
    operator,
    other_operator,
    supervisor,
):
    base = server.url
    audit = Audit(page)
    log_in_audited(audit, base, operator, check=True)
    audit.check("home (operator)")

    # The dashboard with calls in the queue; the operator takes the acute one.
    server.simulate_call()
    acute_call = server.simulate_call(role_key="2", acute=True)
    page.goto(f"{base}/hotline/")
    expect(page.locator("#connection")).to_have_text("Live")
    expect(page.locator("#queue li")).to_have_count(2)
    audit.check("dashboard with calls")
    page.locator(f'#queue li[data-call-id="{acute_call.pk}"] button.take').click()
    expect(page.locator(f'#in-hand [data-call-id="{acute_call.pk}"]')).to_be_visible()
    audit.check("dashboard with a call in hand")
    audit.visit(f"{base}/hotline/calls/{acute_call.pk}/acute/", "acute call")
    page.get_by_role("button").filter(has_text=re.compile("vastleggen", re.I)).first.click()
    audit.check("acute call with errors")

    audit.visit(f"{base}{reverse('cases:intake_new')}", "intake")
    page.get_by_label("Slachtoffer", exact=True).check()
    page.get_by_label("Telefoonnummer").fill("06-1234")
    page.get_by_role("button", name="Intake opslaan").click()
    audit.check("intake with errors", "intake-errors")
    audit.visit(f"{base}{reverse('cases:case_list')}", "case search", "case-list")

    case = register_case(operator, acute=True)
    audit.visit(f"{base}{reverse('cases:case_detail', args=[case.pk])}", "case page (acute)")
    page.get_by_role("button", name="Veiligheidsactie vastleggen").click()
    audit.check("case page with safety-action errors")
    audit.visit(f"{base}{reverse('cases:contact_new', args=[case.pk])}", "contact add")
    audit.visit(f"{base}{reverse('huisverbod:new', args=[case.pk])}", "huisverbod new")
    page.get_by_role("button").filter(has_text=re.compile("vastleggen", re.I)).first.click()
    audit.check("huisverbod new with errors")

    quiet = register_case(operator)
    audit.visit(f"{base}{reverse('cases:case_detail', args=[quiet.pk])}", "case page (intake)")
    page.get_by_role("button", name="Afsluiten…").click()
    audit.check("close confirmation", "close-confirm")
    audit.visit(
        f"{base}{reverse('handover:case_handover', args=[quiet.pk])}", "handover before a decision"
    )

    assessed = case_in_assessment(operator)
    audit.visit(
        f"{base}{reverse('safety_assessment:case_assessment', args=[assessed.pk])}", "assessment"
    )
    decide(assessed, operator, b_repeated=True)
    audit.visit(
        f"{base}{reverse('safety_assessment:case_assessment', args=[assessed.pk])}",
        "decision proposal",
    )

    handing = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    handover_url = f"{base}{reverse('handover:case_handover', args=[handing.pk])}"
    audit.visit(handover_url, "handover form")
    page.get_by_role("button", name="Overdragen…").click()
    audit.check("handover with errors")
    page.get_by_label("Veiligheidsvoorwaarden (één per regel)").fill("Geen geweld")
    page.get_by_label("Wat de ontvanger moet weten").fill("Twee kinderen.")
    page.get_by_role("button", name="Overdragen…").click()
    audit.check("handover confirmation", "handover-confirm")
    page.get_by_role("button", name="Ja, overdragen").click()
    audit.check("handover sent, waiting for an answer", "handover-sent")

    # The supervisor's pages, in a context of their own.
    to_approve = case_in_assessment(operator)
    decide(to_approve, operator, b_repeated=True)
    propose(to_approve, operator)
    context = chromium.new_context(locale="nl-NL", viewport={"width": 1280, "height": 800})
    try:
        boss = Audit(context.new_page())
        boss.page.set_default_timeout(10_000)
        log_in_audited(boss, base, supervisor)
        boss.check("home (supervisor)")
        boss.visit(f"{base}/supervisor/", "supervisor overview")
        boss.visit(f"{base}/supervisor/statistics/", "supervisor statistics", "statistics")
        boss.visit(
            f"{base}{reverse('supervision:reassign', args=[case.pk])}", "supervisor reassign"
        )
        boss.visit(f"{base}{reverse('safety_assessment:overdue')}", "overdue assessments")
        boss.visit(f"{base}{reverse('safety_assessment:approvals')}", "approvals", "approvals")
        boss.page.get_by_role("button", name="Goedkeuren…").first.click()
        boss.check("approval confirmation", "approve-confirm")
        audit.findings.extend(boss.findings)
    finally:
        context.close()

    # A partner's inbox and a handover in it.
    partner = make_partner("petra", "cjg-den-haag")
    other = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    handover = handed_over(other, operator, "cjg-den-haag")
    context = chromium.new_context(locale="nl-NL", viewport={"width": 1280, "height": 800})
    try:
        inbox = Audit(context.new_page())
        inbox.page.set_default_timeout(10_000)
        log_in_audited(inbox, base, partner)
        inbox.visit(f"{base}/partner/", "partner inbox")
        inbox.visit(f"{base}/partner/{handover.pk}/", "partner handover")
        audit.findings.extend(inbox.findings)
    finally:
        context.close()
    audit.assert_clean()


def test_a_control_that_cannot_act_yet_looks_disabled_and_says_why(live_server, page, operator):
    from tests.browser.test_intake_in_the_browser import log_in

    # A victim without a safe number: no safe callback.
    case = register_case(operator)
    log_in(page, live_server.url, operator)
    page.goto(f"{live_server.url}{reverse('cases:case_detail', args=[case.pk])}")
    button = page.get_by_role("button", name="Veilig terugbellen")
    expect(button).to_be_disabled()
    style = button.evaluate(
        "b => { const s = getComputedStyle(b); return [s.cursor, s.backgroundColor]; }"
    )
    enabled = page.get_by_role("button", name="Afsluiten…").evaluate(
        "b => getComputedStyle(b).backgroundColor"
    )
    assert style[0] == "not-allowed" and style[1] != enabled
    reason = page.locator(f"#{button.get_attribute('aria-describedby')}")
    expect(reason).to_be_visible()
    expect(reason).not_to_be_empty()
