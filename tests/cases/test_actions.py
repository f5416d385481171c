"""The shape every case action shares: one durable transaction, never nested."""

from __future__ import annotations

import pytest
from django.db import transaction

from cases.models import Case, State
from cases.services import case_transition
from events.models import OutboxEvent
from privacy.models import AccessLogEntry
from tests.cases.factories import register_case

pytestmark = pytest.mark.django_db


def test_a_nested_action_raises(operator):
    case = register_case(operator)
    # The test's own transaction does not count; one opened around an action does.
    with pytest.raises(RuntimeError, match="durable"):
        with transaction.atomic():
            case_transition(
                case_id=case.pk, name="start_assessment", by=operator, expected_version=None
            )
    assert Case.objects.get(pk=case.pk).state == State.INTAKE


def test_an_action_writes_one_audit_entry_and_one_event(operator):
    case = register_case(operator)
    events, entries = OutboxEvent.objects.count(), AccessLogEntry.objects.count()
    case_transition(case_id=case.pk, name="start_assessment", by=operator, expected_version=None)
    assert OutboxEvent.objects.count() == events + 1
    assert AccessLogEntry.objects.count() == entries + 1
    entry = AccessLogEntry.objects.order_by("-seq").first()
    assert entry is not None
    assert entry.reason == "transitioned:start_assessment"
    assert Case.objects.get(pk=case.pk).version == case.version + 1
