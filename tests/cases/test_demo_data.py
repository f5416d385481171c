from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from cases.models import Case, State
from huisverbod.models import Huisverbod, HuisverbodTask


@pytest.mark.django_db
def test_demo_data_has_staff_and_cases_in_several_states_and_loads_twice():
    call_command("load_demo_data", stdout=StringIO())
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    demo_staff = ["anouk", "bram", "carla", "daan", "eva"]
    assert User.objects.filter(username__in=demo_staff).count() == 5
    # The protocol's decision makers, so `make run` shows who approves what.
    assert User.objects.get(username="daan").role == "gedragswetenschapper"
    assert User.objects.get(username="eva").role == "vertrouwensarts"
    states = set(Case.objects.values_list("state", flat=True))
    assert {
        State.INTAKE,
        State.SAFETY_ASSESSMENT,
        State.DECISION,
        State.MONITORING,
        State.COUNCIL_REQUEST,
        State.CLOSED,
    } <= states
    # Six from the start, and one each for the strangulation proposed as advice, the
    # running huisverbod and the family waiting for the Jeugdbeschermingstafel.
    assert Case.objects.count() == 9
    # The neighbour's acute report, and the strangulation proposed as advice.
    assert Case.objects.filter(acute=True).count() == 2
    # One running tijdelijk huisverbod, one of its tasks done.
    assert Huisverbod.objects.count() == 1
    assert HuisverbodTask.objects.filter(done_at__isnull=False).count() == 1
    assert "totp_code" in out.getvalue()


@pytest.mark.django_db
def test_demo_data_is_refused_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("load_demo_data")
    assert not Case.objects.exists()
