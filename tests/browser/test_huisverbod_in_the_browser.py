"""A tijdelijk huisverbod in Chromium: an operator records the mayor's order on a case,
sees day 10 and the three tasks, and ticks the contact with the removed person off."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import expect

from huisverbod.models import Huisverbod, TaskKind
from huisverbod.terms import extension_latest_end, order_ends_on
from tests.browser.conftest import save_screenshot
from tests.browser.test_intake_in_the_browser import log_in
from tests.cases.factories import register_case
from tests.huisverbod.conftest import PEOPLE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_operator_records_a_huisverbod_and_ticks_off_a_contact(live_server, page, operator):
    case = register_case(operator, people=PEOPLE)
    imposed_on = timezone.localdate() - datetime.timedelta(days=2)

    log_in(page, live_server.url, operator)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.get_by_text("Geen huisverbod vastgelegd.")).to_be_visible()
    page.get_by_role("link", name="Huisverbod vastleggen").click()

    # Nothing filled in: errors next to the fields, nothing saved.
    page.get_by_role("button", name="Huisverbod vastleggen").click()
    expect(page.locator("#id_imposed_on_error")).to_have_text(
        "Geef de dag waarop het huisverbod is opgelegd."
    )
    expect(page.locator("#id_people_at_home_error")).to_have_text(
        "Kies ten minste één achterblijver."
    )
    assert not Huisverbod.objects.exists()

    page.get_by_label("Opgelegd op (dag 1)").fill(imposed_on.strftime("%d-%m-%Y"))
    page.get_by_label("Om (uu:mm)").fill("22:15")
    page.get_by_label("Uithuisgeplaatste", exact=True).select_option(
        label="Kees Bakker (Vermoedelijke pleger)"
    )
    page.get_by_label("Sanne de Vries (Slachtoffer)").check()
    page.get_by_label("Noor de Vries (Slachtoffer)").check()
    page.get_by_role("button", name="Huisverbod vastleggen").click()

    ends_on = order_ends_on(imposed_on)
    expect(page.get_by_text("Het huisverbod is vastgelegd")).to_be_visible()
    with translation.override("nl"):
        written = date_format(ends_on, "l j F Y")
    expect(page.locator("dl.review")).to_contain_text(written)
    expect(page.get_by_role("heading", name="Taken van Veilig Thuis")).to_be_visible()
    order = Huisverbod.objects.get(case=case)
    assert order.ends_on == ends_on
    assert order.latest_extension_on == extension_latest_end(imposed_on)

    task = order.tasks.get(kind=TaskKind.CONTACT_REMOVED)
    item = page.locator(f"#task-{task.pk}")
    item.get_by_label("Wat leverde het contact op?").fill(
        "Gebeld; verblijft bij zijn broer, wil meewerken."
    )
    save_screenshot(page, "huisverbod")
    item.get_by_role("button", name="Afvinken").click()
    expect(page.get_by_text("De taak is afgevinkt.")).to_be_visible()
    expect(page.locator(f"#task-{task.pk}")).to_contain_text("gedaan")
    task.refresh_from_db()
    assert task.done_by == operator

    # The case page's panel shows the order and its tasks.
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    panel = page.locator("section", has=page.get_by_role("heading", name="Tijdelijk huisverbod"))
    expect(panel).to_contain_text("Contact met de achterblijvers")
