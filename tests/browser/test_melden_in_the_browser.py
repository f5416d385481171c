"""A professional files an online report in Chromium; an operator finds it by its
reference and sees the account escaped; the quick exit leaves without a trace."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from cases.models import Case
from melden.models import OnlineReportDraft
from tests.browser.conftest import save_screenshot
from tests.browser.test_intake_in_the_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE_ACCOUNT = (
    '<script>window.__pwned = 1</script><b>vet</b> <img src=x onerror="window.__pwned = 2">'
    " Daan heeft blauwe plekken en zegt dat papa boos wordt."
)


@pytest.fixture(autouse=True)
def online_settings(settings, operator, monkeypatch):
    settings.ONLINE_REPORTS_TEAM = operator.team.name
    settings.ONLINE_REPORT_POSTS_PER_HOUR = 1_000_000
    settings.ONLINE_REPORT_SUBMISSIONS_PER_HOUR = 1_000_000
    # The same for a Daphne process started by the dashboard fixture (it reads the env).
    monkeypatch.setenv("ONLINE_REPORTS_TEAM", operator.team.name)
    monkeypatch.setenv("ONLINE_REPORT_POSTS_PER_HOUR", "1000000")
    monkeypatch.setenv("ONLINE_REPORT_SUBMISSIONS_PER_HOUR", "1000000")


@pytest.fixture
def dashboard_server(online_settings, transactional_db, tmp_path):
    """The live dashboard's own test server: Daphne in a process of its own, on Redis."""
    from tests.browser.test_dashboard_in_the_browser import server as server_fixture

    plain_function = server_fixture.__wrapped__  # type: ignore[attr-defined]  # update_wrapper
    yield from plain_function(transactional_db, tmp_path)


def next_step(page) -> None:
    page.get_by_role("button", name="Volgende").click()


def file_online_report(page, base: str) -> str:
    """A professional goes through every step in the browser; returns the reference shown."""
    page.goto(f"{base}/melden/")
    expect(page.get_by_role("link", name=re.compile("Snel weg"))).to_be_visible()
    page.get_by_role("link", name="Start de melding").click()

    expect(page.get_by_text("Stap 1 van 6")).to_be_visible()
    page.get_by_role("group", name="Is er nu iemand in acuut gevaar?").get_by_label("Nee").check()
    page.get_by_label("Uw naam").fill("Marieke Jansen")
    page.get_by_label("Organisatie").fill("Basisschool De Regenboog")
    page.get_by_label("Beroepsgroep").select_option("education")
    page.get_by_label("Telefoonnummer").fill("070-3456789")
    page.get_by_label("E-mailadres").fill("m.jansen@regenboog.example.nl")
    save_screenshot(page, "melden")
    next_step(page)

    expect(page.get_by_text("Stap 2 van 6")).to_be_visible()
    page.get_by_label("Signalen in kaart gebracht").check()
    page.get_by_label("Collega geraadpleegd").check()
    page.get_by_role("group", name=re.compile("^1\\. Heb ik een vermoeden")).get_by_label(
        "Ja"
    ).check()
    page.get_by_role("group", name=re.compile("^2\\. Is er sprake")).get_by_label("Ja").check()
    next_step(page)

    expect(page.get_by_text("Stap 3 van 6")).to_be_visible()
    reason = page.get_by_label("Zo nee: waarom niet?")
    expect(reason).to_be_hidden()
    page.get_by_role("group", name=re.compile("Heeft u de cliënt")).get_by_label("Nee").check()
    reason.fill("Vader is agressief tegen de leerkracht.")
    next_step(page)

    expect(page.get_by_text("Stap 4 van 6")).to_be_visible()
    first = page.get_by_role("group", name="Persoon 1")
    first.get_by_label("Rol").select_option("victim")
    first.get_by_label("Kind of volwassene").select_option("child")
    first.get_by_label("Naam").fill("Daan Visser")
    first.get_by_label("Geboortedatum").fill("2016-05-04")
    # One person block to start with; "Persoon toevoegen" adds the next, focused.
    expect(page.get_by_role("group", name="Persoon 2")).to_have_count(0)
    page.get_by_role("button", name="Persoon toevoegen").click()
    second = page.get_by_role("group", name="Persoon 2")
    expect(second.get_by_label("Rol")).to_be_focused()
    second.get_by_label("Rol").select_option("suspected_perpetrator")
    second.get_by_label("Kind of volwassene").select_option("adult")
    second.get_by_label("Naam").fill("Peter Visser")
    page.get_by_label("Postcode").fill("2511 AB")
    page.get_by_label("Huisnummer").fill("12")
    page.get_by_label("Plaats").fill("Den Haag")
    page.get_by_label("Lichamelijke mishandeling").check()
    page.get_by_label(re.compile("Wat heeft u gezien")).fill(HOSTILE_ACCOUNT)
    next_step(page)

    expect(page.get_by_text("Stap 5 van 6")).to_be_visible()
    page.get_by_label(re.compile("Ja, dat mag")).check()
    next_step(page)

    expect(page.get_by_text("Stap 6 van 6")).to_be_visible()
    expect(page.get_by_text("Basisschool De Regenboog")).to_be_visible()
    expect(page.get_by_text(HOSTILE_ACCOUNT.strip()[:40])).to_be_visible()
    page.get_by_label(re.compile("naar waarheid")).check()
    save_screenshot(page, "melden-review")
    page.get_by_role("button", name="Melding versturen").click()

    page.wait_for_url(f"{base}/melden/ontvangen/")
    assert page.evaluate("window.__pwned") is None
    return page.locator("[data-reference]").inner_text().strip()


def test_a_professional_files_a_report_that_an_operator_finds_by_its_reference(
    live_server, page, operator, chromium
):
    base = live_server.url
    reference = file_online_report(page, base)
    case = Case.objects.get()
    assert reference == case.reference

    # The operator's side: a fresh browser context, logged in with both factors.
    staff = chromium.new_context(locale="nl-NL", viewport={"width": 1280, "height": 800})
    desk = staff.new_page()
    desk.set_default_timeout(10_000)
    try:
        log_in(desk, base, operator)
        desk.goto(f"{base}/cases/")
        expect(desk.get_by_role("link", name=reference)).to_be_visible()
        desk.get_by_label("Kenmerk").fill(reference.lower())
        desk.get_by_role("button", name="Filter").click()
        desk.get_by_role("link", name=reference).click()
        desk.wait_for_url(f"{base}/cases/{case.pk}/")
        expect(desk.get_by_role("heading", level=1)).to_contain_text(reference)
        account = desk.locator("p.account")
        expect(account).to_contain_text("<script>window.__pwned = 1</script><b>vet</b>")
        assert account.locator("b, script, img").count() == 0
        assert desk.evaluate("window.__pwned") is None
        expect(desk.get_by_text("Meldcode van de professional")).to_be_visible()
    finally:
        staff.close()


def test_acute_danger_shows_112_at_once_and_the_quick_exit_leaves_without_a_trace(
    live_server, page
):
    base = live_server.url
    page.route("https://www.google.nl/**", lambda route: route.fulfill(body="neutraal"))
    page.goto(f"{base}/melden/stap/1/")
    banner = page.locator("[data-acute-message]")
    expect(banner).to_be_hidden()
    page.get_by_role("group", name="Is er nu iemand in acuut gevaar?").get_by_label("Ja").check()
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("112")
    page.get_by_label("Uw naam").fill("Marieke Jansen")
    page.get_by_label("Organisatie").fill("Basisschool De Regenboog")
    page.get_by_label("Beroepsgroep").select_option("education")
    page.get_by_label("Telefoonnummer").fill("070-3456789")
    page.get_by_label("E-mailadres").fill("m.jansen@regenboog.example.nl")
    next_step(page)
    expect(page.get_by_text("Stap 2 van 6")).to_be_visible()
    expect(page.locator("[data-acute-message]")).to_be_visible()
    assert OnlineReportDraft.objects.count() == 1

    page.wait_for_load_state("load")  # the quick-exit module script has run
    history = page.evaluate("history.length")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.wait_for_url("https://www.google.nl/**")
    # Replaced, not pushed: Back cannot bring the form back from this entry.
    assert page.evaluate("history.length") == history
    for _ in range(50):
        if not OnlineReportDraft.objects.exists():
            break
        page.wait_for_timeout(100)
    assert not OnlineReportDraft.objects.exists()


def test_the_quick_exit_button_is_the_first_thing_the_keyboard_reaches(live_server, page):
    page.goto(f"{live_server.url}/melden/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "Snel weg" in focused


def test_the_report_shows_up_live_on_an_operators_dashboard(dashboard_server, chromium, operator):
    """Daphne on Redis (the dashboard test's server): the operator watches /hotline/ while
    a professional files a report; the case.created event puts it on the dashboard."""
    contexts = [
        chromium.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
        for _ in range(2)
    ]
    try:
        desk, professional = (context.new_page() for context in contexts)
        for page in (desk, professional):
            page.set_default_timeout(10_000)
        log_in(desk, dashboard_server.url, operator)
        desk.goto(f"{dashboard_server.url}/hotline/")
        expect(desk.locator("#connection")).to_have_text("Live")

        reference = file_online_report(professional, dashboard_server.url)
        case = Case.objects.get(reference=reference)
        row = desk.locator(f'#reports [data-case-id="{case.pk}"]')
        expect(row).to_be_visible(timeout=5000)
        expect(row).to_contain_text(reference)
    finally:
        for context in contexts:
            context.close()
