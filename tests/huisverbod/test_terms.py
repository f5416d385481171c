"""The huisverbod's days: calendar days from day 1, the day it was imposed; the contacts
on the next Dutch working day. Known dates across weekends and public holidays."""

from __future__ import annotations

import datetime

import pytest

from huisverbod import terms

D = datetime.date


def test_day_one_is_the_day_the_order_was_imposed() -> None:
    assert terms.order_day(D(2026, 12, 22), 1) == D(2026, 12, 22)


def test_there_is_no_day_zero() -> None:
    with pytest.raises(ValueError):
        terms.order_day(D(2026, 12, 22), 0)


def test_an_order_imposed_before_christmas_ends_on_day_ten_counting_the_holidays() -> None:
    # Tuesday 22 December 2026: Christmas (Fri 25, Sat 26) and a weekend fall inside and
    # count like any day; day 10 is Thursday 31 December.
    assert terms.order_ends_on(D(2026, 12, 22)) == D(2026, 12, 31)


def test_an_order_imposed_before_christmas_can_be_extended_to_day_28_in_january() -> None:
    assert terms.extension_latest_end(D(2026, 12, 22)) == D(2027, 1, 18)


def test_an_order_imposed_before_kings_day_ends_on_a_sunday_without_being_moved() -> None:
    # Friday 23 April 2027: Koningsdag (Tue 27 April) and two weekends fall inside; day 10
    # is Sunday 2 May: the order is a period, not a term to act in, so it is not moved
    # to the next working day.
    assert terms.order_ends_on(D(2027, 4, 23)) == D(2027, 5, 2)
    assert D(2027, 5, 2).weekday() == 6


def test_an_order_imposed_before_kings_day_can_be_extended_to_day_28_past_5_may() -> None:
    # Koningsdag, Liberation Day (5 May) and Ascension (6 May 2027) count as days.
    assert terms.extension_latest_end(D(2027, 4, 23)) == D(2027, 5, 20)


def test_the_advice_on_extension_is_due_on_day_eight() -> None:
    assert terms.advice_due_on(D(2026, 12, 22)) == D(2026, 12, 29)
    assert terms.advice_due_on(D(2027, 4, 23)) == D(2027, 4, 30)


def test_the_contacts_are_due_the_next_working_day() -> None:
    # A Tuesday order: Wednesday.
    assert terms.contact_due_on(D(2026, 12, 22)) == D(2026, 12, 23)


def test_contacts_for_an_order_imposed_on_christmas_eve_are_due_after_the_holidays() -> None:
    # Thursday 24 December 2026: Christmas Friday, Boxing Day Saturday, Sunday: Monday 28.
    assert terms.contact_due_on(D(2026, 12, 24)) == D(2026, 12, 28)


def test_contacts_for_an_order_imposed_the_day_before_kings_day_are_due_after_it() -> None:
    # Monday 26 April 2027: Koningsdag Tuesday 27 April is no working day: Wednesday 28.
    assert terms.contact_due_on(D(2027, 4, 26)) == D(2027, 4, 28)


def test_contacts_for_a_friday_order_are_due_on_monday() -> None:
    assert terms.contact_due_on(D(2027, 4, 23)) == D(2027, 4, 26)


def test_the_terms_are_the_statutory_and_protocol_defaults() -> None:
    assert (terms.ORDER_DAYS, terms.EXTENDED_MAX_DAYS, terms.ADVICE_DUE_DAY) == (10, 28, 8)
    assert terms.CONTACT_WORKING_DAYS == 1
