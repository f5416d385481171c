"""One national number, 25 regions: landlines by area code, the rest by postcode."""

from __future__ import annotations

import pytest

from events.models import OutboxEvent
from hotline.models import Call, CallState
from hotline.regions import region_for_number, region_for_postcode
from tests.hotline.conftest import DEN_HAAG_LANDLINE, MOBILE, ROTTERDAM_LANDLINE, new_sid


@pytest.mark.parametrize(
    ("number", "region"),
    [
        ("+31701234567", "haaglanden"),  # Den Haag
        ("+31152345678", "haaglanden"),  # Delft
        ("+31174123456", "haaglanden"),  # Westland: a four-digit area code
        ("0101234567", "rotterdam-rijnmond"),
        ("+31201234567", "amsterdam-amstelland"),
        ("+31612345678", None),  # mobile
        ("+3197012345678", None),  # machine-to-machine
        ("+4930123456", None),  # Berlin
        ("anonymous", None),
        ("+266696687", None),
        ("", None),
        ("not a number", None),
    ],
)
def test_the_area_code_decides_the_region(number, region):
    assert region_for_number(number) == region


@pytest.mark.parametrize(
    ("digits", "region"),
    [
        ("2514", "haaglanden"),  # Den Haag centrum
        ("2611", "haaglanden"),  # Delft
        ("2711", "haaglanden"),  # Zoetermeer
        ("3011", "rotterdam-rijnmond"),
        ("2311", "hollands-midden"),  # Leiden
        ("0123", None),
        ("5000", None),  # a region we have no data for
        ("25", None),
        ("abcd", None),
    ],
)
def test_the_postcode_decides_the_region(digits, region):
    assert region_for_postcode(digits) == region


def test_a_den_haag_landline_is_routed_without_a_question(twilio):
    sid = new_sid()
    body = twilio.voice(sid, From=DEN_HAAG_LANDLINE).content.decode()
    assert "postcode" not in body
    assert "step=role" in body
    call = Call.objects.get(sid=sid)
    assert (call.region, call.region_source) == ("haaglanden", "area_code")


def test_a_landline_of_another_region_is_transferred_to_its_number(twilio):
    sid = new_sid()
    body = twilio.voice(sid, From=ROTTERDAM_LANDLINE).content.decode()
    assert "<Dial>+31880000103</Dial>" in body
    assert "bel 112" in body
    call = Call.objects.get(sid=sid)
    assert (call.state, call.region) == (CallState.TRANSFERRED, "rotterdam-rijnmond")
    event = OutboxEvent.objects.get(kind="call.transferred")
    # Announced on this deployment's dashboards: the region that handled (transferred) it.
    assert event.region == "haaglanden"


def test_a_mobile_caller_is_asked_for_the_postcode_and_routed_here(twilio):
    sid = new_sid()
    body = twilio.voice(sid, From=MOBILE).content.decode()
    assert "vier cijfers van uw postcode" in body
    assert "step=postcode" in body and 'numDigits="4"' in body
    menu = twilio.menu(sid, "postcode", "2514").content.decode()
    assert "step=role" in menu
    call = Call.objects.get(sid=sid)
    assert (call.region, call.region_source) == ("haaglanden", "postcode")


def test_a_mobile_caller_from_another_region_is_transferred_after_the_postcode(twilio):
    sid = new_sid()
    twilio.voice(sid, From=MOBILE)
    body = twilio.menu(sid, "postcode", "2311").content.decode()
    assert "<Dial>+31880000102</Dial>" in body
    assert Call.objects.get(sid=sid).state == CallState.TRANSFERRED


@pytest.mark.parametrize("withheld", ["anonymous", "+266696687", "", "Restricted"])
def test_a_withheld_number_is_asked_for_the_postcode_and_nothing_is_stored(twilio, withheld):
    sid = new_sid()
    body = twilio.voice(sid, From=withheld).content.decode()
    assert "step=postcode" in body
    call = Call.objects.get(sid=sid)
    assert call.withheld
    assert (call.caller_number, call.caller_index, call.region) == ("", "", "")


def test_a_postcode_we_do_not_know_is_asked_again_then_answered_here(twilio):
    sid = new_sid()
    twilio.voice(sid, From="anonymous")
    again = twilio.menu(sid, "postcode", "5000").content.decode()
    assert "herkennen we niet" in again
    assert Call.objects.get(sid=sid).region == ""
    onward = twilio.menu(sid, "postcode", "").content.decode()
    assert "step=role" in onward
    call = Call.objects.get(sid=sid)
    assert (call.region, call.region_source) == ("haaglanden", "default")


def test_a_region_without_a_transfer_number_is_answered_here(twilio, monkeypatch):
    from hotline import regions, views

    monkeypatch.setattr(views, "transfer_number_for", lambda region: "")
    assert regions.transfer_number_for("haaglanden") == ""
    sid = new_sid()
    body = twilio.voice(sid, From=ROTTERDAM_LANDLINE).content.decode()
    assert "<Dial" not in body and "step=role" in body


def test_the_region_data_names_only_known_regions():
    from hotline.regions import region_map

    data = region_map()
    assert "haaglanden" in data.regions
    assert data.area_codes["070"] == "haaglanden"
