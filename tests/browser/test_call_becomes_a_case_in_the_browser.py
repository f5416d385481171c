"""From "Neem aan" to a case, in Chromium against Daphne on Redis (issue 15).

A signed call plays through the menu (worried about someone else, not acute); an operator
takes it; the intake opens prefilled; the radar shows an earlier case reached by the same
phone number before anything is saved; the operator adds the report to that case; the
case owner's dashboard shows the alert, and the operator's call panel the case reference.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from playwright.sync_api import Browser, expect

from accounts import roles
from cases.models import Case, Contact
from hotline.models import Call
from tests.browser.conftest import save_screenshot
from tests.browser.test_dashboard_in_the_browser import (
    REDIS_URL,
    DaphneServer,
    database_url_for_the_server,
    free_port,
    log_in,
)
from tests.cases.factories import register_case, victim_contact
from tests.conftest import make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The Den Haag landline the simulated caller rings from (DaphneServer.simulate_call).
EARLIER_NUMBER = "070-1234567"
NUMBER_WRITTEN = ("+31701234567", "0701234567", "070-1234567", "1234567")


@pytest.fixture
def server(transactional_db, tmp_path) -> Iterator[DaphneServer]:
    """Daphne on Redis on this test's database, without a Twilio account (simulated)."""
    parts = urlsplit(REDIS_URL)
    try:
        socket.create_connection((parts.hostname, parts.port or 6379), timeout=1).close()
    except OSError:
        pytest.fail(f"The call-to-case browser test needs Redis at {REDIS_URL}.")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "DJANGO_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url_for_the_server(),
            "REDIS_URL": REDIS_URL,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
            "BLIND_INDEX_KEY": settings.BLIND_INDEX_KEY,
            "CHANNEL_LAYER_ENCRYPTION_KEY": settings.CHANNEL_LAYER_ENCRYPTION_KEY,
            "TWILIO_AUTH_TOKEN": settings.TWILIO_AUTH_TOKEN,
            "LOG_LEVEL": "WARNING",
        }
    )
    daphne = DaphneServer(port, env, tmp_path / "daphne.log")
    daphne.start()
    yield daphne
    daphne.stop()


def test_a_taken_call_opens_its_intake_finds_the_earlier_case_and_joins_it(
    server: DaphneServer, chromium: Browser, operator
) -> None:
    # Carla owns the family's case; the family's landline reached us before.
    owner = make_staff("carla", roles.OPERATOR)
    earlier = register_case(owner, contact=victim_contact(phone=EARLIER_NUMBER))
    contexts = [
        chromium.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
        for _ in range(2)
    ]
    try:
        olga, carla = (context.new_page() for context in contexts)
        for page, user in ((olga, operator), (carla, owner)):
            page.set_default_timeout(10_000)
            log_in(page, server.url, user)
            page.goto(f"{server.url}/hotline/")
            expect(page.locator("#connection")).to_have_text("Live")

        # A neighbour, worried about someone else (2), not acute, through the signed menu.
        call = server.simulate_call(role_key="2", acute=False)
        olga.locator(f'#queue li[data-call-id="{call.pk}"] button.take').click()
        in_hand = olga.locator(f'#in-hand [data-call-id="{call.pk}"]')
        expect(in_hand).to_be_visible()

        # "Intake starten" opens the call's own intake in a new tab: the softphone stays.
        with contexts[0].expect_page() as opened:
            in_hand.get_by_role("link", name="Intake starten").click()
        intake = opened.value
        intake.set_default_timeout(10_000)
        intake.wait_for_load_state()
        assert intake.url == f"{server.url}/hotline/calls/{call.pk}/intake/"
        expect(intake.locator("#call-facts")).to_contain_text(f"Gesprek {call.pk}")
        expect(intake.get_by_label("Omstander", exact=True)).to_be_checked()
        expect(intake.get_by_label("Acuut gevaar (nu of de komende dagen)")).not_to_be_checked()
        expect(intake.get_by_label("Kanaal")).to_have_value("phone")
        expect(intake.get_by_label("Taal van het gesprek")).to_have_value("nl")

        # Before anything is typed or saved, the radar found the family by the caller's
        # own number (matched server-side by its index; the page never had it).
        match = intake.locator(f'#radar-live [data-reference="{earlier.reference}"]')
        expect(match).to_be_visible()
        expect(match).to_contain_text("carla")
        expect(match).to_contain_text("telefoonnummer")
        page_text = intake.content()
        for written in NUMBER_WRITTEN:
            assert written not in page_text

        intake.get_by_label("Naam", exact=True).first.fill("Buurvrouw")
        intake.get_by_label("E-mailadres").fill("buur@example.nl")
        intake.get_by_label("Melding", exact=True).check()
        intake.get_by_label("(Ex-)partnergeweld").check()
        intake.get_by_label("Relaas: wat is er gebeurd?").fill(
            "Weer geschreeuw bij de buren, het kind huilde lang."
        )
        save_screenshot(intake, "call-intake-radar")

        intake.get_by_role("button", name=f"Toevoegen aan dossier {earlier.reference}").click()
        intake.wait_for_url(f"{server.url}/cases/{earlier.pk}/")
        assert Case.objects.count() == 1
        contact = Contact.objects.order_by("pk").last()
        assert contact is not None and contact.case_id == earlier.pk
        assert Call.objects.get(pk=call.pk).contact_id == contact.pk
        expect(intake.locator(".contact-calls")).to_contain_text(f"Gesprek {call.pk}")
        expect(intake.locator(".contact-calls")).to_contain_text("aangenomen door olga")

        # Olga's call panel names the case the call went into, and links to it.
        case_link = in_hand.get_by_role("link", name=f"Dossier {earlier.reference}")
        expect(case_link).to_be_visible()
        assert case_link.get_attribute("href") == f"/cases/{earlier.pk}/"
        save_screenshot(olga, "call-panel-case")

        # The report joined Carla's case: her dashboard says so.
        notice = carla.locator(f'#notices [data-case-id="{earlier.pk}"]')
        expect(notice).to_contain_text(f"Nieuwe melding in jouw dossier {earlier.reference}")
    finally:
        for context in contexts:
            context.close()
