"""Reads for the assessment pages. Every case read starts from Case.objects.visible_to."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from cases.codes import CaseType
from cases.models import Case, State
from safety_assessment import scoring
from safety_assessment.instrument_loader import (
    Instrument,
    instrument_get,
    instruments_current,
    text_in,
)
from safety_assessment.models import Assessment, DecisionProposal
from safety_assessment.services import assessment_current

# Cases whose assessment deadline still runs: not yet decided.
UNDECIDED_STATES = (State.INTAKE, State.SAFETY_ASSESSMENT, State.DECISION)


@dataclass
class InstrumentOnCase:
    instrument: Instrument
    title: str
    current: Assessment | None
    draft: Assessment | None
    explanation: list[str]
    history: list[Assessment]


def explanation_of(assessment: Assessment, language: str) -> list[str]:
    instrument = instrument_get(assessment.instrument_slug, assessment.instrument_version)
    outcome = scoring.Outcome.from_data(assessment.outcome)
    return scoring.explain(instrument, outcome, language)


def instruments_on_case(*, case: Case, language: str) -> list[InstrumentOnCase]:
    result = []
    for instrument in instruments_current():
        current = assessment_current(case=case, instrument_slug=instrument.slug)
        result.append(
            InstrumentOnCase(
                instrument=instrument,
                title=text_in(instrument.title, language),
                current=current,
                draft=Assessment.objects.drafts()
                .filter(case=case, instrument_slug=instrument.slug)
                .first(),
                explanation=explanation_of(current, language) if current else [],
                history=list(
                    Assessment.objects.decided()
                    .filter(case=case, instrument_slug=instrument.slug)
                    .exclude(pk=current.pk if current else None)
                    .select_related("assessor")
                    .order_by("-version")
                ),
            )
        )
    return result


def level_label(assessment: Assessment, language: str) -> str:
    instrument = instrument_get(assessment.instrument_slug, assessment.instrument_version)
    return text_in(instrument.level(assessment.level).label, language)


def proposals_awaiting(*, user: User) -> QuerySet[DecisionProposal]:
    """Proposals waiting for a second pair of eyes, on cases this supervisor may see."""
    return (
        DecisionProposal.objects.filter(
            status=DecisionProposal.Status.PROPOSED,
            case__in=Case.objects.visible_to(user),
        )
        .select_related("case", "assessment", "proposed_by")
        .order_by("case__assessment_due", "proposed_at")
    )


def cases_overdue(*, user: User, today: datetime.date | None = None) -> QuerySet[Case]:
    """Past the 5-working-day deadline without an approved decision, oldest first."""
    today = today or timezone.localdate()
    return (
        Case.objects.visible_to(user)
        .filter(assessment_due__lt=today, state__in=UNDECIDED_STATES)
        .filter(~Q(state=State.INTAKE) | Q(case_type=CaseType.REPORT))
        .order_by("assessment_due", "pk")
    )


def deadline_of(case: Case, today: datetime.date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    left = case.working_days_left(today)
    return {
        "due": case.assessment_due,
        "left": max(left, 0),
        "late": today > case.assessment_due,
        "overdue": max(-left, 0),
    }
