"""The dashboard on an operator's 1366 x 768 screen with 16 callers waiting (issue 19,
item 4): a compact queue that says each caller's place, role, region and wait (past the
norm highlighted), with colleagues and new online reports still in view."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from cases.codes import Channel
from hotline import services
from hotline.models import Call
from hotline.presence import presence_set
from hotline.selectors import call_queue
from tests.browser.conftest import save_screenshot
from tests.browser.test_dashboard_in_the_browser import DEN_HAAG, log_in, server  # noqa: F401
from tests.cases.factories import register_case, victim_contact
from tests.conftest import make_staff
from tests.hotline.conftest import new_sid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = ["victim", "bystander", "child", "professional"]


def waiting_caller(role: str, *, waited_seconds: int) -> Call:
    call, _ = services.call_receive(sid=new_sid(), from_number=DEN_HAAG, account_sid="")
    call = services.call_enqueue(call=services.call_role_choose(call=call, role=role), acute=False)
    Call.objects.filter(pk=call.pk).update(
        enqueued_at=timezone.now() - datetime.timedelta(seconds=waited_seconds)
    )
    return call


def inside_the_window(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 768


def test_sixteen_waiting_callers_leave_colleagues_and_new_reports_in_view(
    server,  # noqa: F811
    chromium,
    operator,
    other_operator,
):
    norm = settings.SERVICE_LEVEL_SECONDS
    # Four who waited well past the norm, twelve who just came in.
    for index in range(16):
        waiting_caller(ROLES[index % 4], waited_seconds=norm + 120 if index < 4 else 2)
    presence_set(user=other_operator, state="available")
    make_staff("fatima", "operator")
    report = register_case(operator, contact=victim_contact(channel=Channel.ONLINE))
    expected_order = list(call_queue().values_list("pk", flat=True))

    context = chromium.new_context(locale="nl-NL", viewport={"width": 1366, "height": 768})
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        log_in(page, server.url, operator)
        expect(page.locator("#connection")).to_have_text("Live")
        rows = page.locator("#queue li")
        expect(rows).to_have_count(16)

        # Each caller's place in the queue, in the order "Neem volgende" takes them; no id.
        places = rows.locator(".place").all_inner_texts()
        assert places == [f"{n}." for n in range(1, 17)]
        ids = rows.evaluate_all("l => l.map(e => Number(e.dataset.callId))")
        assert ids == expected_order
        first = rows.first
        expect(first).to_contain_text("Haaglanden")
        expect(first).not_to_contain_text("haaglanden")
        expect(first).not_to_contain_text("#")
        # The button says what it does, starting with its own words.
        # (a child first: the menu's priority).
        expect(first.locator("button.take")).to_have_accessible_name(
            "Neem aan: nummer 1 in de wachtrij, kind of jongere"
        )

        # The four who waited past the norm are marked, in colour and in words.
        past = page.locator("#queue .wait.past-norm")
        expect(past).to_have_count(4)
        expect(past.first).to_contain_text("langer dan de norm")

        # Colleagues and the new online report stay on the screen without scrolling.
        expect(page.locator(f'#reports [data-case-id="{report.pk}"]')).to_be_visible()
        expect(page.locator('#operators [data-username="otto"]')).to_be_visible()
        for selector in (
            "#operators-heading",
            '#operators [data-username="otto"]',
            "#reports-heading",
            f'#reports [data-case-id="{report.pk}"]',
            "#take-next",
        ):
            assert inside_the_window(page, selector), selector
        save_screenshot(page, "dashboard-busy")
    finally:
        context.close()
