"""Blind indexes: equal values (after normalising) match; nothing else does."""

from __future__ import annotations

import base64
import os

import pytest

from privacy import blind_index as bi


@pytest.mark.parametrize(
    "number", ["070-1234567", "+31 70 123 4567", "0031701234567", "070 123 45 67"]
)
def test_a_landline_is_normalised_to_e164_whatever_the_notation(number):
    assert bi.normalise_phone(number) == "+31701234567"
    assert bi.phone_index(number) == bi.phone_index("+31701234567")


def test_a_mobile_number_is_normalised_to_e164():
    assert bi.normalise_phone("06-12345678") == "+31612345678"
    assert bi.phone_index("06 12 34 56 78") == bi.phone_index("+31612345678")


def test_a_foreign_number_keeps_its_country():
    assert bi.normalise_phone("+32 2 123 45 67") == "+3221234567"


@pytest.mark.parametrize(
    "withheld",
    ["", "anonymous", "Anonymous", "unknown", "private", "restricted", "+266696687", None],
)
def test_withheld_numbers_give_no_index(withheld):
    assert bi.phone_index(withheld) == ""


@pytest.mark.parametrize("garbage", ["hallo", "12", "+31 70"])
def test_something_that_is_not_a_phone_number_gives_no_index(garbage):
    assert bi.phone_index(garbage) == ""


def test_different_phone_numbers_give_different_indexes():
    assert bi.phone_index("070-1234567") != bi.phone_index("070-1234568")


@pytest.mark.parametrize("written", ["111222333", "111.222.333", "111 222 333", "111-222-333"])
def test_a_bsn_that_passes_the_11_test_is_indexed_however_it_is_written(written):
    assert bi.is_valid_bsn(written)
    assert bi.bsn_index(written) == bi.bsn_index("111222333") != ""


def test_different_valid_bsns_give_different_indexes():
    assert bi.is_valid_bsn("123456782")
    assert bi.bsn_index("123456782") != bi.bsn_index("111222333")


@pytest.mark.parametrize(
    "invalid", ["111222334", "123456789", "000000000", "12345", "abcdefghi", "1112223330", ""]
)
def test_a_bsn_that_fails_the_11_test_gives_no_index(invalid):
    assert not bi.is_valid_bsn(invalid)
    assert bi.bsn_index(invalid) == ""
    with pytest.raises(bi.NotIndexable):
        bi.normalise_bsn(invalid)


def test_an_eight_digit_bsn_is_padded_with_a_leading_zero():
    assert bi.is_valid_bsn("12345672")
    assert bi.bsn_index("12345672") == bi.bsn_index("012345672") != ""


def test_postcode_and_house_number_are_normalised():
    assert bi.address_index("2511 ab", "12") == bi.address_index("2511AB", "12")
    assert bi.address_index("2511ab", " 12 ") == bi.address_index("2511 AB", 12)  # type: ignore[arg-type]  # an int house number, on purpose
    assert bi.normalise_address("2511 ab", "12", "a") == "2511AB-12-A"


def test_a_different_house_number_or_addition_gives_a_different_index():
    assert bi.address_index("2511AB", "12") != bi.address_index("2511AB", "14")
    assert bi.address_index("2511AB", "12") != bi.address_index("2511AB", "12", "A")


@pytest.mark.parametrize(
    "postcode,number", [("0511AB", "1"), ("2511A", "1"), ("2511AB", ""), ("", "12")]
)
def test_an_invalid_address_gives_no_index(postcode, number):
    assert bi.address_index(postcode, number) == ""


def test_names_are_normalised_for_accents_case_and_whitespace():
    assert bi.normalise_name("  Émile   DE  Vriés ") == "emile de vries"
    assert bi.name_index("Ëlla-Marie") == bi.name_index("ella marie")
    assert bi.name_index("   ") == ""


def test_different_kinds_never_collide_for_the_same_normalised_value():
    value = "111222333"
    indexes = {bi.blind_index(kind, value) for kind in (bi.PHONE, bi.BSN, bi.ADDRESS, bi.NAME)}
    assert len(indexes) == 4
    assert bi.name_index("111222333") != bi.bsn_index("111222333")


def test_a_different_blind_index_key_gives_a_different_index(settings):
    before = bi.phone_index("070-1234567")
    settings.BLIND_INDEX_KEY = base64.urlsafe_b64encode(os.urandom(32)).decode()
    assert bi.phone_index("070-1234567") != before


def test_the_index_does_not_contain_the_value():
    index = bi.phone_index("070-1234567")
    assert len(index) == 64
    assert "1234567" not in index
