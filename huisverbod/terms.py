"""The terms of a tijdelijk huisverbod, as data: one name per term, each with its source.

How the days are counted (the order's own days are calendar days, not working days: the
Algemene termijnenwet extends terms within which something must be *done*, not the length
of a restraining order):

* day 1 is the day the mayor imposed the order, whatever the hour;
* day N is day 1 + (N - 1) calendar days; weekends and public holidays count like any day;
* the order runs to the end of its last day: day 10, or the day the mayor extended it to.

Veilig Thuis's own tasks follow the regional protocol: a term in working days only where
the protocol says "werkdag" (cases.working_days has the Dutch holiday calendar).
"""

from __future__ import annotations

import datetime

from cases import working_days

# The Wet tijdelijk huisverbod came into force on 1 January 2009 (Stb. 2008, 421): no order
# can be older; an earlier date is a typing error.
WTH_IN_FORCE = datetime.date(2009, 1, 1)

# Wet tijdelijk huisverbod (Wth) art. 2 lid 1: "Het verbod geldt voor een periode van tien
# dagen, behoudens verlenging overeenkomstig artikel 9."
ORDER_DAYS = 10

# Wth art. 9 lid 1: the mayor may extend the order "tot ten hoogste vier weken nadat het is
# opgelegd"; four weeks counted from day 1 ends on day 28.
EXTENDED_MAX_DAYS = 28

# Regional protocol (Veilig Thuis Haaglanden, following the national handreiking): Veilig
# Thuis gives the mayor its advice on extension no later than day 8, so the mayor can decide
# before the order ends on day 10. A calendar day, like the order's own days.
ADVICE_DUE_DAY = 8

# Regional protocol: Veilig Thuis contacts the removed person (uithuisgeplaatste) and the
# people at home (achterblijvers) "uiterlijk de volgende werkdag" after the order was imposed
# (Wth art. 2 lid 6 gives the removed person 24 hours to tell the mayor where they can be
# reached). Dutch working days: a Friday order is due on Monday, one before Christmas after it.
CONTACT_WORKING_DAYS = 1


def order_day(imposed_on: datetime.date, day: int) -> datetime.date:
    """The calendar date of day `day` of an order imposed on `imposed_on` (day 1)."""
    if day < 1:
        raise ValueError("an order's days start at day 1")
    return imposed_on + datetime.timedelta(days=day - 1)


def order_ends_on(imposed_on: datetime.date) -> datetime.date:
    """The last day of the order as imposed: day 10."""
    return order_day(imposed_on, ORDER_DAYS)


def extension_latest_end(imposed_on: datetime.date) -> datetime.date:
    """The latest day an extension may reach: day 28."""
    return order_day(imposed_on, EXTENDED_MAX_DAYS)


def advice_due_on(imposed_on: datetime.date) -> datetime.date:
    """Veilig Thuis's advice on extension: by the end of day 8."""
    return order_day(imposed_on, ADVICE_DUE_DAY)


def contact_due_on(imposed_on: datetime.date) -> datetime.date:
    """The contacts with the removed person and the people at home: the next working day."""
    return working_days.add_working_days(imposed_on, CONTACT_WORKING_DAYS)
