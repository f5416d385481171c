"""Hypothesis fuzzes every field of every step of /melden/: any input gives either a saved
step (or report) or a clear error with nothing saved, and never a server error (the test
client re-raises any exception a view lets through)."""

from __future__ import annotations

import copy
import string

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.models import Case
from melden.forms import MAX_PEOPLE
from melden.models import OnlineReportDraft
from tests.melden.helpers import STEP_DATA, fill_steps, step_url

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

CHOICES = [
    "yes",
    "no",
    "on",
    "child",
    "adult",
    "victim",
    "education",
    "physical_abuse",
    "danger_child",
    "2511 AB",
    "12",
    "2016-05-04",
    "111222333",
]
VALUES = st.one_of(
    st.none(),  # the field is missing
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=31), min_size=1, max_size=5),
    st.text(alphabet=st.characters(min_codepoint=0x80, exclude_categories=["Cs"]), max_size=30),
    st.integers(min_value=150, max_value=30_000).map(lambda n: "é" * n),
    st.integers().map(str),
    st.lists(st.text(alphabet=string.printable, max_size=10), min_size=2, max_size=3),
    st.sampled_from(CHOICES),
)

PERSON_FIELDS = ["role", "is_child", "name", "date_of_birth", "bsn"]
FIELDS = {
    1: ["acute", "name", "organisation", "profession", "phone", "email"],
    2: ["steps"]
    + [f"afweging_{q}" for q in ("suspicion", "acute_or_structural", "can_help")]
    + [f"afweging_{q}" for q in ("help_accepted", "lasting_safety")],
    3: ["client_informed", "client_not_informed_reason"],
    4: ["postcode", "house_number", "addition", "street", "city", "violence_forms", "account"]
    + [f"people-{i}-{f}" for i in (0, 1, MAX_PEOPLE - 1) for f in PERSON_FIELDS]
    + ["people-TOTAL_FORMS", "people-INITIAL_FORMS", "people-MAX_NUM_FORMS"],
    5: ["anonymity_requested", "anonymity_ground", "anonymity_explanation"],
    6: ["truthful"],
}
ALL_FIELDS = [(number, name) for number, names in FIELDS.items() for name in names]


def mutate(data: dict, name: str, value) -> dict:
    data = dict(data)
    if value is None:
        data.pop(name, None)
    else:
        data[name] = value
    return data


def shows_an_error(response) -> bool:
    html = response.content.decode()
    return 'class="error-text"' in html or 'class="form-errors"' in html


@pytest.fixture
def walked():
    """A client whose draft has every step filled in, and a way back to that state."""
    client = Client()
    fill_steps(client, 5)
    baseline = copy.deepcopy(OnlineReportDraft.objects.get().data)

    def reset() -> None:
        if not OnlineReportDraft.objects.exists():
            fill_steps(client, 5)
        OnlineReportDraft.objects.update(data=copy.deepcopy(baseline), step_reached=6)

    return client, reset


@FUZZ
@given(target=st.sampled_from(ALL_FIELDS), value=VALUES)
def test_any_value_in_any_field_is_saved_or_refused_with_an_error_never_a_crash(
    walked, target, value
):
    client, reset = walked
    reset()
    number, name = target
    before_cases = Case.objects.count()
    before = copy.deepcopy(OnlineReportDraft.objects.get().data)
    response = client.post(step_url(number), mutate(STEP_DATA[number](), name, value))
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        assert shows_an_error(response)
        assert Case.objects.count() == before_cases
        assert OnlineReportDraft.objects.get().data == before
    elif number == 6:
        assert response["Location"] == "/melden/ontvangen/"
        assert Case.objects.count() == before_cases + 1
    else:
        saved = OnlineReportDraft.objects.get().data[str(number)]
        if value is not None and not isinstance(value, list) and name in saved:
            assert saved[name] == value
        assert Case.objects.count() == before_cases


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(ALL_FIELDS), VALUES, max_size=4))
def test_a_whole_report_with_fuzzed_fields_is_saved_whole_or_not_at_all(changes):
    client = Client()
    before_cases = Case.objects.count()
    failed_at = None
    for number in range(1, 7):
        data = STEP_DATA[number]()
        for (step, name), value in changes.items():
            if step == number:
                data = mutate(data, name, value)
        response = client.post(step_url(number), data)
        assert response.status_code in (302, 400), response.status_code
        if response.status_code == 400:
            assert shows_an_error(response)
            failed_at = number
            break
        if response["Location"] == "/melden/advies/":
            failed_at = number  # the afwegingskader said: consult instead
            break
    if failed_at is None:
        assert response["Location"] == "/melden/ontvangen/"
        case = Case.objects.order_by("-pk").first()
        assert case is not None
        assert Case.objects.count() == before_cases + 1
        contact = case.contacts.get()
        name_change = changes.get((1, "name"))
        if isinstance(name_change, str):
            assert contact.name == name_change.strip()
        account_change = changes.get((4, "account"))
        if isinstance(account_change, str):
            assert case.account.strip() == account_change.strip()
    else:
        assert Case.objects.count() == before_cases
