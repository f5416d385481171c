"""Reads for routing. Which handovers a partner may see is decided here and nowhere else."""

from __future__ import annotations

from typing import Any

from django.db.models import Case as When_
from django.db.models import IntegerField, QuerySet, Value, When
from django.utils import timezone

from cases.models import Case, MonitoringContact, State
from handover.models import (
    USE_PARTNER_INBOX,
    Handover,
    MatchSignal,
    PartnerOrganisation,
)


def partner_organisation_of(user: Any) -> PartnerOrganisation | None:
    """The organisation a partner user works for, or None (not a partner, or unlinked)."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm(USE_PARTNER_INBOX):
        return None
    membership = getattr(user, "partner_membership", None)
    if membership is None or not membership.organisation.active:
        return None
    return membership.organisation


def handovers_for_organisation(organisation: PartnerOrganisation | None) -> QuerySet[Handover]:
    """The one scope of every partner read and write: an organisation's own handovers."""
    if organisation is None:
        return Handover.objects.none()
    open_first = When_(
        When(status__in=Handover.OPEN_STATUSES, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        Handover.objects.filter(organisation=organisation)
        .select_related("case", "organisation")
        .order_by(open_first, "accept_due", "-created_at")
    )


def handovers_for_partner(user: Any) -> QuerySet[Handover]:
    return handovers_for_organisation(partner_organisation_of(user))


def handovers_of_case(case: Case) -> QuerySet[Handover]:
    return Handover.objects.filter(case=case).select_related("organisation", "created_by")


def handovers_escalated(user: Any) -> QuerySet[Handover]:
    """Escalated handovers of the cases a supervisor may see."""
    return (
        Handover.objects.filter(
            status=Handover.Status.ESCALATED, case__in=Case.objects.visible_to(user)
        )
        .select_related("case", "organisation")
        .order_by("accept_due")
    )


def monitoring_tasks(user: Any) -> QuerySet[MonitoringContact]:
    """Planned monitoring contacts still to do, on cases in monitoring the user may see."""
    return (
        MonitoringContact.objects.filter(
            case__in=Case.objects.visible_to(user),
            case__state=State.MONITORING,
            result__isnull=True,
        )
        .select_related("case")
        .order_by("due_on", "pk")
    )


def match_signals_for(organisation: PartnerOrganisation, *, at: Any = None) -> QuerySet:
    """Signals of an organisation's registrations while both registrations are active."""
    now = at or timezone.now()
    return MatchSignal.objects.filter(
        registration__organisation=organisation,
        registration__expires_at__gt=now,
        other_registration__expires_at__gt=now,
    ).select_related("other_organisation")
