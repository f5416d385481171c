"""Case files under privacy's retention framework (found by privacy.apps autodiscovery)."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import rules
from cases.models import Case, State
from privacy.retention import (
    RetentionPolicy,
    TombstoneData,
    add_years,
    register_policy,
    retention_until,
)


def _visible_to(user: Any) -> Any:
    return Case.objects.all() if user is None else Case.objects.visible_to(user)


def _candidates(today: datetime.date) -> Any:
    # Closed at least the minimum term ago is a cheap SQL filter; the children's birth
    # dates are encrypted, so the "youngest child turns 18" part is _retained_until's.
    latest_closing = add_years(today, -settings.RETENTION_YEARS_AFTER_CLOSING)
    return Case.objects.filter(state=State.CLOSED, closed_at__date__lte=latest_closing).order_by(
        "pk"
    )


def _retained_until(case: Case) -> datetime.date:
    return retention_until(
        closed_on=timezone.localdate(case.closed_at),
        youngest_child_birth_date=rules.youngest_child_birth_date(case),
    )


def _describe(case: Case) -> TombstoneData:
    return TombstoneData(
        reference=case.reference,
        opened_on=timezone.localdate(case.reported_at),
        closed_on=timezone.localdate(case.closed_at) if case.closed_at else None,
    )


def _destroy(case: Case) -> TombstoneData:
    # Contacts, people, transitions, links and tasks cascade: nothing of the file remains.
    data = _describe(case)
    case.delete()
    return data


def _refuse_on_request(case: Case) -> str:
    if case.state != State.CLOSED:
        return _("Sluit het dossier eerst af; daarna kan het op verzoek worden vernietigd.")
    return ""


register_policy(
    RetentionPolicy(
        target_type="cases.case",
        visible_to=_visible_to,
        candidates=_candidates,
        retained_until=_retained_until,
        describe=_describe,
        destroy=_destroy,
        refuse_on_request=_refuse_on_request,
    )
)
