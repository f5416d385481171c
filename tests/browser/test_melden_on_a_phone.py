"""The public form on a phone, 390 x 844 (issue 19, item 5): no horizontal scroll, every
control at least 44 x 44 px to touch, 112 and 0800-2000 tappable, "Start de melding" the
primary action, and one person block with "Persoon toevoegen"."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import save_screenshot
from tests.browser.test_melden_in_the_browser import online_settings  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

# Every control a thumb can reach: buttons, links, and radio buttons and checkboxes by the
# label around them (the label is the touch target). Links inside running text are
# exempt (WCAG 2.5.8), as is the skip link, which is off screen until focused.
TARGETS = """() => {
  const out = [];
  const seen = new Set();
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && style.visibility !== "hidden" && r.right > 0;
  };
  const controls = "button, a[href], input[type=radio], input[type=checkbox]";
  for (const el of document.querySelectorAll(controls)) {
    if (el.closest(".skip-link, .visually-hidden, .hp, template")) continue;
    const standalone = el.matches(".button, .tel, .quick-exit") || el.closest("nav, .review-head");
    if (el.tagName === "A" && el.closest("p, li, dd") && !standalone) continue;
    const target = el.matches("input") ? el.closest("label") || el : el;
    if (seen.has(target) || !visible(target)) continue;
    seen.add(target);
    const r = target.getBoundingClientRect();
    const name = target.innerText || target.getAttribute("aria-label") || target.name || "";
    out.push({text: name.trim().slice(0, 40),
              width: Math.round(r.width), height: Math.round(r.height)});
  }
  return out;
}"""


@pytest.fixture
def phone(chromium) -> Iterator:
    context = chromium.new_context(
        locale="nl-NL", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def assert_fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url}: {width} px wide, scrolls sideways"
    small = [t for t in page.evaluate(TARGETS) if t["width"] < 44 or t["height"] < 44]
    assert small == [], f"{page.url}: too small to touch: {small}"


def test_the_form_fits_a_phone_with_large_controls_and_tappable_numbers(live_server, phone):
    page = phone
    page.goto(f"{live_server.url}/melden/")
    assert_fits_the_phone(page)
    expect(page.get_by_role("link", name="Bel 112")).to_have_attribute("href", "tel:112")
    expect(page.get_by_role("link", name="0800-2000")).to_have_attribute("href", "tel:08002000")
    start = page.get_by_role("link", name="Start de melding")
    # The primary action is filled with the accent colour, not an outlined button.
    background = start.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background == "rgb(45, 95, 127)"
    save_screenshot(page, "melden-phone")
    start.click()

    expect(page.get_by_text("Stap 1 van 6")).to_be_visible()
    assert_fits_the_phone(page)
    acute = page.get_by_role("group", name="Is er nu iemand in acuut gevaar?")
    acute.get_by_label("Ja").check()
    expect(page.get_by_role("link", name="Bel 112")).to_have_attribute("href", "tel:112")
    expect(page.get_by_role("link", name="Bel 0800-2000")).to_have_attribute("href", "tel:08002000")
    assert_fits_the_phone(page)
    acute.get_by_label("Nee").check()
    page.get_by_label("Uw naam").fill("Marieke Jansen")
    page.get_by_label("Organisatie").fill("Basisschool De Regenboog")
    page.get_by_label("Beroepsgroep").select_option("education")
    page.get_by_label("Telefoonnummer").fill("070-3456789")
    page.get_by_label("E-mailadres").fill("m.jansen@regenboog.example.nl")
    page.get_by_role("button", name="Volgende").click()

    expect(page.get_by_text("Stap 2 van 6")).to_be_visible()
    assert_fits_the_phone(page)
    page.get_by_label("Signalen in kaart gebracht").check()
    for question in ("^1\\. Heb ik een vermoeden", "^2\\. Is er sprake"):
        page.get_by_role("group", name=re.compile(question)).get_by_label("Ja").check()
    page.get_by_role("button", name="Volgende").click()

    expect(page.get_by_text("Stap 3 van 6")).to_be_visible()
    page.get_by_role("group", name=re.compile("Heeft u de cliënt")).get_by_label("Ja").check()
    page.get_by_role("button", name="Volgende").click()

    # One person block, not six; a second one on request.
    expect(page.get_by_text("Stap 4 van 6")).to_be_visible()
    expect(page.locator("fieldset.person")).to_have_count(1)
    assert_fits_the_phone(page)
    save_screenshot(page, "melden-phone-people")
    page.get_by_role("button", name="Persoon toevoegen").click()
    expect(page.locator("fieldset.person")).to_have_count(2)
    expect(page.get_by_role("group", name="Persoon 2").get_by_label("Rol")).to_be_focused()
    assert_fits_the_phone(page)


def test_persoon_toevoegen_works_without_javascript_and_keeps_what_was_typed(live_server, chromium):
    from tests.melden.helpers import client_step, meldcode, reporter

    context = chromium.new_context(locale="nl-NL", viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{live_server.url}/melden/stap/1/")
        # Steps 1 to 3 through the form itself, without script.
        for number, answers in ((1, reporter()), (2, meldcode()), (3, client_step())):
            form = page.locator("form.melden")
            for name, value in answers.items():
                if name == "website":
                    continue  # the honeypot stays empty
                values = value if isinstance(value, list) else [value]
                for item in values:
                    field = form.locator(f'[name="{name}"]').first
                    kind = field.get_attribute("type")
                    if kind in ("radio", "checkbox"):
                        form.locator(f'[name="{name}"][value="{item}"]').check()
                    elif field.evaluate("el => el.tagName") == "SELECT":
                        field.select_option(item)
                    else:
                        field.fill(item)
            page.get_by_role("button", name="Volgende").click()
            expect(page.get_by_text(f"Stap {number + 1} van 6")).to_be_visible()
        first = page.get_by_role("group", name="Persoon 1")
        first.get_by_label("Naam").fill("Daan Visser")
        page.get_by_label("Plaats").fill("Den Haag")
        page.get_by_role("button", name="Persoon toevoegen").click()
        expect(page.locator("fieldset.person")).to_have_count(2)
        # What was typed is still there, and no errors: the professional is not done.
        expect(first.get_by_label("Naam")).to_have_value("Daan Visser")
        expect(page.get_by_label("Plaats")).to_have_value("Den Haag")
        expect(page.locator(".error-text")).to_have_count(0)
    finally:
        context.close()


def test_a_teacher_saves_the_report_between_lessons_and_finishes_it_the_next_day(
    live_server, chromium, settings
):
    # The tries per hour count per address in a shared cache; this test is not about them.
    settings.ONLINE_REPORT_RESUME_ATTEMPTS_PER_HOUR = 1_000_000
    import datetime

    from django.core import mail
    from django.utils import timezone

    from melden.models import OnlineReportDraft
    from outgoing_mail import sending as outbox
    from outgoing_mail.models import OutgoingEmail

    def phone_context():
        context = chromium.new_context(locale="nl-NL", viewport=PHONE, is_mobile=True)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return context, page

    context, page = phone_context()
    try:
        page.goto(f"{live_server.url}/melden/stap/1/")
        page.get_by_role("group", name="Is er nu iemand in acuut gevaar?").get_by_label(
            "Nee"
        ).check()
        page.get_by_label("Uw naam").fill("Marieke Jansen")
        page.get_by_label("Organisatie").fill("Basisschool De Regenboog")
        page.get_by_label("Beroepsgroep").select_option("education")
        page.get_by_label("Telefoonnummer").fill("070-3456789")
        page.get_by_label("E-mailadres").fill("m.jansen@regenboog.example.nl")
        page.get_by_role("button", name="Volgende").click()
        expect(page.get_by_text("Stap 2 van 6")).to_be_visible()
        page.get_by_role("button", name="Later verder gaan").click()
        expect(page.get_by_role("heading", name="Uw melding is bewaard")).to_be_visible()
        expect(page.get_by_text("m…@regenboog.example.nl")).to_be_visible()
        assert_fits_the_phone(page)
        save_screenshot(page, "melden-later")
        # The phone keeps nothing that leads to the report.
        page.goto(f"{live_server.url}/melden/")
        expect(page.get_by_role("link", name="Start de melding")).to_be_visible()
    finally:
        context.close()

    # Sent through the outbox to the professional's own address, by the worker (never the
    # request; here its sweep, run by hand). The outbox keeps no body after sending; the
    # test's mail backend has the message.
    assert outbox.email_send_due() == (1, 0)
    sent = OutgoingEmail.objects.get(purpose=OutgoingEmail.Purpose.RESUME_CODE)
    assert sent.recipient == "m.jansen@regenboog.example.nl" and sent.sent_at is not None
    message = next(m for m in mail.outbox if m.to == [sent.recipient])
    found = re.search(r"[A-Z2-9]{4}(?:-[A-Z2-9]{4}){3}", str(message.body))
    assert found, message.body
    code = found.group(0)
    # The next day.
    a_day_ago = timezone.now() - datetime.timedelta(days=1)
    OnlineReportDraft.objects.update(
        created_at=a_day_ago,
        updated_at=a_day_ago,
        expires_at=a_day_ago + datetime.timedelta(days=7),
    )

    context, page = phone_context()
    try:
        page.goto(f"{live_server.url}/melden/")
        page.get_by_role("link", name=re.compile("Verder met een bewaarde melding")).click()
        page.get_by_label("Code uit uw e-mail").fill(code.lower())
        assert_fits_the_phone(page)
        page.get_by_role("button", name="Verder").click()
        expect(page.get_by_text("Stap 2 van 6")).to_be_visible()
        expect(page.get_by_text("U gaat verder waar u was gebleven.")).to_be_visible()
        page.get_by_role("button", name="Vorige").click()
        expect(page.get_by_label("Uw naam")).to_have_value("Marieke Jansen")
    finally:
        context.close()
