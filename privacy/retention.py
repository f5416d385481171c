"""Retention: how long case files are kept, and the registry of what can expire.

The rule (domain.md): a file is kept RETENTION_YEARS_AFTER_CLOSING years after closing
(default 15), or until the youngest child involved turns 18 if that is later. Domain apps
register a RetentionPolicy; privacy finds what expired, destroys it through the policy
and keeps a tombstone (services.record_destroy, manage.py purge_expired).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models

ADULT_AGE = 18


def add_years(day: datetime.date, years: int) -> datetime.date:
    """`years` later on the same date; 29 February becomes 1 March, never a day early."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return datetime.date(day.year + years, 3, 1)


def retention_until(
    *,
    closed_on: datetime.date,
    youngest_child_birth_date: datetime.date | None,
    years_after_closing: int | None = None,
) -> datetime.date:
    """The first day a closed file may be destroyed."""
    years = (
        settings.RETENTION_YEARS_AFTER_CLOSING
        if years_after_closing is None
        else years_after_closing
    )
    until = add_years(closed_on, years)
    if youngest_child_birth_date is not None:
        until = max(until, add_years(youngest_child_birth_date, ADULT_AGE))
    return until


@dataclass(frozen=True)
class TombstoneData:
    """What a tombstone keeps: no personal data, only that the record existed and when."""

    reference: str
    opened_on: datetime.date | None
    closed_on: datetime.date | None


@dataclass(frozen=True)
class RetentionPolicy:
    """How one kind of record expires and is destroyed.

    - visible_to(user): the records this user may see (need-to-know); user None is the
      system itself (manage.py purge_expired).
    - candidates(today): a cheap superset of what has expired (an SQL filter).
    - retained_until(record): the first day the record may go; may decrypt, so it is
      called per record and one unreadable record cannot stop the rest.
    - describe(record): tombstone data, for a dry run and for the tombstone.
    - destroy(record): wipes the content (and what hangs off it); returns tombstone data.
    - refuse_on_request(record): "" or why it cannot be destroyed on request now.
    """

    target_type: str
    visible_to: Callable[[Any], models.QuerySet]
    candidates: Callable[[datetime.date], Iterable[models.Model]]
    retained_until: Callable[[Any], datetime.date]
    describe: Callable[[Any], TombstoneData]
    destroy: Callable[[Any], TombstoneData]
    refuse_on_request: Callable[[Any], str] = lambda record: ""


_policies: dict[str, RetentionPolicy] = {}


def register_policy(policy: RetentionPolicy) -> RetentionPolicy:
    _policies[policy.target_type] = policy
    return policy


def unregister_policy(target_type: str) -> None:
    _policies.pop(target_type, None)


def policies() -> list[RetentionPolicy]:
    return [_policies[key] for key in sorted(_policies)]


def policy_for(target_type: str) -> RetentionPolicy | None:
    return _policies.get(target_type)
