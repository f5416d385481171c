from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from cases.models import Case, State


@pytest.mark.django_db
def test_demo_data_has_staff_and_cases_in_several_states_and_loads_twice():
    call_command("load_demo_data", stdout=StringIO())
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    assert User.objects.filter(username__in=["anouk", "bram", "carla"]).count() == 3
    states = set(Case.objects.values_list("state", flat=True))
    assert {
        State.INTAKE,
        State.SAFETY_ASSESSMENT,
        State.DECISION,
        State.MONITORING,
        State.COUNCIL_REQUEST,
        State.CLOSED,
    } <= states
    assert Case.objects.count() == 7
    assert Case.objects.filter(acute=True).count() == 1
    assert "totp_code" in out.getvalue()


@pytest.mark.django_db
def test_demo_data_is_refused_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("load_demo_data")
    assert not Case.objects.exists()
