"""Writes on assessments and decision proposals. Drafts and proposals run in their own
transaction; deciding an assessment, approving a decision and lifting the acute flag are
facts reported to ONE case action (cases.services), which is the transaction, writes the
one access-log entry and the one event. A refusal is logged too."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases import decision_makers
from cases import services as case_services
from cases.codes import Decision
from cases.models import DECIDE_CASES, WORK_CASES, Case, State
from cases.services import AssessedFact, DecidedFact, TransitionRefused
from events.services import event_record
from privacy.access_log import access_record
from safety_assessment import scoring
from safety_assessment.instrument_loader import Instrument, instrument_get, instruments_current
from safety_assessment.models import Assessment, DecisionProposal

T = TypeVar("T")


class InvalidInput(Exception):
    """Input that cannot be saved, with a message per field (question id or form field)."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = dict(errors)


ANSWER_PROBLEMS = {
    "missing": lambda: _("Beantwoord deze vraag."),
    "not_yes_no": lambda: _("Kies ja of nee."),
    "not_a_number": lambda: _("Vul een heel getal in."),
    "out_of_range": lambda: _("Dit getal kan niet kloppen."),
}


def _refusals_logged(func: Callable[..., T]) -> Callable[..., T]:
    """Write a refused attempt to the access log after its transaction has rolled back."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return func(*args, **kwargs)
        except TransitionRefused as refusal:
            if getattr(refusal, "logged", False):
                raise  # the case action logged it already
            if "proposal_id" in kwargs:
                target_type, target_id = "safety_assessment.decisionproposal", kwargs["proposal_id"]
            else:
                target_type, target_id = "cases.case", kwargs.get("case_id", "")
            access_record(
                actor=kwargs.get("by"),
                action="change",
                target_type=target_type,
                target_id=target_id,
                allowed=False,
                reason=f"{func.__name__}: {refusal}",
            )
            raise

    return wrapper


def _check_need_to_know(case: Case, by: User) -> None:
    """Inside a case action (the case is locked already): may `by` work this case?"""
    if not by.has_perm(WORK_CASES):
        raise TransitionRefused(_("Deze stap hoort niet bij jouw rol."))
    if not Case.objects.visible_to(by).filter(pk=case.pk).exists():
        raise TransitionRefused(_("Dit dossier hoort niet bij jouw werk."))


def _lock_case_for(case_id: int, by: User) -> Case:
    """The case, locked, if `by` works cases and may see this one (need-to-know)."""
    if not by.has_perm(WORK_CASES):
        raise TransitionRefused(_("Deze stap hoort niet bij jouw rol."))
    case = Case.objects.visible_to(by).select_for_update().filter(pk=case_id).first()
    if case is None:
        raise TransitionRefused(_("Dit dossier hoort niet bij jouw werk."))
    return case


def _log(target: Any, *, by: User, reason: str) -> None:
    access_record(
        actor=by,
        action="change",
        target_type=target._meta.label_lower,
        target_id=target.pk,
        reason=reason,
    )


def is_late(case: Case, today: Any = None) -> bool:
    """Past the assessment deadline (5 working days after the report)."""
    return (today or timezone.localdate()) > case.assessment_due


# --- assessments ----------------------------------------------------------------------------


def assessment_current(*, case: Case, instrument_slug: str) -> Assessment | None:
    """The newest decided version of this instrument on the case."""
    return (
        Assessment.objects.decided()
        .filter(case=case, instrument_slug=instrument_slug)
        .order_by("-version")
        .first()
    )


def _draft_for(case: Case, instrument_slug: str, by: User) -> tuple[Assessment, Instrument]:
    draft = Assessment.objects.drafts().filter(case=case, instrument_slug=instrument_slug).first()
    if draft is not None:
        return draft, instrument_get(draft.instrument_slug, draft.instrument_version)
    try:
        instrument = instrument_get(instrument_slug)
    except KeyError:
        raise TransitionRefused(_("Onbekend instrument.")) from None
    previous = assessment_current(case=case, instrument_slug=instrument_slug)
    draft = Assessment(
        case=case,
        instrument_slug=instrument.slug,
        instrument_version=instrument.version,
        version=previous.version + 1 if previous else 1,
        supersedes=previous,
        assessor=by,
    )
    return draft, instrument


def _fill(
    draft: Assessment,
    instrument: Instrument,
    *,
    answers: Mapping[str, Any],
    judgement_level: str,
    judgement_reason: str,
    change_reason: str,
    by: User,
    complete: bool,
) -> None:
    errors = {
        question_id: ANSWER_PROBLEMS[problem]()
        for question_id, problem in scoring.answer_problems(
            instrument, answers, complete=complete
        ).items()
    }
    if judgement_level:
        if not instrument.judgement or judgement_level not in {
            level.id for level in instrument.levels
        }:
            errors["judgement_level"] = _("Kies een niveau uit de lijst.")
        elif complete and not judgement_reason.strip():
            errors["judgement_reason"] = _("Onderbouw het professionele oordeel.")
    if complete and draft.supersedes_id and not change_reason.strip():
        errors["change_reason"] = _("Geef aan waarom de vastgestelde beoordeling wordt herzien.")
    if errors:
        raise InvalidInput(errors)
    draft.answers = scoring.answers_clean(instrument, answers)
    draft.judgement_level = judgement_level
    draft.judgement_reason = judgement_reason.strip()
    draft.change_reason = change_reason.strip()
    draft.assessor = by


@_refusals_logged
def assessment_save_draft(
    *,
    case_id: int,
    instrument_slug: str,
    answers: Mapping[str, Any],
    by: User,
    judgement_level: str = "",
    judgement_reason: str = "",
    change_reason: str = "",
) -> Assessment:
    """Keep the answers so far (a call can break off); a draft can change until decided."""
    with transaction.atomic():
        case = _lock_case_for(case_id, by)
        draft, instrument = _draft_for(case, instrument_slug, by)
        _fill(
            draft,
            instrument,
            answers=answers,
            judgement_level=judgement_level,
            judgement_reason=judgement_reason,
            change_reason=change_reason,
            by=by,
            complete=False,
        )
        draft.save()
        _log(case, by=by, reason=f"assessment draft {draft.instrument_slug} v{draft.version}")
    return draft


@_refusals_logged
def assessment_decide(
    *,
    case_id: int,
    instrument_slug: str,
    answers: Mapping[str, Any],
    by: User,
    judgement_level: str = "",
    judgement_reason: str = "",
    change_reason: str = "",
) -> Assessment:
    """Fix the outcome. Acute: the case is flagged and the supervisors alerted at once.
    The Veilig Thuis assessment also completes the case's assessment step. One case action:
    the assessment is saved inside it."""
    if not by.has_perm(WORK_CASES):
        raise TransitionRefused(_("Deze stap hoort niet bij jouw rol."))
    saved: list[Assessment] = []

    def assessment(case: Case) -> AssessedFact:
        _check_need_to_know(case, by)
        draft, instrument = _draft_for(case, instrument_slug, by)
        _fill(
            draft,
            instrument,
            answers=answers,
            judgement_level=judgement_level,
            judgement_reason=judgement_reason,
            change_reason=change_reason,
            by=by,
            complete=True,
        )
        outcome = scoring.score(instrument, draft.answers, judgement_level or None)
        draft.level = outcome.level
        draft.computed_level = outcome.computed_level
        draft.acute = outcome.acute
        draft.outcome = outcome.as_data()
        draft.decided_at = timezone.now()
        draft.save()
        saved.append(draft)
        return AssessedFact(
            label=f"{instrument.slug} v{draft.version}",
            acute=outcome.acute,
            completes_assessment=instrument.completes_safety_assessment,
        )

    case_services.case_mark_assessment_complete(case_id=case_id, by=by, assessment=assessment)
    return saved[0]


# --- four eyes ------------------------------------------------------------------------------


@_refusals_logged
def decision_propose(
    *,
    case_id: int,
    decision: str,
    reason: str,
    by: User,
    late_reason: str = "",
    medical_question: bool = False,
) -> DecisionProposal:
    """One member of staff proposes the decision; the decision maker approves it (a
    gedragswetenschapper; the vertrouwensarts for a medical question)."""
    errors = {}
    if decision not in Decision.values:
        errors["decision"] = _("Kies een besluit.")
    if not reason.strip():
        errors["reason"] = _("Motiveer het besluit.")
    with transaction.atomic():
        case = _lock_case_for(case_id, by)
        if case.state != State.DECISION:
            raise TransitionRefused(
                _("Een besluit kan pas na de vastgestelde veiligheidsbeoordeling.")
            )
        assessment = (
            Assessment.objects.decided()
            .filter(case=case, instrument_slug__in=_completing_slugs())
            .order_by("-decided_at")
            .first()
        )
        if assessment is None:
            raise TransitionRefused(_("Er is geen vastgestelde veiligheidsbeoordeling."))
        if DecisionProposal.objects.filter(
            case=case, status=DecisionProposal.Status.PROPOSED
        ).exists():
            raise TransitionRefused(_("Er ligt al een besluit ter goedkeuring."))
        if is_late(case) and not late_reason.strip():
            errors["late_reason"] = _(
                "De termijn van 5 werkdagen is verstreken: leg vast waarom het besluit later is."
            )
        if errors:
            raise InvalidInput(errors)
        proposal = DecisionProposal.objects.create(
            case=case,
            assessment=assessment,
            decision=decision,
            reason=reason.strip(),
            late_reason=late_reason.strip(),
            medical_question=bool(medical_question),
            proposed_by=by,
        )
        _log(case, by=by, reason=f"decision proposed: {decision}")
        event_record(
            kind="decision.proposed",
            payload=_proposal_payload(proposal, case),
            region=case.region,
        )
    return proposal


def _completing_slugs() -> list[str]:
    return [i.slug for i in instruments_current() if i.completes_safety_assessment]


def _proposal_payload(proposal: DecisionProposal, case: Case) -> dict[str, Any]:
    return {
        "case_id": case.pk,
        "reference": case.reference,
        "proposal_id": proposal.pk,
        "decision": proposal.decision,
        "level": proposal.assessment.level,
    }


def _not_a_decision_maker() -> str:
    return _(
        "Alleen een gedragswetenschapper, vertrouwensarts of teamleider beoordeelt een besluit."
    )


def _check_reviewer(proposal: DecisionProposal | None, by: User) -> DecisionProposal:
    if not by.has_perm(DECIDE_CASES):
        raise TransitionRefused(_not_a_decision_maker())
    if proposal is None:
        raise TransitionRefused(_("Onbekend voorstel."))
    if proposal.status != DecisionProposal.Status.PROPOSED:
        raise TransitionRefused(_("Dit voorstel is al beoordeeld."))
    return proposal


def _check_decision_maker(proposal: DecisionProposal, by: User) -> DecisionProposal:
    """Four eyes and the protocol's decision maker, for the steps before and beside the
    approval itself (case_decide checks both for the approval, once)."""
    if proposal.proposed_by_id == by.pk:
        raise TransitionRefused(
            _("Je eigen voorstel beoordeel je niet: een tweede medewerker moet dat doen.")
        )
    refusal = decision_makers.approval_refusal(
        user=by, region=proposal.case.region, medical=proposal.medical_question
    )
    if refusal:
        raise TransitionRefused(refusal)
    return proposal


def review_refusal(*, proposal: DecisionProposal, by: User) -> str | None:
    """Why `by` may not approve or send back this proposal, or None (for the screens; the
    services check again, inside their transaction)."""
    try:
        _check_decision_maker(_check_reviewer(proposal, by), by)
    except TransitionRefused as refusal:
        return str(refusal)
    return None


def approval_needs(*, proposal: DecisionProposal) -> dict[str, bool]:
    """What the approver must write besides confirming: a reason for the delay, and the
    reason for advice or closing on acute or structural unsafety."""
    return {
        "late_reason": is_late(proposal.case) and not proposal.late_reason.strip(),
        "lowering_reason": decision_makers.decision_lowers(proposal.case, proposal.decision),
    }


@_refusals_logged
def decision_approve_check(*, proposal_id: int, by: User) -> DecisionProposal:
    """The first step of approving (the confirmation page): refused, and logged, when `by`
    may not approve this proposal; nothing is written otherwise."""
    proposal = (
        DecisionProposal.objects.select_related("case", "assessment", "proposed_by")
        .filter(pk=proposal_id)
        .first()
    )
    return _check_decision_maker(_check_reviewer(proposal, by), by)


def _lock_proposal_for_review(proposal_id: int, by: User) -> tuple[DecisionProposal, Case]:
    if not by.has_perm(DECIDE_CASES):
        raise TransitionRefused(_not_a_decision_maker())
    proposal = _check_reviewer(
        DecisionProposal.objects.select_for_update()
        .select_related("assessment")
        .filter(pk=proposal_id)
        .first(),
        by,
    )
    _check_decision_maker(proposal, by)
    case = _lock_case_for(proposal.case_id, by)
    return proposal, case


@_refusals_logged
def decision_approve(
    *, proposal_id: int, by: User, late_reason: str = "", lowering_reason: str = ""
) -> DecisionProposal:
    """The second pair of eyes: the decision maker, never the proposer, takes the decision.

    One case action (cases.services.case_decide): the proposal is locked, checked and
    marked approved inside it; four eyes, who approves what and a decision milder than
    the assessment are checked there, once."""
    found = _check_reviewer(DecisionProposal.objects.filter(pk=proposal_id).first(), by)

    def proposal_approved(case: Case) -> DecidedFact:
        _check_need_to_know(case, by)
        proposal = _check_reviewer(
            DecisionProposal.objects.select_for_update()
            .select_related("assessment", "proposed_by")
            .filter(pk=proposal_id, case=case)
            .first(),
            by,
        )
        if is_late(case) and not (proposal.late_reason.strip() or late_reason.strip()):
            raise InvalidInput(
                {
                    "late_reason": _(
                        "De termijn van 5 werkdagen is verstreken: "
                        "leg vast waarom het besluit later is."
                    )
                }
            )

        def approved() -> None:
            proposal.status = DecisionProposal.Status.APPROVED
            proposal.reviewed_by = by
            proposal.reviewed_at = timezone.now()
            if late_reason.strip() and not proposal.late_reason.strip():
                proposal.late_reason = late_reason.strip()
            # Kept only where the case needed it (cases.services checked it before this).
            if decision_makers.decision_lowers(case, proposal.decision):
                proposal.lowering_reason = lowering_reason.strip()
            proposal.save()

        return DecidedFact(
            decision=proposal.decision,
            reason=proposal.reason,
            proposed_by=proposal.proposed_by,
            medical=proposal.medical_question,
            lowering_reason=lowering_reason,
            # Ids only: the level of the assessment is case content, never in an event.
            event={"proposal_id": proposal.pk},
            record=approved,
        )

    case_services.case_decide(case_id=found.case_id, by=by, proposal=proposal_approved)
    found.refresh_from_db()
    return found


@_refusals_logged
def decision_reject(*, proposal_id: int, by: User, reason: str) -> DecisionProposal:
    """Back to the proposer with the reason; the case stays at its decision step."""
    with transaction.atomic():
        proposal, case = _lock_proposal_for_review(proposal_id, by)
        if not reason.strip():
            raise InvalidInput({"reason": _("Geef de reden waarom het voorstel terug gaat.")})
        proposal.status = DecisionProposal.Status.REJECTED
        proposal.reviewed_by = by
        proposal.reviewed_at = timezone.now()
        proposal.review_reason = reason.strip()
        proposal.save()
        _log(case, by=by, reason=f"decision rejected: {proposal.decision}")
        event_record(
            kind="decision.rejected", payload=_proposal_payload(proposal, case), region=case.region
        )
    return proposal


@_refusals_logged
def acute_clear(*, case_id: int, by: User, action_taken: str) -> Case:
    """Lift the acute flag, recording the action taken (police, restraining order, ...)."""
    if not action_taken.strip():
        raise InvalidInput(
            {"action_taken": _("Leg vast welke actie is ondernomen voordat acuut vervalt.")}
        )
    return case_services.case_clear_acute(
        case_id=case_id,
        by=by,
        action_taken=action_taken.strip(),
        check=lambda case: _check_need_to_know(case, by),
    )
