"""The radar while the caller is on the line (issue 15, item 2): typed values in a POST
body, matched by blind index before anything is saved; need-to-know decides how much of a
match shows, and every look-up is in the access log."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from cases.views import RADAR_LOOKUPS_PER_MINUTE
from hotline import services
from privacy.models import AccessLogEntry
from tests.cases.factories import register_case, victim_contact
from tests.conftest import log_in_fully
from tests.hotline.conftest import TwilioSays

CONTENT_OF_THE_OTHER_CASE = (
    "Sanne",
    "Noor",
    "Kees",
    "Lange Poten",
    "2511",
    "geschreeuw",
    "111222333",
    "1234567",
)


@pytest.fixture
def twilio(db) -> TwilioSays:
    """Calls through the signed menu webhooks, as in tests/hotline."""
    return TwilioSays(Client())


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


def radar(client: Client, **values: object):
    return client.post("/cases/radar/", values)


def test_a_typed_phone_number_finds_the_earlier_case_with_its_state_team_and_owner(
    operator, operator_client
):
    earlier = register_case(operator, contact=victim_contact(phone="070-1234567"))
    reply = radar(operator_client, phone="+31 70 123 4567").json()
    [match] = reply["matches"]
    assert match == {
        "reference": earlier.reference,
        "state": "Intake",
        "team": "Team Centrum",
        "owner": "olga",
        "last_contact": timezone.localdate(earlier.reported_at).isoformat(),
        "matched_on": ["phone"],
        "visible": True,
        "case_id": earlier.pk,
        "url": f"/cases/{earlier.pk}/",
    }


@pytest.mark.parametrize(
    "values, reason",
    [
        ({"name": "kees  bakker"}, "name"),
        ({"postcode": "2511ab", "house_number": "12"}, "address"),
        ({"bsn": "111222333"}, "bsn"),
    ],
)
def test_names_addresses_and_bsns_match_too(operator, operator_client, values, reason):
    earlier = register_case(operator)
    [match] = radar(operator_client, **values).json()["matches"]
    assert match["reference"] == earlier.reference and reason in match["matched_on"]


def test_a_name_with_the_same_date_of_birth_says_so(operator, operator_client):
    register_case(operator)
    [same] = radar(operator_client, name="Noor de Vries", date_of_birth="2016-03-01").json()[
        "matches"
    ]
    assert same["matched_on"] == ["date_of_birth", "name"]
    [other] = radar(operator_client, name="Noor de Vries", date_of_birth="2017-01-01").json()[
        "matches"
    ]
    assert other["matched_on"] == ["name"]


def test_a_case_outside_need_to_know_shows_only_enough_to_ask_its_owner(
    operator_client, other_operator
):
    theirs = register_case(other_operator, contact=victim_contact(phone="070-1234567"))
    response = radar(operator_client, phone="0701234567", name="Noor de Vries")
    [match] = response.json()["matches"]
    assert match["reference"] == theirs.reference
    assert (match["team"], match["owner"], match["state"]) == ("Team Zuidwest", "otto", "Intake")
    assert match["last_contact"]
    assert (match["visible"], match["case_id"], match["url"]) == (False, None, None)
    body = response.content.decode()
    for content in CONTENT_OF_THE_OTHER_CASE:
        assert content not in body


def test_every_look_up_is_one_access_log_row_naming_the_cases_shown(
    operator, operator_client, other_operator
):
    mine = register_case(operator, contact=victim_contact(phone="070-1234567"))
    theirs = register_case(other_operator, contact=victim_contact(phone="070-1234567"))
    before = AccessLogEntry.objects.count()
    radar(operator_client, phone="0701234567")
    rows = AccessLogEntry.objects.order_by("seq")[before:]
    [row] = list(rows)
    assert row.target_type == "cases.radar" and row.actor_id == operator.pk
    assert set(row.target_id.split(",")) == {str(mine.pk), str(theirs.pk)}
    assert row.reason == "intake radar: phone"
    radar(operator_client, name="Niemand Bekend")
    last = AccessLogEntry.objects.order_by("seq").last()
    assert last is not None and last.reason == "intake radar: no match"


def test_nothing_typed_finds_nothing(operator, operator_client):
    register_case(operator)
    assert radar(operator_client).json() == {"matches": []}
    assert radar(operator_client, postcode="2511AB").json() == {"matches": []}


def test_the_values_go_in_the_body_never_the_url(operator_client):
    assert operator_client.get("/cases/radar/?phone=0701234567").status_code == 405


def test_the_radar_is_rate_limited_per_user(
    operator, operator_client, supervisor_client, monkeypatch
):
    # One clock minute throughout, however slowly the machine answers.
    monkeypatch.setattr("cases.views._radar_minute", lambda: 29_000_000)
    for _ in range(RADAR_LOOKUPS_PER_MINUTE):
        assert radar(operator_client, name="Noor").status_code == 200
    busy = radar(operator_client, name="Noor")
    assert busy.status_code == 429 and busy.json()["error"]
    # Another user is not held up by it.
    assert radar(supervisor_client, name="Noor").status_code == 200


def test_someone_without_the_case_role_is_refused(django_user_model):
    client = Client()
    assert client.post("/cases/radar/", {"name": "Noor"}).status_code in (302, 403)


# --- the caller's own number, matched by its index ---------------------------------------


def test_a_calls_radar_matches_the_callers_own_number_without_it_reaching_the_page(
    twilio, operator, operator_client
):
    earlier = register_case(operator, contact=victim_contact(phone="070-1234567"))
    call = services.call_take(call=twilio.queued_call(), operator=operator)
    response = operator_client.post(f"/hotline/calls/{call.pk}/radar/", {})
    [match] = response.json()["matches"]
    assert match["reference"] == earlier.reference and match["matched_on"] == ["phone"]
    assert "1234567" not in response.content.decode()


def test_a_withheld_number_matches_nothing(twilio, operator, operator_client):
    register_case(operator, contact=victim_contact(phone="070-1234567"))
    call = twilio.queued_call()
    call.caller_index = ""
    call.withheld = True
    call.save()
    call = services.call_take(call=call, operator=operator)
    assert operator_client.post(f"/hotline/calls/{call.pk}/radar/", {}).json() == {"matches": []}


def test_the_plain_radar_never_matches_a_number_it_was_not_given(operator, operator_client):
    register_case(operator, contact=victim_contact(phone="070-1234567"))
    assert radar(operator_client, call_id="1", phone_index="x").json() == {"matches": []}


def test_another_operator_cannot_use_someone_elses_call_for_the_radar(
    twilio, operator, other_operator
):
    call = services.call_take(call=twilio.queued_call(), operator=operator)
    otto = log_in_fully(Client(), other_operator)
    assert otto.post(f"/hotline/calls/{call.pk}/radar/", {}).status_code == 403
