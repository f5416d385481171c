"""Statutory feedback (terugkoppeling) to a professional reporter.

After the decision on the safety assessment and after an investigation, cases.services
creates a FeedbackTask for each professional reporter. Here a member of staff composes the
letter from a template (whether follow-up started, who the handover parties are, and the
safety conditions only when the reporter has a role in them), a second member of staff, a
supervisor, approves it, and approval queues the email in the outbox, in one transaction
with the record on the case. An informant who is not the reporter is owed nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from cases import rules
from cases.codes import Decision
from cases.models import Case, FeedbackTask
from cases.services import case_feedback_approved
from melden.models import FeedbackLetter
from outgoing_mail import sending as outbox
from outgoing_mail.models import OutgoingEmail
from privacy.access_log import access_record

SUPERVISE = roles.SUPERVISE

# Who takes the case on, per decision; staff adjust it to the actual organisations.
HANDOVER_PARTIES: dict[str, str] = {
    Decision.ADVICE_CLOSE: "",
    Decision.HANDOVER_LOCAL: "Het lokale veld: het CJG / wijkteam",
    Decision.CONDITIONS: "Veilig Thuis, met de hulpverleners die de voorwaarden uitvoeren",
    Decision.INVESTIGATION: "Veilig Thuis (onderzoek)",
    Decision.COUNCIL_REQUEST: "De Raad voor de Kinderbescherming / Jeugdbeschermingstafel",
    Decision.HANDOVER_JBW: "Jeugdbescherming West",
}


class FeedbackRefused(Exception):
    """The step is not allowed; the message says why and names no personal data."""


def owed_to(task: FeedbackTask) -> bool:
    """Only a professional who is the reporter (not merely an informant) is owed feedback."""
    return task.contact in rules.feedback_recipients(task.case)


def feedback_defaults(task: FeedbackTask) -> dict[str, Any]:
    case = task.case
    return {
        "followup_started": "yes" if case.decision not in ("", Decision.ADVICE_CLOSE) else "no",
        "handover_parties": HANDOVER_PARTIES.get(case.decision, ""),
        "reporter_has_role": False,
        "safety_conditions": "",
    }


def feedback_body(
    task: FeedbackTask,
    *,
    followup_started: bool,
    handover_parties: str,
    reporter_has_role: bool,
    safety_conditions: str,
) -> str:
    return render_to_string(
        "melden/email/feedback.txt",
        {
            "reference": task.case.reference,
            "moment": task.get_moment_display(),
            "after_investigation": task.moment == FeedbackTask.Moment.AFTER_INVESTIGATION,
            "followup_started": followup_started,
            "handover_parties": handover_parties.strip(),
            "reporter_has_role": reporter_has_role,
            "safety_conditions": safety_conditions.strip() if reporter_has_role else "",
        },
    )


def _refuse(task: FeedbackTask | None, *, by: User, what: str, message: str) -> None:
    raise FeedbackRefused(message)


_Action = TypeVar("_Action", bound=Callable[..., "FeedbackLetter"])


def _refusals_are_logged(func: _Action) -> _Action:
    """Log a refusal in the access log after its transaction has rolled back."""

    @functools.wraps(func)
    def wrapper(*, task: FeedbackTask, by: User, **kwargs: Any) -> FeedbackLetter:
        try:
            return func(task=task, by=by, **kwargs)
        except FeedbackRefused as refusal:
            access_record(
                actor=by,
                action="change",
                target_type="cases.case",
                target_id=task.case_id,
                allowed=False,
                reason=f"{func.__name__.replace('_', ' ')}: {refusal}"[:200],
            )
            raise

    # functools.wraps keeps the name and signature; callers keep func's checked parameters.
    return cast(_Action, wrapper)


def _check_task(task: FeedbackTask, *, by: User, what: str) -> None:
    if not owed_to(task):
        _refuse(
            task,
            by=by,
            what=what,
            message=_("Deze melder is geen professionele melder en krijgt geen terugkoppeling."),
        )
    if not (task.contact.email or "").strip():
        _refuse(
            task,
            by=by,
            what=what,
            message=_("Er is geen e-mailadres van de melder; geef de terugkoppeling telefonisch."),
        )


@_refusals_are_logged
def feedback_compose(
    *,
    task: FeedbackTask,
    by: User,
    followup_started: bool,
    handover_parties: str,
    reporter_has_role: bool,
    safety_conditions: str,
) -> FeedbackLetter:
    """Write (or rewrite, until it is approved) the letter for this task."""
    with transaction.atomic():
        task = (
            FeedbackTask.objects.select_for_update()
            .select_related("case", "contact")
            .get(pk=task.pk)
        )
        _check_task(task, by=by, what="compose")
        letter = FeedbackLetter.objects.filter(task=task).first()
        if letter is not None and letter.approved_at is not None:
            _refuse(
                task, by=by, what="compose", message=_("Deze terugkoppeling is al goedgekeurd.")
            )
        if not reporter_has_role:
            safety_conditions = ""
        values = {
            "followup_started": followup_started,
            "handover_parties": handover_parties.strip(),
            "reporter_has_role": reporter_has_role,
            "safety_conditions": safety_conditions.strip(),
            "body": feedback_body(
                task,
                followup_started=followup_started,
                handover_parties=handover_parties,
                reporter_has_role=reporter_has_role,
                safety_conditions=safety_conditions,
            ),
            "composed_by": by,
            "composed_at": timezone.now(),
        }
        letter, _created = FeedbackLetter.objects.update_or_create(task=task, defaults=values)
        access_record(
            actor=by,
            action="change",
            target_type="cases.case",
            target_id=task.case_id,
            reason=f"feedback composed ({task.moment})",
        )
    return letter


@_refusals_are_logged
def feedback_approve(*, task: FeedbackTask, by: User) -> FeedbackLetter:
    """Four eyes: a supervisor who did not write it approves; the email is queued and the
    approval recorded on the case in the same transaction: one case action
    (cases.services.case_feedback_approved), which writes the audit entry and the event."""
    approved: list[FeedbackLetter] = []

    def approve(case: Case) -> str:
        nonlocal task
        task = (
            FeedbackTask.objects.select_for_update()
            .select_related("case", "contact")
            .get(pk=task.pk)
        )
        if not by.has_perm(SUPERVISE):
            _refuse(
                task,
                by=by,
                what="approve",
                message=_("Alleen een leidinggevende keurt een terugkoppeling goed."),
            )
        _check_task(task, by=by, what="approve")
        letter = FeedbackLetter.objects.filter(task=task).first()
        if letter is None:
            _refuse(
                task, by=by, what="approve", message=_("Er is nog geen terugkoppeling opgesteld.")
            )
        assert letter is not None
        if letter.approved_at is not None:
            _refuse(
                task, by=by, what="approve", message=_("Deze terugkoppeling is al goedgekeurd.")
            )
        if letter.composed_by_id == by.pk:
            _refuse(
                task,
                by=by,
                what="approve",
                message=_("Een tweede medewerker moet de terugkoppeling goedkeuren."),
            )
        now = timezone.now()
        letter.approved_by = by
        letter.approved_at = now
        letter.save(update_fields=["approved_by", "approved_at"])
        case = task.case
        outbox.email_queue(
            purpose=OutgoingEmail.Purpose.FEEDBACK,
            recipient=task.contact.email,
            subject=_("Terugkoppeling over uw melding %(reference)s")
            % {"reference": case.reference},
            body=letter.body,
            case_id=case.pk,
            feedback_task=task,
        )
        approved.append(letter)
        return str(task.moment)

    case_feedback_approved(case_id=task.case_id, by=by, approve=approve)
    return approved[0]
