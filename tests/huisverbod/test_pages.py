"""The huisverbod pages: each form works, bad input gets an error next to its field with
nothing saved, and the wrong person is refused (403) with the refusal logged."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from huisverbod.models import Huisverbod, TaskKind
from privacy.models import AccessLogEntry
from tests.conftest import log_in_fully
from tests.huisverbod.conftest import person, record_order, yesterday

pytestmark = pytest.mark.django_db


def new_url(case) -> str:
    return reverse("huisverbod:new", args=[case.pk])


def order_form(case, **overrides) -> dict:
    data = {
        "imposed_on": yesterday().strftime("%d-%m-%Y"),
        "imposed_time": "21:30",
        "removed_person": str(person(case, "Kees Bakker").pk),
        "removed_person_description": "",
        "people_at_home": [
            str(person(case, "Sanne de Vries").pk),
            str(person(case, "Noor de Vries").pk),
        ],
    }
    data.update(overrides)
    return data


def error_next_to(page: str, field: str, message: str) -> bool:
    """The message is in the error paragraph of that field (includes/field.html)."""
    start = page.find(f'id="id_{field}_error"')
    return start != -1 and message in page[start : start + 400]


def refused_row(user, target_type: str) -> bool:
    return AccessLogEntry.objects.filter(
        actor_id=user.pk, allowed=False, target_type=target_type
    ).exists()


# --- the case page panel -----------------------------------------------------------------


def test_the_case_page_shows_the_huisverbod_panel_with_its_tasks(
    operator_client, operator, family_case
):
    record_order(family_case, operator)
    page = operator_client.get(reverse("cases:case_detail", args=[family_case.pk])).content
    text = page.decode()
    assert "Tijdelijk huisverbod" in text
    assert "Contact met de uithuisgeplaatste" in text
    assert reverse("huisverbod:new", args=[family_case.pk]) in text


# --- recording the order -----------------------------------------------------------------


def test_staff_record_an_order_from_the_page(operator_client, family_case):
    response = operator_client.post(new_url(family_case), order_form(family_case))
    order = Huisverbod.objects.get(case=family_case)
    assert response.status_code == 302
    assert response["Location"] == reverse("huisverbod:detail", args=[family_case.pk, order.pk])
    assert order.tasks.count() == 3
    assert timezone.localtime(order.imposed_at).strftime("%H:%M") == "21:30"


def test_the_form_takes_a_description_when_the_removed_person_is_not_on_the_case(
    operator_client, family_case
):
    response = operator_client.post(
        new_url(family_case),
        order_form(family_case, removed_person="", removed_person_description="Stiefvader"),
    )
    assert response.status_code == 302
    assert Huisverbod.objects.get(case=family_case).removed_person_description == "Stiefvader"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"imposed_on": "31-02-2026"}, "imposed_on", "Geef de datum als dd-mm-jjjj."),
        ({"imposed_on": ""}, "imposed_on", "Geef de dag waarop het huisverbod is opgelegd."),
        ({"imposed_time": "25:99"}, "imposed_time", "Geef de tijd als uu:mm"),
        ({"people_at_home": []}, "people_at_home", "Kies ten minste één achterblijver."),
        ({"removed_person": ""}, "removed_person", "Zeg wie uit huis is geplaatst"),
        ({"removed_person": "999999"}, "removed_person", "geldige keuze"),
        ({"imposed_on": "01-01-2099"}, "imposed_on", "niet in de toekomst"),
        ({"imposed_on": "0001-01-01"}, "imposed_on", "sinds 1 januari 2009"),
        ({"people_at_home": ["abc"]}, "people_at_home", "geldige keuze"),
    ],
)
def test_bad_input_gets_an_error_next_to_the_field_and_nothing_is_saved(
    operator_client, family_case, overrides, field, message
):
    response = operator_client.post(new_url(family_case), order_form(family_case, **overrides))
    page = response.content.decode()
    assert response.status_code == 400
    if field == "people_at_home":
        assert 'id="id_people_at_home_error"' in page and message in page
    else:
        assert error_next_to(page, field, message), page
    assert not Huisverbod.objects.exists()


def test_a_partner_is_refused_the_form_and_the_refusal_is_logged(partner, family_case):
    client = log_in_fully(Client(), partner)
    response = client.post(new_url(family_case), order_form(family_case))
    assert response.status_code == 403
    assert not Huisverbod.objects.exists()
    assert refused_row(partner, "page")


def test_an_operator_outside_need_to_know_is_refused_and_the_refusal_is_logged(
    other_operator, family_case
):
    client = log_in_fully(Client(), other_operator)
    response = client.post(new_url(family_case), order_form(family_case))
    assert response.status_code == 403
    assert not Huisverbod.objects.exists()
    assert refused_row(other_operator, "cases.case")


# --- the order's page: extension, advice, tasks -------------------------------------------


@pytest.fixture
def order(operator, family_case) -> Huisverbod:
    return record_order(family_case, operator)


def order_url(order, name: str = "detail", *extra) -> str:
    return reverse(f"huisverbod:{name}", args=[order.case_id, order.pk, *extra])


def test_the_order_page_shows_its_days_in_dutch_order(operator_client, order):
    page = operator_client.get(order_url(order)).content.decode()
    assert "dag 1" in page
    assert "Uiterste verlenging (dag 28)" in page
    assert order.imposed_at.astimezone(timezone.get_current_timezone()).strftime("%H:%M") in page


def test_staff_record_the_mayors_extension(operator_client, order):
    until = order.latest_extension_on
    response = operator_client.post(
        order_url(order, "extend"), {"extended_until": until.strftime("%d-%m-%Y")}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.extended_until == until


@pytest.mark.parametrize(
    ("value", "message"),
    [("", "Geef de dag tot en met"), ("morgen", "dd-mm-jjjj"), ("beyond", "dag 28")],
)
def test_a_bad_extension_gets_an_error_next_to_the_field_and_nothing_is_saved(
    operator_client, order, value, message
):
    if value == "beyond":
        value = (order.latest_extension_on + datetime.timedelta(days=1)).strftime("%d-%m-%Y")
    response = operator_client.post(order_url(order, "extend"), {"extended_until": value})
    assert response.status_code == 400
    assert error_next_to(response.content.decode(), "extended_until", message)
    order.refresh_from_db()
    assert order.extended_until is None


def test_the_extension_refuses_a_partner_and_an_outsider_and_logs_both(
    partner, other_operator, order
):
    until = order.latest_extension_on.strftime("%d-%m-%Y")
    for user, target_type in ((partner, "page"), (other_operator, "cases.case")):
        client = log_in_fully(Client(), user)
        response = client.post(order_url(order, "extend"), {"extended_until": until})
        assert response.status_code == 403
        assert refused_row(user, target_type)
    order.refresh_from_db()
    assert order.extended_until is None


def test_staff_record_the_advice_on_extension(operator_client, order):
    response = operator_client.post(
        order_url(order, "advice"),
        {"advice": "do_not_extend", "advice_text": "Rust in huis; hulp loopt."},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.advice == "do_not_extend"
    assert order.tasks.get(kind=TaskKind.EXTENSION_ADVICE).done_at is not None


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"advice": "extend", "advice_text": ""}, "advice_text", "Onderbouw het advies."),
        ({"advice": "altijd", "advice_text": "x"}, "advice", "geldige keuze"),
    ],
)
def test_bad_advice_gets_an_error_next_to_the_field_and_nothing_is_saved(
    operator_client, order, data, field, message
):
    response = operator_client.post(order_url(order, "advice"), data)
    page = response.content.decode()
    assert response.status_code == 400
    if field == "advice":
        assert 'id="id_advice_error"' in page and message in page
    else:
        assert error_next_to(page, field, message)
    order.refresh_from_db()
    assert order.advice == ""


def test_the_advice_refuses_a_partner_and_an_outsider_and_logs_both(partner, other_operator, order):
    for user, target_type in ((partner, "page"), (other_operator, "cases.case")):
        client = log_in_fully(Client(), user)
        response = client.post(
            order_url(order, "advice"), {"advice": "extend", "advice_text": "Verlengen."}
        )
        assert response.status_code == 403
        assert refused_row(user, target_type)
    order.refresh_from_db()
    assert order.advice == ""


def test_staff_tick_off_a_contact_task_with_a_note(operator_client, order):
    task = order.tasks.get(kind=TaskKind.CONTACT_AT_HOME)
    response = operator_client.post(
        order_url(order, "task_done", task.pk),
        {f"task-{task.pk}-note": "Moeder en Noor gesproken."},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.done_at is not None
    assert task.note == "Moeder en Noor gesproken."


def test_a_task_without_a_note_gets_an_error_next_to_the_field_and_stays_open(
    operator_client, order
):
    task = order.tasks.get(kind=TaskKind.CONTACT_REMOVED)
    response = operator_client.post(
        order_url(order, "task_done", task.pk), {f"task-{task.pk}-note": "  "}
    )
    assert response.status_code == 400
    assert error_next_to(
        response.content.decode(), f"task-{task.pk}-note", "Schrijf kort op wat het contact"
    )
    task.refresh_from_db()
    assert task.done_at is None


def test_the_advice_task_is_not_ticked_off_without_the_advice(operator_client, order):
    task = order.tasks.get(kind=TaskKind.EXTENSION_ADVICE)
    response = operator_client.post(
        order_url(order, "task_done", task.pk), {f"task-{task.pk}-note": "Gedaan"}
    )
    assert response.status_code == 400
    assert "door het advies vast te leggen" in response.content.decode()
    task.refresh_from_db()
    assert task.done_at is None


def test_a_task_of_another_order_is_not_found(operator_client, operator, order):
    from tests.cases.factories import register_case
    from tests.huisverbod.conftest import PEOPLE

    other_order = record_order(register_case(operator, people=PEOPLE), operator)
    task = other_order.tasks.get(kind=TaskKind.CONTACT_REMOVED)
    response = operator_client.post(
        order_url(order, "task_done", task.pk), {f"task-{task.pk}-note": "x"}
    )
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.done_at is None


def test_ticking_off_refuses_a_partner_and_an_outsider_and_logs_both(
    partner, other_operator, order
):
    task = order.tasks.get(kind=TaskKind.CONTACT_REMOVED)
    for user, target_type in ((partner, "page"), (other_operator, "cases.case")):
        client = log_in_fully(Client(), user)
        response = client.post(
            order_url(order, "task_done", task.pk), {f"task-{task.pk}-note": "Gebeld."}
        )
        assert response.status_code == 403
        assert refused_row(user, target_type)
    task.refresh_from_db()
    assert task.done_at is None


def test_the_order_page_refuses_an_outsider_and_logs_it(other_operator, order):
    client = log_in_fully(Client(), other_operator)
    assert client.get(order_url(order)).status_code == 403
    assert refused_row(other_operator, "cases.case")
