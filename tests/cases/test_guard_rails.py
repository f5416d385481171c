"""Guard rails on the case page (issue 19): one button per action."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.models import State
from cases.services import case_transition
from tests.cases.factories import register_case

pytestmark = pytest.mark.django_db


def test_an_acute_case_in_intake_offers_one_way_to_the_assessment(operator_client, operator):
    case = register_case(operator, acute=True)
    assert case.state == State.INTAKE
    page = operator_client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "Start veiligheidsbeoordeling" in page
    assert "Veiligheidsbeoordeling invullen" not in page


def test_once_started_the_assessment_is_reached_by_its_one_link(operator_client, operator):
    case = register_case(operator, acute=True)
    case_transition(case_id=case.pk, name="start_assessment", by=operator, expected_version=None)
    page = operator_client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert page.count("Veiligheidsbeoordeling invullen") == 1
    assert "Start veiligheidsbeoordeling" not in page
