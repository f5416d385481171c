"""Writes on contacts and cases. Each service runs in one transaction, locks the case it
changes, records who did what (transition log and access log) and emits its domain event
on commit. Views and other apps call these; nothing else calls the transition methods."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from accounts.models import Team, User
from cases import rules, working_days
from cases.codes import VIOLENCE_CODES_VERSION, CaseType, Decision
from cases.models import (
    WORK_CASES,
    Case,
    CaseLink,
    CaseTransition,
    Contact,
    FeedbackTask,
    MonitoringContact,
    Person,
    ReferenceCounter,
    State,
)
from events.services import event_record
from privacy.access_log import access_record, target_of
from privacy.blind_index import address_index, bsn_index, name_index, phone_index


class CaseChanged(Exception):
    """Someone else changed the case after this screen was loaded."""

    def __init__(self) -> None:
        super().__init__(_("Het dossier is intussen gewijzigd. Laad de pagina opnieuw."))


class TransitionRefused(Exception):
    """The step is not allowed: wrong state, wrong role or a missing condition."""


@dataclass
class IntakeData:
    """What an operator (or the online form) registers at intake."""

    contact: dict[str, Any]
    case: dict[str, Any]
    people: list[dict[str, Any]] = field(default_factory=list)


# --- payloads: what dashboards may see (no narrative, names or numbers) -----------------


def case_event_payload(case: Case) -> dict[str, Any]:
    return {
        "case_id": case.pk,
        "reference": case.reference,
        "state": case.state,
        "case_type": case.case_type,
        "acute": case.acute,
        "assessment_due": case.assessment_due.isoformat(),
        "team_id": case.team_id,
    }


def _log(case: Case, *, by: User | None, action: str, reason: str = "") -> None:
    target_type, target_id = target_of(case)
    access_record(
        actor=by, action=action, target_type=target_type, target_id=target_id, reason=reason
    )


# --- intake -----------------------------------------------------------------------------------


def case_reference_next(*, year: int) -> str:
    counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"VT-{year}-{counter.last_number:06d}"


def _fill_contact(contact: Contact, data: dict[str, Any]) -> None:
    for name in (
        "channel",
        "role",
        "is_minor_about_self",
        "anonymous",
        "is_reporter",
        "name",
        "phone",
        "email",
        "organisation",
        "profession",
        "never_call_back",
        "safe_number",
        "safe_window_start",
        "safe_window_end",
        "shared_family_phone",
        "language",
        "simple_language",
        "safety_check",
        "meldcode",
        "wants_help_referral",
    ):
        if name in data:
            setattr(contact, name, data[name])
    if contact.anonymous:
        # An anonymous caller leaves no identity behind, not even by accident.
        contact.name = contact.phone = contact.email = ""
    contact.name_index = name_index(contact.name) if contact.name else ""
    contact.phone_index = phone_index(contact.phone) if contact.phone else ""
    contact.safe_number_index = phone_index(contact.safe_number) if contact.safe_number else ""
    if contact.is_minor_about_self:
        contact.simple_language = True


def _fill_person(person: Person, data: dict[str, Any]) -> None:
    for name in ("role", "is_child", "name", "date_of_birth", "bsn"):
        if name in data:
            setattr(person, name, data[name])
    person.name_index = name_index(person.name) if person.name else ""
    person.bsn_index = bsn_index(person.bsn) if person.bsn else ""


def _set_address(case: Case, address: dict[str, str] | None) -> None:
    if not address or not any(address.values()):
        case.address = None
        case.address_index = ""
        return
    case.address = address
    case.address_index = address_index(
        address.get("postcode", ""), address.get("house_number", ""), address.get("addition", "")
    )


def intake_register(
    *, intake: IntakeData, by: User | None, region: str | None = None, team: Team | None = None
) -> Case:
    """Create the case in intake with its first contact and the people involved.

    `team` is for contacts nobody on staff took (online reports): who picks them up."""
    now = timezone.now()
    case_data = intake.case
    with transaction.atomic():
        case = Case(
            reference=case_reference_next(year=timezone.localdate().year),
            # Set once at creation; later changes go through convert_to_report.
            case_type=(
                CaseType.REPORT
                if case_data.get("case_type") == CaseType.REPORT
                else CaseType.ADVICE
            ),
            reported_at=now,
            assessment_due=working_days.assessment_due(timezone.localdate(now)),
            acute=bool(case_data.get("acute")),
            account=case_data.get("account", ""),
            violence_forms=sorted(set(case_data.get("violence_forms", []))),
            violence_codes_version=VIOLENCE_CODES_VERSION,
            reporter_consents_to_disclosure=bool(case_data.get("reporter_consents_to_disclosure")),
            created_by=by,
            assigned_to=by,
            team=team or getattr(by, "team", None),
        )
        if region:
            case.region = region
        _set_address(case, case_data.get("address"))
        case.save()
        contact = Contact(case=case, handled_by=by, created_at=now)
        _fill_contact(contact, intake.contact)
        contact.save()
        for person_data in intake.people:
            person = Person(case=case)
            _fill_person(person, person_data)
            person.save()
        if by is not None:
            CaseTransition.objects.create(
                case=case, name="register", from_state="", to_state=case.state, by=by
            )
        _log(case, by=by, action="create")
        # The channel lets dashboards list new online reports; neither field is personal.
        created = {
            **case_event_payload(case),
            "channel": contact.channel,
            "reported_at": case.reported_at.isoformat(),
        }
        event_record(kind="case.created", payload=created, region=case.region)
    return case


def contact_add(*, case: Case, data: dict[str, Any], by: User) -> Contact:
    """A further contact on an existing case; a new report reopens a closed case."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        contact = Contact(case=locked, handled_by=by)
        _fill_contact(contact, data)
        contact.save()
        _log(locked, by=by, action="change", reason="contact added")
        if locked.state == State.CLOSED and data.get("is_reporter", True):
            _apply_transition(locked, "reopen", by=by, reason=_("Nieuwe melding ontvangen"))
        else:
            event_record(
                kind="case.changed", payload=case_event_payload(locked), region=locked.region
            )
    return contact


def person_add(*, case: Case, data: dict[str, Any], by: User) -> Person:
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        person = Person(case=locked)
        _fill_person(person, data)
        person.save()
        _log(locked, by=by, action="change", reason="person added")
    return person


def case_link(*, case: Case, other: Case, matched_on: str, by: User) -> CaseLink:
    if case.pk == other.pk:
        raise TransitionRefused(_("Een dossier kan niet aan zichzelf gekoppeld worden."))
    with transaction.atomic():
        link, _created = CaseLink.objects.get_or_create(
            case=case, linked_case=other, defaults={"matched_on": matched_on, "linked_by": by}
        )
        CaseLink.objects.get_or_create(
            case=other, linked_case=case, defaults={"matched_on": matched_on, "linked_by": by}
        )
        _log(case, by=by, action="change", reason=f"linked to {other.reference}")
        _log(other, by=by, action="change", reason=f"linked to {case.reference}")
    return link


# --- the state machine ----------------------------------------------------------------------

CONDITION_MESSAGES = {
    "start_assessment": lambda case: _(
        "Een adviesdossier gaat alleen naar de veiligheidsbeoordeling als het een melding "
        "wordt of als er kinderen betrokken zijn bij een pleger die belt."
    ),
    "complete_assessment": lambda case: _("De veiligheidsbeoordeling is nog niet afgerond."),
    "decide": lambda case: (
        _("De veiligheidsbeoordeling is nog niet afgerond.")
        if case.assessment_completed_at is None
        else _("Het besluit is nog niet door een tweede, senior medewerker goedgekeurd.")
    ),
    "close": lambda case: rules.close_refusal(case) or "",
}


def _lock(case_id: int, expected_version: int | None) -> Case:
    case = Case.objects.select_for_update().get(pk=case_id)
    if expected_version is not None and case.version != expected_version:
        raise CaseChanged()
    return case


def _apply_transition(case: Case, name: str, *, by: User, reason: str = "") -> Case:
    method = getattr(case, name)
    field_name = "case_type" if name == "convert_to_report" else "state"
    before = getattr(case, field_name)
    if not can_proceed(method, check_conditions=False):
        raise TransitionRefused(
            _('Deze stap kan niet in de fase "%(state)s".') % {"state": case.get_state_display()}
        )
    if not method._django_fsm.has_transition_perm(case, before, by):
        raise TransitionRefused(_("Deze stap hoort niet bij jouw rol."))
    if not can_proceed(method):
        raise TransitionRefused(CONDITION_MESSAGES.get(name, lambda c: "")(case) or name)
    method()
    if case.assigned_to_id is None and case.team_id is None and by.has_perm(WORK_CASES):
        # The first to act on an unclaimed case (a new online report) takes it on.
        case.assigned_to = by
        case.team = getattr(by, "team", None)
    case.version += 1
    case.save()
    CaseTransition.objects.create(
        case=case,
        name=name,
        from_state=before,
        to_state=getattr(case, field_name),
        by=by,
        reason=reason,
    )
    _log(case, by=by, action="change", reason=f"transition {name}")
    event_record(kind="case.changed", payload=case_event_payload(case), region=case.region)
    return case


def _refused_attempt_is_logged(func):  # type: ignore[no-untyped-def]
    """Log a refused step in the access log even though its transaction rolls back.

    SQLite (the development default) has no row locks: the loser of a race on the same
    case finds the table locked instead of waiting, which means the same thing here.
    """

    def wrapper(*args: Any, **kwargs: Any) -> Case:
        try:
            return func(*args, **kwargs)
        except OperationalError as error:
            if connection.vendor == "sqlite" and "locked" in str(error):
                raise CaseChanged() from None
            raise
        except TransitionRefused as refusal:
            case_id = kwargs.get("case_id")
            access_record(
                actor=kwargs.get("by"),
                action="change",
                target_type="cases.case",
                target_id=case_id or "",
                allowed=False,
                reason=f"{func.__name__}: {refusal}"[:200],
            )
            raise

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


@_refused_attempt_is_logged
def case_transition(
    *, case_id: int, name: str, by: User, expected_version: int | None, reason: str = ""
) -> Case:
    """Run a transition that needs nothing but a reason (start assessment, reopen, ...)."""
    if name not in SIMPLE_TRANSITIONS:
        raise TransitionRefused(_("Onbekende stap."))
    with transaction.atomic():
        case = _lock(case_id, expected_version)
        return _apply_transition(case, name, by=by, reason=reason)


SIMPLE_TRANSITIONS = {"start_assessment", "reopen"}


@_refused_attempt_is_logged
def case_mark_assessment_complete(
    *, case_id: int, by: User, expected_version: int | None = None
) -> Case:
    """Called when the safety assessment is decided: the case moves on to the decision."""
    with transaction.atomic():
        case = _lock(case_id, expected_version)
        case.assessment_completed_at = case.assessment_completed_at or timezone.now()
        return _apply_transition(case, "complete_assessment", by=by)


@_refused_attempt_is_logged
def case_decide(
    *,
    case_id: int,
    decision: str,
    reason: str,
    by: User,
    proposed_by: User,
    expected_version: int | None = None,
) -> Case:
    """Apply a decision approved with four eyes: `by` approves what `proposed_by` proposed.

    Called by safety_assessment's decision_approve; `proposed_by` is required so no caller
    can take a decision with two eyes."""
    if decision not in Decision.values:
        raise TransitionRefused(_("Kies een besluit."))
    if not reason.strip():
        raise TransitionRefused(_("Een besluit heeft een motivering nodig."))
    if proposed_by.pk == by.pk:
        raise TransitionRefused(_("Een tweede medewerker moet het besluit goedkeuren."))
    with transaction.atomic():
        case = _lock(case_id, expected_version)
        case.decision = decision
        case.decision_reason = reason
        case.decision_approved_by = by
        if decision == Decision.ADVICE_CLOSE:
            case.close_reason = reason
        _apply_transition(case, "decide", by=by, reason=reason)
        _feedback_owed(case, FeedbackTask.Moment.AFTER_ASSESSMENT)
    return case


@_refused_attempt_is_logged
def case_finish_investigation(
    *, case_id: int, by: User, reason: str, expected_version: int | None = None
) -> Case:
    with transaction.atomic():
        case = _lock(case_id, expected_version)
        was_investigation = case.state == State.INVESTIGATION
        _apply_transition(case, "finish_investigation", by=by, reason=reason)
        if was_investigation:
            _feedback_owed(case, FeedbackTask.Moment.AFTER_INVESTIGATION)
    return case


@_refused_attempt_is_logged
def case_accept_handover(*, case_id: int, by: User, expected_version: int | None = None) -> Case:
    """The receiving organisation confirmed: local handovers go into monitoring."""
    with transaction.atomic():
        case = _lock(case_id, expected_version)
        name = "accept_handover_jbw" if case.state == State.HANDOVER_JBW else "accept_handover"
        _apply_transition(case, name, by=by)
        if case.state == State.MONITORING:
            handed_over_on = timezone.localdate(case.handed_over_at)
            for months, due in zip(
                working_days.MONITORING_MONTHS,
                working_days.monitoring_due_dates(handed_over_on),
                strict=True,
            ):
                MonitoringContact.objects.create(
                    case=case, months_after_handover=months, due_on=due
                )
    return case


@_refused_attempt_is_logged
def case_reject_handover(
    *, case_id: int, by: User, reason: str, expected_version: int | None = None
) -> Case:
    if not reason.strip():
        raise TransitionRefused(_("Geef de reden van de weigering."))
    with transaction.atomic():
        case = _lock(case_id, expected_version)
        return _apply_transition(case, "reject_handover", by=by, reason=reason)


@_refused_attempt_is_logged
def case_close(*, case_id: int, by: User, reason: str, expected_version: int | None = None) -> Case:
    with transaction.atomic():
        case = _lock(case_id, expected_version)
        case.close_reason = reason.strip()
        return _apply_transition(case, "close", by=by, reason=reason)


CONVERSION_REASONS = {"reporter_request", "own_initiative"}


@_refused_attempt_is_logged
def case_convert_to_report(
    *, case_id: int, by: User, conversion_reason: str, expected_version: int | None = None
) -> Case:
    """Advice becomes a report, on the reporter's request or on VT's own initiative."""
    if conversion_reason not in CONVERSION_REASONS:
        raise TransitionRefused(_("Kies waarom het advies een melding wordt."))
    with transaction.atomic():
        case = _lock(case_id, expected_version)
        case.conversion_reason = conversion_reason
        return _apply_transition(case, "convert_to_report", by=by, reason=conversion_reason)


def _feedback_owed(case: Case, moment: str) -> None:
    for contact in rules.feedback_recipients(case):
        FeedbackTask.objects.get_or_create(case=case, contact=contact, moment=moment)


def monitoring_outcome_unsafe(*, case_id: int, by: User, reason: str) -> Case:
    """A monitoring contact found the situation unsafe: the case opens again."""
    with transaction.atomic():
        case = _lock(case_id, None)
        return _apply_transition(case, "reopen", by=by, reason=reason)


# --- the acute flag ---------------------------------------------------------------------------


def case_flag_acute(*, case_id: int, by: User | None, reason: str) -> Case:
    """Someone is in acute danger: flag the case at once and alert the supervisors on duty.

    The alert is a domain event every supervisor dashboard of the region shows.
    """
    with transaction.atomic():
        case = _lock(case_id, None)
        already = case.acute
        case.acute = True
        case.version += 1
        case.save(update_fields=["acute", "version", "updated_at"])
        _log(case, by=by, action="change", reason="flagged acute")
        event_record(kind="case.changed", payload=case_event_payload(case), region=case.region)
        if not already:
            event_record(
                kind="acute.alert",
                payload={"case_id": case.pk, "reference": case.reference, "reason": "acute"},
                region=case.region,
            )
    return case


def case_clear_acute(*, case_id: int, by: User, action_taken: str) -> Case:
    """Lift the acute flag; only with the action that was taken recorded (police, TIH, ...)."""
    if not action_taken.strip():
        raise TransitionRefused(_("Leg vast welke actie is ondernomen voordat acuut vervalt."))
    with transaction.atomic():
        case = _lock(case_id, None)
        if not case.acute:
            raise TransitionRefused(_("Dit dossier is niet als acuut gemarkeerd."))
        case.acute = False
        case.version += 1
        case.save(update_fields=["acute", "version", "updated_at"])
        CaseTransition.objects.create(
            case=case,
            name="clear_acute",
            from_state=case.state,
            to_state=case.state,
            by=by,
            reason=action_taken,
        )
        _log(case, by=by, action="change", reason="acute flag cleared")
        event_record(kind="case.changed", payload=case_event_payload(case), region=case.region)
    return case
