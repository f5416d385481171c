"""Due and overdue huisverbod tasks on the supervisor's screen, overdue first."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from huisverbod.models import HuisverbodTask, TaskKind
from huisverbod.selectors import tasks_due
from huisverbod.services import huisverbod_task_done
from tests.cases.factories import register_case
from tests.huisverbod.conftest import PEOPLE, record_order

pytestmark = pytest.mark.django_db


def order_with_due(operator, *, days_from_today: int):
    """An order whose contact with the removed person is due `days_from_today` from today
    (the other tasks moved well ahead, so only that one is in view)."""
    order = record_order(register_case(operator, people=PEOPLE), operator)
    today = timezone.localdate()
    order.tasks.update(due_on=today + datetime.timedelta(days=30))
    order.tasks.filter(kind=TaskKind.CONTACT_REMOVED).update(
        due_on=today + datetime.timedelta(days=days_from_today)
    )
    return order


def test_overdue_and_due_tasks_are_listed_overdue_first(supervisor, operator):
    due_tomorrow = order_with_due(operator, days_from_today=1)
    overdue = order_with_due(operator, days_from_today=-3)
    due_today = order_with_due(operator, days_from_today=0)
    order_with_due(operator, days_from_today=5)
    listed = [task.huisverbod_id for task in tasks_due(user=supervisor, today=timezone.localdate())]
    assert listed == [overdue.pk, due_today.pk, due_tomorrow.pk]


def test_a_task_done_leaves_the_list(supervisor, operator):
    order = order_with_due(operator, days_from_today=-1)
    task = order.tasks.get(kind=TaskKind.CONTACT_REMOVED)
    huisverbod_task_done(case_id=order.case_id, task_id=task.pk, by=operator, note="Gesproken.")
    assert not tasks_due(user=supervisor, today=timezone.localdate()).exists()


def test_an_operator_sees_only_tasks_of_cases_they_may_know(operator, other_operator):
    order_with_due(operator, days_from_today=-1)
    assert tasks_due(user=operator, today=timezone.localdate()).count() == 1
    assert not tasks_due(user=other_operator, today=timezone.localdate()).exists()


def test_the_supervisor_page_shows_overdue_tasks_in_red_with_the_days_late(
    supervisor_client, operator
):
    order = order_with_due(operator, days_from_today=-2)
    page = supervisor_client.get(reverse("supervision:overview")).content.decode()
    section = page[page.index('id="huisverbod-heading"') :]
    section = section[: section.index("</section>")]
    assert order.case.reference in section
    assert "Contact met de uithuisgeplaatste" in section
    assert 'class="overdue"' in section
    assert "2 dagen te laat" in section
    assert "Kees" not in section


def test_the_supervisor_page_says_so_when_no_task_is_due(supervisor_client):
    page = supervisor_client.get(reverse("supervision:overview")).content.decode()
    assert "Geen huisverbodtaken te laat of voor morgen." in page
    assert HuisverbodTask.objects.count() == 0
