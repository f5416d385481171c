"""Recording a huisverbod and its steps through the services: each one case action."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from huisverbod.models import ExtensionAdvice, Huisverbod, HuisverbodTask, TaskKind
from huisverbod.services import (
    HuisverbodError,
    huisverbod_advice_give,
    huisverbod_extend,
    huisverbod_record,
    huisverbod_task_done,
)
from privacy.models import AccessLogEntry
from tests.huisverbod.conftest import clock_at, imposed, person, record_order, yesterday

pytestmark = pytest.mark.django_db

D = datetime.date


def test_recording_an_order_computes_day_ten_day_28_and_three_tasks(
    operator, family_case, monkeypatch
):
    clock_at(monkeypatch, D(2026, 12, 23))
    order = record_order(family_case, operator, on=D(2026, 12, 22))
    assert order.ends_on == D(2026, 12, 31)
    assert order.latest_extension_on == D(2027, 1, 18)
    assert order.removed_person == person(family_case, "Kees Bakker")
    assert {p.name for p in order.people_at_home.all()} == {"Sanne de Vries", "Noor de Vries"}
    due = {task.kind: task.due_on for task in order.tasks.all()}
    assert due == {
        TaskKind.CONTACT_REMOVED: D(2026, 12, 23),
        TaskKind.CONTACT_AT_HOME: D(2026, 12, 23),
        TaskKind.EXTENSION_ADVICE: D(2026, 12, 29),
    }


def test_recording_an_order_is_one_case_action_in_the_access_log(operator, family_case):
    version = family_case.version
    order = record_order(family_case, operator)
    rows = AccessLogEntry.objects.filter(
        target_type="cases.case", target_id=str(family_case.pk), reason__startswith="huisverbod"
    )
    assert [row.reason for row in rows] == [f"huisverbod:recorded {order.pk}"]
    family_case.refresh_from_db()
    assert family_case.version == version


def test_the_removed_person_may_be_a_description_when_not_on_the_case(operator, family_case):
    order = huisverbod_record(
        case_id=family_case.pk,
        by=operator,
        imposed_at=imposed(yesterday()),
        removed_person_id=None,
        removed_person_description="Oom van moeder, woont in",
        people_at_home_ids=[person(family_case, "Sanne de Vries").pk],
    )
    assert order.removed_person is None
    assert order.removed_person_description == "Oom van moeder, woont in"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"removed_person_id": None}, "removed_person"),
        ({"removed_person_description": "ook nog tekst"}, "removed_person_description"),
        ({"people_at_home_ids": []}, "people_at_home"),
        ({"imposed_at": imposed(timezone.localdate() + datetime.timedelta(days=2))}, "imposed_on"),
        ({"imposed_at": imposed(D(2008, 12, 31))}, "imposed_on"),
    ],
)
def test_an_order_that_does_not_add_up_is_refused_with_its_field_and_nothing_saved(
    operator, family_case, change, field
):
    arguments = {
        "case_id": family_case.pk,
        "by": operator,
        "imposed_at": imposed(yesterday()),
        "removed_person_id": person(family_case, "Kees Bakker").pk,
        "removed_person_description": "",
        "people_at_home_ids": [person(family_case, "Sanne de Vries").pk],
    }
    arguments.update(change)
    with pytest.raises(HuisverbodError) as refusal:
        huisverbod_record(**arguments)
    assert refusal.value.field == field
    assert not Huisverbod.objects.exists()


def test_the_removed_person_cannot_also_be_at_home(operator, family_case):
    kees = person(family_case, "Kees Bakker")
    with pytest.raises(HuisverbodError) as refusal:
        huisverbod_record(
            case_id=family_case.pk,
            by=operator,
            imposed_at=imposed(yesterday()),
            removed_person_id=kees.pk,
            removed_person_description="",
            people_at_home_ids=[kees.pk],
        )
    assert refusal.value.field == "people_at_home"


def test_people_of_another_case_cannot_be_chosen(operator, family_case):
    from tests.cases.factories import register_case

    other = register_case(operator)
    with pytest.raises(HuisverbodError) as refusal:
        huisverbod_record(
            case_id=family_case.pk,
            by=operator,
            imposed_at=imposed(yesterday()),
            removed_person_id=other.people.first().pk,
            removed_person_description="",
            people_at_home_ids=[person(family_case, "Sanne de Vries").pk],
        )
    assert refusal.value.field == "removed_person"


def test_a_partner_is_refused_by_the_service(partner, operator, family_case):
    with pytest.raises(HuisverbodError) as refusal:
        record_order(family_case, partner)
    assert refusal.value.status == 403
    assert not Huisverbod.objects.exists()


def test_the_mayor_may_extend_to_day_28(operator, family_case, monkeypatch):
    clock_at(monkeypatch, D(2027, 4, 24))
    order = record_order(family_case, operator, on=D(2027, 4, 23))
    order = huisverbod_extend(
        case_id=family_case.pk, huisverbod_id=order.pk, by=operator, extended_until=D(2027, 5, 20)
    )
    assert order.extended_until == D(2027, 5, 20)
    assert order.last_day == D(2027, 5, 20)
    assert order.extended_by == operator


def test_an_extension_beyond_day_28_is_refused(operator, family_case, monkeypatch):
    clock_at(monkeypatch, D(2027, 4, 24))
    order = record_order(family_case, operator, on=D(2027, 4, 23))
    with pytest.raises(HuisverbodError) as refusal:
        huisverbod_extend(
            case_id=family_case.pk,
            huisverbod_id=order.pk,
            by=operator,
            extended_until=D(2027, 5, 21),
        )
    assert refusal.value.field == "extended_until"
    assert "21-05-2027" not in str(refusal.value)
    assert "20-05-2027" in str(refusal.value)
    order.refresh_from_db()
    assert order.extended_until is None


def test_an_extension_that_ends_by_day_ten_is_no_extension(operator, family_case, monkeypatch):
    clock_at(monkeypatch, D(2027, 4, 24))
    order = record_order(family_case, operator, on=D(2027, 4, 23))
    with pytest.raises(HuisverbodError) as refusal:
        huisverbod_extend(
            case_id=family_case.pk,
            huisverbod_id=order.pk,
            by=operator,
            extended_until=D(2027, 5, 2),
        )
    assert refusal.value.field == "extended_until"


def test_giving_the_advice_completes_the_advice_task(operator, family_case):
    order = record_order(family_case, operator)
    order = huisverbod_advice_give(
        case_id=family_case.pk,
        huisverbod_id=order.pk,
        by=operator,
        advice=ExtensionAdvice.EXTEND,
        text="Hulp is net gestart; dreiging blijft.",
    )
    assert order.advice == ExtensionAdvice.EXTEND
    assert order.advice_text == "Hulp is net gestart; dreiging blijft."
    task = order.tasks.get(kind=TaskKind.EXTENSION_ADVICE)
    assert task.done_at is not None
    assert task.done_by == operator


def test_advice_without_a_reason_is_refused(operator, family_case):
    order = record_order(family_case, operator)
    with pytest.raises(HuisverbodError) as refusal:
        huisverbod_advice_give(
            case_id=family_case.pk, huisverbod_id=order.pk, by=operator, advice="extend", text=" "
        )
    assert refusal.value.field == "advice_text"


def test_a_contact_task_is_ticked_off_with_a_note(operator, family_case):
    order = record_order(family_case, operator)
    task = order.tasks.get(kind=TaskKind.CONTACT_REMOVED)
    task = huisverbod_task_done(
        case_id=family_case.pk, task_id=task.pk, by=operator, note="Gebeld, verblijft bij broer."
    )
    assert task.done_by == operator
    assert task.note == "Gebeld, verblijft bij broer."


def test_a_task_is_ticked_off_only_once(operator, family_case):
    order = record_order(family_case, operator)
    task = order.tasks.get(kind=TaskKind.CONTACT_AT_HOME)
    huisverbod_task_done(case_id=family_case.pk, task_id=task.pk, by=operator, note="Bezocht.")
    with pytest.raises(HuisverbodError) as refusal:
        huisverbod_task_done(case_id=family_case.pk, task_id=task.pk, by=operator, note="Nog eens")
    assert refusal.value.status == 409
    task.refresh_from_db()
    assert task.note == "Bezocht."


def test_the_note_and_the_advice_are_stored_encrypted(operator, family_case):
    from django.db import connection

    order = record_order(family_case, operator)
    task = order.tasks.get(kind=TaskKind.CONTACT_REMOVED)
    huisverbod_task_done(case_id=family_case.pk, task_id=task.pk, by=operator, note="Geheim")
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM huisverbod_huisverbodtask WHERE id = %s", [task.pk])
        (stored,) = cursor.fetchone()
    assert "Geheim" not in stored


def test_the_event_of_a_huisverbod_step_carries_no_names(operator, family_case):
    from events.models import OutboxEvent

    record_order(family_case, operator)
    event = OutboxEvent.objects.latest("pk")
    assert event.payload["action"] == "huisverbod"
    assert "Kees" not in str(event.payload)
    assert HuisverbodTask.objects.count() == 3
