"""The case's actions: the only code that writes Case, Contact, Person, Report,
CaseTransition, CaseLink, FeedbackTask and MonitoringContact.

Every action goes through `case_action`: one durable transaction (an action called inside
another transaction raises instead of silently nesting), the case locked and its version
checked, exactly one access-log entry whose reason is a `CaseAuditKind`, and one event,
published on commit. Other apps do not wrap an action in their own transaction: they
pass a *fact* (a callable run inside the action with the locked case) that does their own
part of the work and tells the case what happened."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from django.db import OperationalError, connection, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from accounts.models import Team, User
from cases import acute_clock, decision_makers, rules, working_days
from cases.codes import VIOLENCE_CODES_VERSION, CaseType, Decision
from cases.models import (
    DECIDE_CASES,
    WORK_CASES,
    Case,
    CaseAuditKind,
    CaseLink,
    CaseTransition,
    Contact,
    FeedbackTask,
    MonitoringContact,
    Person,
    ReferenceCounter,
    Report,
    SafetyAction,
    SafetyActionKind,
    State,
    may_start_assessment,
)
from events.catalogue import EventKind
from events.services import event_record
from privacy.access_log import access_record
from privacy.blind_index import (
    address_index,
    bsn_index,
    date_of_birth_index,
    name_index,
    phone_index,
    postcode_house_index,
    postcode_index,
)


class CaseChanged(Exception):
    """Someone else changed the case after this screen was loaded."""

    def __init__(self) -> None:
        super().__init__(_("Het dossier is intussen gewijzigd. Laad de pagina opnieuw."))


class TransitionRefused(Exception):
    """The step is not allowed: wrong state, wrong role or a missing condition."""

    # Set once the refusal is in the access log, so an outer caller does not log it again.
    logged: bool = False


class ReasonRequired(TransitionRefused):
    """The step may go ahead only with a written reason, and it is missing: a screen shows
    the message next to its field `field`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


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
    person.dob_index = date_of_birth_index(person.date_of_birth)


def _set_address(case: Case, address: dict[str, str] | None) -> None:
    if not address or not any(address.values()):
        case.address = None
        case.address_index = case.postcode_house_index = case.postcode_index = ""
        return
    case.address = address
    case.address_index = address_index(
        address.get("postcode", ""), address.get("house_number", ""), address.get("addition", "")
    )
    case.postcode_house_index = postcode_house_index(
        address.get("postcode", ""), address.get("house_number", "")
    )
    case.postcode_index = postcode_index(address.get("postcode", ""))


# --- reports: each its own row and clock ---------------------------------------------------


def _report_open(case: Case, contact: Contact | None, *, received_at: datetime.datetime) -> Report:
    """A report received now (or an advice converted now): its own 5-working-day clock."""
    return Report.objects.create(
        case=case,
        contact=contact,
        received_at=received_at,
        assessment_due=working_days.assessment_due(timezone.localdate(received_at)),
    )


def _deadline_follows_reports(case: Case) -> None:
    """The case's deadline is its earliest open report's (kept on the case, denormalised,
    for the lists and the supervisor's page); with no open report it stays as it was."""
    earliest = case.reports.filter(assessment_completed_at__isnull=True).aggregate(
        due=Min("assessment_due")
    )["due"]
    if earliest is not None:
        case.assessment_due = earliest


def _reporter_contact(case: Case) -> Contact | None:
    contacts = case.contacts.order_by("created_at", "pk")
    return contacts.filter(is_reporter=True).first() or contacts.first()


# --- the shape every action shares ------------------------------------------------------------

P = ParamSpec("P")
R = TypeVar("R")

# The states in which a case waits for a partner's answer to its handover.
HANDOVER_PENDING_STATES = (State.HANDOVER_LOCAL, State.HANDOVER_JBW, State.CONDITIONS)


@dataclass
class CaseAction:
    """One action on one locked case, as `case_action` hands it to the action's body.

    The body changes `case` and says what it did: `transition()` for a state-machine
    step, `changed = True` for any other change of the case row, `detail` for the short
    suffix of the audit entry, `event` for what the event adds to the case payload."""

    case: Case
    kind: CaseAuditKind
    by: User | None
    by_system: str = ""
    detail: str = ""
    changed: bool = False
    event_kind: EventKind = "case.changed"
    event: dict[str, Any] = field(default_factory=dict)

    def transition(self, name: str, *, reason: str = "") -> None:
        _apply_transition(self.case, name, by=self.by, by_system=self.by_system, reason=reason)
        self.changed = True


def _audit_reason(kind: CaseAuditKind, detail: str) -> str:
    return f"{kind.value}:{detail}"[:200] if detail else kind.value


def _action_finish(action: CaseAction) -> None:
    """Bump the version once, write the one audit entry and the one event."""
    case = action.case
    if action.changed:
        case.version += 1
        case.save()
    organisation = (
        action.by_system.removeprefix("partner:") if action.by_system.startswith("partner:") else ""
    )
    access_record(
        actor=action.by,
        action="create" if action.kind == CaseAuditKind.REGISTERED else "change",
        target_type=case._meta.label_lower,
        target_id=case.pk,
        reason=_audit_reason(action.kind, action.detail),
        on_behalf_of=organisation,
        role=None if action.by is not None else ("partner-api" if organisation else "system"),
    )
    event_record(
        kind=action.event_kind,
        payload={**case_event_payload(case), "action": action.kind.value, **action.event},
        region=case.region,
    )


@contextmanager
def case_action(
    *,
    case_id: int,
    kind: CaseAuditKind,
    by: User | None,
    by_system: str = "",
    expected_version: int | None = None,
) -> Iterator[CaseAction]:
    """Lock the case (refusing a stale version), run the body in one durable transaction,
    then write the action's one audit entry and its one event (published on commit)."""
    if by is None and not by_system:
        raise TransitionRefused(_("Onbekend wie deze stap zet."))
    with transaction.atomic(durable=True):
        case = _lock(case_id, expected_version)
        action = CaseAction(case=case, kind=kind, by=by, by_system=by_system)
        yield action
        _action_finish(action)


def _refused_attempt_is_logged(func: Callable[P, R]) -> Callable[P, R]:
    """Log a refused step in the access log even though its transaction rolls back.

    SQLite (the development default) has no row locks: the loser of a race on the same
    case finds the table locked instead of waiting, which means the same thing here.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except OperationalError as error:
            if connection.vendor == "sqlite" and "locked" in str(error):
                raise CaseChanged() from None
            raise
        except TransitionRefused as refusal:
            case_id = kwargs.get("case_id")
            by_system = str(kwargs.get("by_system") or "")
            access_record(
                actor=kwargs.get("by"),
                action="change",
                target_type="cases.case",
                target_id=str(case_id or ""),
                allowed=False,
                reason=f"{func.__name__}: {refusal}"[:200],
                on_behalf_of=by_system.removeprefix("partner:"),
            )
            refusal.logged = True
            raise

    return wrapper


# --- intake ---------------------------------------------------------------------------------


def intake_register(
    *,
    intake: IntakeData,
    by: User | None,
    region: str | None = None,
    team: Team | None = None,
    acute_reason: str = "",
    acute_since: datetime.datetime | None = None,
    also: Callable[[Case], None] | None = None,
) -> Case:
    """Create the case in intake with its first contact and the people involved.

    `team` is for contacts nobody on staff took (online reports): who picks them up.
    An acute intake (the form's `acute`, or `acute_reason`) flags the case acute and
    alerts the operators and supervisors at once. `acute_since` is the clock of an acute
    call this intake is for: that call already raised the alert, so the case carries its
    clock and raises none. `also` is the caller's own part of the work, done in the same
    transaction (a confirmation mail queued, a draft deleted, the call linked)."""
    now = timezone.now()
    case_data = intake.case
    with transaction.atomic(durable=True):
        acute = bool(case_data.get("acute")) or bool(acute_reason) or acute_since is not None
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
            acute=acute,
            acute_since=(acute_since or now) if acute else None,
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
        if case.case_type == CaseType.REPORT:
            _report_open(case, contact, received_at=now)
        for person_data in intake.people:
            person = Person(case=case)
            _fill_person(person, person_data)
            person.save()
        if by is not None:
            CaseTransition.objects.create(
                case=case, name="register", from_state="", to_state=case.state, by=by
            )
        if also is not None:
            also(case)
        # The channel lets dashboards list new online reports; neither field is personal.
        action = CaseAction(
            case=case,
            kind=CaseAuditKind.REGISTERED,
            by=by,
            by_system="" if by is not None else "online",
            event_kind="case.created",
            event={"channel": contact.channel, "reported_at": case.reported_at.isoformat()},
        )
        if acute and case.acute_since is not None:
            action.event["acute_since"] = case.acute_since.isoformat()
        if acute and acute_since is None:
            action.detail = "acute"
            action.event_kind = "acute.alert"
            action.event["reason"] = "acute"
        _action_finish(action)
    return case


def _acute_raise(action: CaseAction, *, since: datetime.datetime | None = None) -> None:
    """A new acute situation on this case: its clock starts (or carries an acute call's
    clock, `since`), it goes on the acute lists, and, unless that call already did, the
    action's one event is the alert. A case already on the acute list raises nothing:
    one alert per acute situation."""
    case = action.case
    if case.on_acute_list:
        return
    case.acute = True
    case.acute_since = since or timezone.now()
    case.acute_handled_at = None
    action.changed = True
    action.event["acute_since"] = case.acute_since.isoformat()
    if since is None:
        action.event_kind = "acute.alert"
        action.event["reason"] = "acute"


@_refused_attempt_is_logged
def contact_add(*, case: Case, data: dict[str, Any], by: User) -> Contact:
    """A further contact on an existing case; a new report reopens a closed case."""
    with case_action(case_id=case.pk, kind=CaseAuditKind.CONTACT_ADDED, by=by) as action:
        contact = Contact(case=action.case, handled_by=by)
        _fill_contact(contact, data)
        contact.save()
        if action.case.state == State.CLOSED and data.get("is_reporter", True):
            action.transition("reopen", reason=_("Nieuwe melding ontvangen"))
            action.detail = "reopen"
    return contact


def _is_new_report(intake: IntakeData) -> bool:
    """A report by a reporter; advice, and an informant's information, stay contacts."""
    return intake.case.get("case_type") == CaseType.REPORT and bool(
        intake.contact.get("is_reporter", True)
    )


def _case_details_add(
    action: CaseAction, case_data: dict[str, Any], *, acute_since: datetime.datetime | None = None
) -> None:
    """What a further contact tells about the case: its account is added under the date
    (the earlier accounts stay), new forms of violence join the old, an address fills a
    gap, and danger now flags the case acute and alerts the operators and supervisors
    (an acute call's intake carries the call's clock and alert instead)."""
    case = action.case
    account = (case_data.get("account") or "").strip()
    if account:
        dated = f"[{timezone.localdate():%d-%m-%Y}] {account}"
        case.account = f"{case.account}\n\n{dated}" if case.account else dated
    forms = set(case_data.get("violence_forms") or [])
    if not forms <= set(case.violence_forms):
        case.violence_forms = sorted(forms | set(case.violence_forms))
    if not case.address and case_data.get("address"):
        _set_address(case, case_data["address"])
    if case_data.get("acute") or acute_since is not None:
        _acute_raise(action, since=acute_since)


@_refused_attempt_is_logged
def case_report_add(
    *,
    case_id: int,
    intake: IntakeData,
    by: User,
    expected_version: int | None = None,
    also: Callable[[Contact], None] | None = None,
    acute_since: datetime.datetime | None = None,
) -> Contact:
    """A further contact about a known family joins its case: a second reporter, a
    callback, a professional calling back with more information.

    The contact and the people it names are added. A report gets a Report row of its own:
    its own received date and 5-working-day clock (the case's deadline is its earliest
    open report's) and, for a professional reporter, its own feedback once assessed. A
    report on an advice case makes it a report; on a case in monitoring or closed it
    reopens the case into the safety assessment, which keeps its history and original
    report date. The event names the case's owner (`assigned_to_id`) for their dashboard;
    `also` is the caller's own part in the same transaction (the hotline links its call);
    `acute_since` the clock of the acute call this contact is (see `intake_register`).
    """
    if not by.has_perm(WORK_CASES):
        raise TransitionRefused(_("Deze stap hoort niet bij jouw rol."))
    is_report = _is_new_report(intake)
    kind = CaseAuditKind.REPORT_ADDED if is_report else CaseAuditKind.CONTACT_ADDED
    now = timezone.now()
    with case_action(
        case_id=case_id, kind=kind, by=by, expected_version=expected_version
    ) as action:
        case = action.case
        contact = Contact(case=case, handled_by=by, created_at=now)
        _fill_contact(contact, intake.contact)
        contact.save()
        for person_data in intake.people:
            person = Person(case=case)
            _fill_person(person, person_data)
            person.save()
        _case_details_add(action, intake.case, acute_since=acute_since)
        if is_report:
            reason = _("Nieuwe melding ontvangen")
            if case.case_type == CaseType.ADVICE:
                case.conversion_reason = "new_report"
                action.transition("convert_to_report", reason=reason)
            if case.state in (State.CLOSED, State.MONITORING):
                action.transition("reopen", reason=reason)
                action.transition("start_assessment", reason=reason)
                action.detail = "reopen"
            _report_open(case, contact, received_at=now)
            _deadline_follows_reports(case)
        action.changed = True
        if also is not None:
            also(contact)
        action.event["assigned_to_id"] = case.assigned_to_id
    return contact


@_refused_attempt_is_logged
def person_add(*, case: Case, data: dict[str, Any], by: User) -> Person:
    with case_action(case_id=case.pk, kind=CaseAuditKind.PERSON_ADDED, by=by) as action:
        person = Person(case=action.case)
        _fill_person(person, data)
        person.save()
    return person


@_refused_attempt_is_logged
def case_link(*, case: Case, other: Case, matched_on: str, by: User) -> CaseLink:
    if case.pk == other.pk:
        raise TransitionRefused(_("Een dossier kan niet aan zichzelf gekoppeld worden."))
    with case_action(case_id=case.pk, kind=CaseAuditKind.LINKED, by=by) as action:
        link, _created = CaseLink.objects.get_or_create(
            case=case, linked_case=other, defaults={"matched_on": matched_on, "linked_by": by}
        )
        CaseLink.objects.get_or_create(
            case=other, linked_case=case, defaults={"matched_on": matched_on, "linked_by": by}
        )
        action.detail = other.reference
        action.event["linked_case_id"] = other.pk
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


def _apply_transition(
    case: Case, name: str, *, by: User | None, by_system: str = "", reason: str = ""
) -> None:
    """Run one transition of the state machine and record it; the caller's action saves
    the case, bumps its version and writes the audit entry and event."""
    method = getattr(case, name)
    field_name = "case_type" if name == "convert_to_report" else "state"
    before = getattr(case, field_name)
    if not can_proceed(method, check_conditions=False):
        raise TransitionRefused(
            _('Deze stap kan niet in de fase "%(state)s".') % {"state": case.get_state_display()}
        )
    # A partner's system has no user; its signature was checked by the partner API.
    if by is not None and not method._django_fsm.has_transition_perm(case, before, by):
        raise TransitionRefused(_("Deze stap hoort niet bij jouw rol."))
    if not can_proceed(method):
        raise TransitionRefused(CONDITION_MESSAGES.get(name, lambda c: "")(case) or name)
    method()
    if (
        by is not None
        and case.assigned_to_id is None
        and case.team_id is None
        and by.has_perm(WORK_CASES)
    ):
        # The first to act on an unclaimed case (a new online report) takes it on.
        case.assigned_to = by
        case.team = getattr(by, "team", None)
    case.save()
    CaseTransition.objects.create(
        case=case,
        name=name,
        from_state=before,
        to_state=getattr(case, field_name),
        by=by,
        by_system="" if by is not None else by_system,
        reason=reason,
    )


SIMPLE_TRANSITIONS = {"start_assessment", "reopen"}


@_refused_attempt_is_logged
def case_transition(
    *, case_id: int, name: str, by: User, expected_version: int | None, reason: str = ""
) -> Case:
    """Run a transition that needs nothing but a reason (start assessment, reopen, ...)."""
    if name not in SIMPLE_TRANSITIONS:
        raise TransitionRefused(_("Onbekende stap."))
    with case_action(
        case_id=case_id, kind=CaseAuditKind.TRANSITIONED, by=by, expected_version=expected_version
    ) as action:
        action.transition(name, reason=reason)
        action.detail = name
    return action.case


@dataclass(frozen=True)
class AssessedFact:
    """What safety_assessment tells the case when an assessment is decided."""

    label: str  # "<instrument> v<version>", for the audit entry
    acute: bool
    completes_assessment: bool
    event: dict[str, Any] = field(default_factory=dict)


@_refused_attempt_is_logged
def case_mark_assessment_complete(
    *,
    case_id: int,
    by: User,
    assessment: Callable[[Case], AssessedFact],
    expected_version: int | None = None,
) -> Case:
    """An assessment was decided (`assessment` saves it, inside this action): an acute
    outcome flags the case; the Veilig Thuis assessment moves it on to the decision (through
    its assessment step first, when it was assessed during the intake call)."""
    with case_action(
        case_id=case_id,
        kind=CaseAuditKind.ASSESSMENT_DECIDED,
        by=by,
        expected_version=expected_version,
    ) as action:
        case = action.case
        fact = assessment(case)
        action.detail = fact.label
        action.event.update(fact.event)
        if fact.acute and not case.acute:
            _acute_raise(action)
        if fact.completes_assessment:
            _open_reports_assessed(case)
            action.changed = True
            if case.state == State.INTAKE and may_start_assessment(case):
                action.transition("start_assessment")
            if case.state == State.SAFETY_ASSESSMENT:
                case.assessment_completed_at = case.assessment_completed_at or timezone.now()
                action.transition("complete_assessment")
    return action.case


@dataclass(frozen=True)
class DecidedFact:
    """A decision proposal, approved: what safety_assessment tells the case."""

    decision: str
    reason: str
    proposed_by: User
    event: dict[str, Any] = field(default_factory=dict)
    # Marks the proposal approved; called only once four eyes has been checked here.
    record: Callable[[], None] | None = None
    # The proposer marked a medical question: the vertrouwensarts approves (by default).
    medical: bool = False
    # The approver's written reason for advice or closing on acute or structural unsafety.
    lowering_reason: str = ""


def _lowering_checked(case: Case, *, by: User, lowering_reason: str) -> str:
    """The reason for a step milder than the assessment, once `by` may give it."""
    refusal = decision_makers.lowering_refusal(user=by, region=case.region)
    if refusal:
        raise TransitionRefused(refusal)
    if not lowering_reason.strip():
        raise ReasonRequired(
            "lowering_reason",
            _(
                "De beoordeling vond acute of structurele onveiligheid: schrijf op waarom "
                "het toch advies of afsluiten wordt."
            ),
        )
    case.lowering_reason = lowering_reason.strip()
    case.lowering_reason_by = by
    return case.lowering_reason


def _with_lowering(reason: str, lowering_reason: str) -> str:
    """The transition's reason in the history, with the reason for deviating."""
    if not lowering_reason:
        return reason
    label = _("Afwijking van de beoordeling")
    return f"{reason}\n{label}: {lowering_reason}" if reason else f"{label}: {lowering_reason}"


@_refused_attempt_is_logged
def case_decide(
    *,
    case_id: int,
    by: User,
    proposal: Callable[[Case], DecidedFact],
    expected_version: int | None = None,
) -> Case:
    """Take a decision with four eyes: `by` approves what the proposer proposed.

    `proposal` (safety_assessment's) locks, checks and marks the proposal inside this
    action and returns it; four eyes is checked here, once."""
    with case_action(
        case_id=case_id, kind=CaseAuditKind.DECIDED, by=by, expected_version=expected_version
    ) as action:
        case = action.case
        fact = proposal(case)
        if fact.decision not in Decision.values:
            raise TransitionRefused(_("Kies een besluit."))
        if not fact.reason.strip():
            raise TransitionRefused(_("Een besluit heeft een motivering nodig."))
        if fact.proposed_by.pk == by.pk:
            raise TransitionRefused(_("Een tweede medewerker moet het besluit goedkeuren."))
        if not by.has_perm(DECIDE_CASES):
            # Who holds no deciding role at all hears that, not which decision maker to ask.
            raise TransitionRefused(_("Deze stap hoort niet bij jouw rol."))
        refusal = decision_makers.approval_refusal(
            user=by, region=case.region, medical=fact.medical
        )
        if refusal:
            raise TransitionRefused(refusal)
        lowering_reason = ""
        if decision_makers.decision_lowers(case, fact.decision):
            lowering_reason = _lowering_checked(case, by=by, lowering_reason=fact.lowering_reason)
        if fact.record is not None:
            fact.record()
        case.decision = fact.decision
        case.decision_reason = fact.reason
        case.decision_approved_by = by
        if fact.decision == Decision.ADVICE_CLOSE:
            case.close_reason = fact.reason
        action.transition("decide", reason=_with_lowering(fact.reason, lowering_reason))
        _feedback_owed(case, FeedbackTask.Moment.AFTER_ASSESSMENT)
        action.detail = fact.decision
        action.event.update(fact.event)
    return action.case


@_refused_attempt_is_logged
def case_finish_investigation(
    *, case_id: int, by: User, reason: str, expected_version: int | None = None
) -> Case:
    with case_action(
        case_id=case_id, kind=CaseAuditKind.TRANSITIONED, by=by, expected_version=expected_version
    ) as action:
        was_investigation = action.case.state == State.INVESTIGATION
        action.transition("finish_investigation", reason=reason)
        action.detail = "finish_investigation"
        if was_investigation:
            _feedback_owed(action.case, FeedbackTask.Moment.AFTER_INVESTIGATION)
    return action.case


@dataclass(frozen=True)
class HandoverAnswer:
    """A partner's answer to a handover, as the handover app recorded it.

    `last_open`: no other handover of the case is open or accepted, so a refusal sends
    the case back (an acceptance always moves a case that waits for one)."""

    organisation: str
    reason: str = ""
    last_open: bool = True
    event: dict[str, Any] = field(default_factory=dict)


def _waits_for_an_answer(case: Case) -> None:
    if case.state not in (*HANDOVER_PENDING_STATES, State.COUNCIL_REQUEST):
        raise TransitionRefused(
            _('Deze stap kan niet in de fase "%(state)s".') % {"state": case.get_state_display()}
        )


def _plan_monitoring(case: Case) -> None:
    handed_over_on = timezone.localdate(case.handed_over_at)
    for months, due in zip(
        working_days.MONITORING_MONTHS,
        working_days.monitoring_due_dates(handed_over_on),
        strict=True,
    ):
        MonitoringContact.objects.create(case=case, months_after_handover=months, due_on=due)


@_refused_attempt_is_logged
def case_accept_handover(
    *,
    case_id: int,
    by: User | None,
    by_system: str = "",
    answer: Callable[[Case], HandoverAnswer] | None = None,
    expected_version: int | None = None,
) -> Case:
    """The receiving organisation accepted: local handovers go into monitoring, Jeugd-
    bescherming West closes the case. `answer` records the acceptance on the handover in
    this same action; a case that waits for a council's outcome does not move."""
    with case_action(
        case_id=case_id,
        kind=CaseAuditKind.HANDOVER_ACCEPTED,
        by=by,
        by_system=by_system,
        expected_version=expected_version,
    ) as action:
        case = action.case
        if answer is not None:
            _waits_for_an_answer(case)
            fact = answer(case)
            action.detail = fact.organisation
            action.event.update(fact.event)
        if answer is None or case.state in HANDOVER_PENDING_STATES:
            name = "accept_handover_jbw" if case.state == State.HANDOVER_JBW else "accept_handover"
            action.transition(name)
            if case.state == State.MONITORING:
                _plan_monitoring(case)
    return action.case


@_refused_attempt_is_logged
def case_reject_handover(
    *,
    case_id: int,
    by: User | None,
    by_system: str = "",
    answer: Callable[[Case], HandoverAnswer],
    expected_version: int | None = None,
) -> Case:
    """The receiving organisation refused, with a reason. When no other handover of the
    case is open or accepted, the case goes back to the decision (or, waiting for the
    council, its investigation is finished)."""
    with case_action(
        case_id=case_id,
        kind=CaseAuditKind.HANDOVER_REJECTED,
        by=by,
        by_system=by_system,
        expected_version=expected_version,
    ) as action:
        case = action.case
        _waits_for_an_answer(case)
        fact = answer(case)
        if not fact.reason.strip():
            raise TransitionRefused(_("Geef de reden van de weigering."))
        action.detail = fact.organisation
        action.event.update(fact.event)
        reason = f"{fact.organisation}: {fact.reason}"
        if fact.last_open and case.state in HANDOVER_PENDING_STATES:
            action.transition("reject_handover", reason=reason)
        elif fact.last_open and case.state == State.COUNCIL_REQUEST:
            action.transition("end_council_request", reason=reason)
    return action.case


@dataclass(frozen=True)
class CouncilFact:
    """A step of a request to the Jeugdbeschermingstafel or the Raad, as the handover app
    recorded it: `detail` is the audit suffix (an outcome code, never content);
    `ends_request` sends the case back to the decision (the table decided no
    investigation), with `reason` on the transition."""

    detail: str
    ends_request: bool = False
    reason: str = ""
    event: dict[str, Any] = field(default_factory=dict)


COUNCIL_STEP_KINDS = (
    CaseAuditKind.TABLE_PREPARED,
    CaseAuditKind.TABLE_OUTCOME,
    CaseAuditKind.COUNCIL_REQUESTED,
)


@_refused_attempt_is_logged
def case_council_step(
    *,
    case_id: int,
    kind: CaseAuditKind,
    by: User,
    record: Callable[[Case], CouncilFact],
    expected_version: int | None = None,
) -> Case:
    """Preparing the Jeugdbeschermingstafel, its outcome, or a request to the Raad, while
    the case waits in council_request: `record` (handover's) checks who may and writes its
    rows inside this action, with the case locked."""
    if kind not in COUNCIL_STEP_KINDS:
        raise TransitionRefused(_("Onbekende stap."))
    with case_action(
        case_id=case_id, kind=kind, by=by, expected_version=expected_version
    ) as action:
        case = action.case
        if case.state != State.COUNCIL_REQUEST:
            raise TransitionRefused(
                _('Deze stap kan niet in de fase "%(state)s".')
                % {"state": case.get_state_display()}
            )
        fact = record(case)
        action.detail = fact.detail
        action.event.update(fact.event)
        if fact.ends_request:
            action.transition("end_council_request", reason=fact.reason)
    return action.case


@_refused_attempt_is_logged
def case_close(
    *,
    case_id: int,
    by: User,
    reason: str,
    lowering_reason: str = "",
    expected_version: int | None = None,
) -> Case:
    """Close the case with a reason. Where the assessment found acute or structural
    unsafety that no decision acted on (or the case is still acute), only a gedrags-
    wetenschapper closes it, with a written reason for deviating."""
    with case_action(
        case_id=case_id, kind=CaseAuditKind.TRANSITIONED, by=by, expected_version=expected_version
    ) as action:
        case = action.case
        case.close_reason = reason.strip()
        recorded = ""
        if can_proceed(case.close, check_conditions=False) and decision_makers.closing_lowers(case):
            recorded = _lowering_checked(case, by=by, lowering_reason=lowering_reason)
        action.transition("close", reason=_with_lowering(reason, recorded))
        action.detail = "close"
    return action.case


@_refused_attempt_is_logged
def case_close_check(*, case_id: int, by: User) -> bool:
    """The first step of closing (the confirmation page): refused, and logged, when the
    closing needs a gedragswetenschapper's reason and `by` may not give it. Writes
    nothing; True when the reason for deviating must be written."""
    case = Case.objects.get(pk=case_id)
    if not decision_makers.closing_lowers(case):
        return False
    refusal = decision_makers.lowering_refusal(user=by, region=case.region)
    if refusal:
        raise TransitionRefused(refusal)
    return True


CONVERSION_REASONS = {"reporter_request", "own_initiative"}


@_refused_attempt_is_logged
def case_convert_to_report(
    *, case_id: int, by: User, conversion_reason: str, expected_version: int | None = None
) -> Case:
    """Advice becomes a report, on the reporter's request or on VT's own initiative."""
    if conversion_reason not in CONVERSION_REASONS:
        raise TransitionRefused(_("Kies waarom het advies een melding wordt."))
    with case_action(
        case_id=case_id, kind=CaseAuditKind.TRANSITIONED, by=by, expected_version=expected_version
    ) as action:
        case = action.case
        case.conversion_reason = conversion_reason
        action.transition("convert_to_report", reason=conversion_reason)
        action.detail = "convert_to_report"
        # The advice becomes a report now: its 5 working days count from the conversion.
        _report_open(case, _reporter_contact(case), received_at=timezone.now())
        _deadline_follows_reports(case)
    return action.case


def _feedback_owed(case: Case, moment: str) -> None:
    """A task per professional reporter, each about the report its contact made."""
    for contact in rules.feedback_recipients(case):
        FeedbackTask.objects.get_or_create(
            case=case,
            contact=contact,
            moment=moment,
            defaults={"report": contact.reports.order_by("received_at", "pk").first()},
        )


# Before the decision, the decision itself makes the feedback owed (`case_decide`).
ASSESSED_BEFORE_DECISION = (State.INTAKE, State.SAFETY_ASSESSMENT, State.DECISION)


def _open_reports_assessed(case: Case) -> None:
    """A decided safety assessment covers every report still open. A report that came
    in after the decision (the case in handover, conditions or an investigation) gets
    its own feedback now: no decision follows that would make it owed."""
    now = timezone.now()
    reports = list(case.reports.filter(assessment_completed_at__isnull=True))
    recipients = set(rules.feedback_recipients(case))
    for report in reports:
        report.assessment_completed_at = now
        report.save(update_fields=["assessment_completed_at"])
        if case.state not in ASSESSED_BEFORE_DECISION and report.contact in recipients:
            FeedbackTask.objects.get_or_create(
                case=case,
                contact=report.contact,
                moment=FeedbackTask.Moment.AFTER_ASSESSMENT,
                defaults={"report": report},
            )
    _deadline_follows_reports(case)


@dataclass(frozen=True)
class MonitoringFact:
    """The outcome of a monitoring contact, as the handover app recorded it."""

    outcome: str  # "safe" or "unsafe"
    note: str = ""


@_refused_attempt_is_logged
def case_monitoring_contact_done(
    *, case_id: int, contact_id: int, by: User, record: Callable[[Case], MonitoringFact]
) -> Case:
    """A planned monitoring contact took place (`record` keeps its result inside this
    action). Unsafe: the case opens again and the remaining planned contacts lapse."""
    with case_action(case_id=case_id, kind=CaseAuditKind.MONITORING_CONTACT, by=by) as action:
        contact = (
            MonitoringContact.objects.select_for_update()
            .filter(pk=contact_id, case=action.case)
            .first()
        )
        if contact is None or contact.done_at is not None:
            raise TransitionRefused(_("Dit contact is al vastgelegd."))
        if action.case.state != State.MONITORING:
            raise TransitionRefused(_("Het dossier is niet (meer) in monitoring."))
        fact = record(action.case)
        contact.done_at = timezone.now()
        contact.save(update_fields=["done_at"])
        action.detail = fact.outcome
        if fact.outcome == "unsafe":
            action.transition("reopen", reason=fact.note)
    return action.case


@_refused_attempt_is_logged
def case_feedback_approved(*, case_id: int, by: User, approve: Callable[[Case], str]) -> Case:
    """A supervisor approved a feedback letter; `approve` (melden's) marks the letter and
    queues the mail inside this action and returns the feedback moment."""
    with case_action(case_id=case_id, kind=CaseAuditKind.FEEDBACK_APPROVED, by=by) as action:
        action.detail = approve(action.case)
    return action.case


@_refused_attempt_is_logged
def case_reassign(
    *,
    case_id: int,
    by: User,
    check: Callable[[Case], None],
    assigned_to: User | None,
    team: Team | None,
    expected_version: int | None = None,
) -> Case:
    """Give the case to another operator and/or team; `check` (supervision's) refuses
    who may not have it, by raising, with the case locked."""
    with case_action(
        case_id=case_id, kind=CaseAuditKind.REASSIGNED, by=by, expected_version=expected_version
    ) as action:
        case = action.case
        check(case)
        if assigned_to is not None:
            case.assigned_to = assigned_to
        if team is not None:
            case.team = team
        action.changed = True
        action.detail = (
            f"{case.assigned_to.get_username() if case.assigned_to else '-'}"
            f"/team {case.team_id or '-'}"
        )
    return action.case


@_refused_attempt_is_logged
def case_huisverbod_step(*, case_id: int, by: User, record: Callable[[Case], str]) -> Case:
    """A step of the mayor's tijdelijk huisverbod on this case (huisverbod/): `record`
    writes the order, its extension, the advice or a task inside this action, with the
    case locked, and returns the short audit detail (what was done, never content)."""
    with case_action(case_id=case_id, kind=CaseAuditKind.HUISVERBOD, by=by) as action:
        action.detail = record(action.case)
    return action.case


# --- the acute flag ---------------------------------------------------------------------------


@_refused_attempt_is_logged
def case_flag_acute(*, case_id: int, by: User | None, reason: str) -> Case:
    """Someone is in acute danger now (a child's disclosure, the danger button): flag the
    case and alert the operators and supervisors on duty.

    The alert is the action's event (`acute.alert`), which every dashboard of the region
    shows; a case already on the acute list (its first safety action not yet recorded)
    raises no second one. A case whose earlier acute situation was handled starts a new
    clock."""
    with case_action(
        case_id=case_id, kind=CaseAuditKind.ACUTE_FLAGGED, by=by, by_system="system"
    ) as action:
        _acute_raise(action)
        action.changed = True
    return action.case


@_refused_attempt_is_logged
def case_clear_acute(
    *, case_id: int, by: User, action_taken: str, check: Callable[[Case], None] | None = None
) -> Case:
    """Lift the acute flag: the danger is over. Only with what was done recorded: at least
    one safety action with its time (`case_safety_action_record`), and in words here."""
    if not action_taken.strip():
        raise TransitionRefused(_("Leg vast welke actie is ondernomen voordat acuut vervalt."))
    with case_action(case_id=case_id, kind=CaseAuditKind.ACUTE_CLEARED, by=by) as action:
        case = action.case
        if check is not None:
            check(case)
        if not case.acute:
            raise TransitionRefused(_("Dit dossier is niet als acuut gemarkeerd."))
        if not case.safety_actions.exists():
            raise TransitionRefused(
                _(
                    "Leg eerst de veiligheidsactie vast, met het tijdstip (of waarom geen actie "
                    "mogelijk was), voordat acuut vervalt."
                )
            )
        case.acute = False
        case.acute_cleared_at = timezone.now()
        case.acute_cleared_by = by
        case.acute_action_taken = action_taken.strip()
        action.changed = True
    return action.case


@_refused_attempt_is_logged
def case_safety_action_record(
    *,
    case_id: int,
    by: User,
    kind: str,
    happened_at: datetime.datetime,
    note: str = "",
    check: Callable[[Case], None] | None = None,
) -> SafetyAction:
    """Record a safety action taken about acute danger, with the time it happened.

    The first one (or "no action possible", with the reason) stops the acute clock: the
    case leaves the acute lists. The case stays flagged acute (what the assessment found)
    until someone lifts the flag with `case_clear_acute`. `check` is the caller's need-to-
    know check, run with the case locked."""
    if not by.has_perm(WORK_CASES):
        raise TransitionRefused(_("Deze stap hoort niet bij jouw rol."))
    if kind not in SafetyActionKind.values:
        raise TransitionRefused(_("Kies welke veiligheidsactie is ondernomen."))
    note = note.strip()
    if kind == SafetyActionKind.NONE_POSSIBLE and not note:
        raise TransitionRefused(_("Schrijf op waarom geen veiligheidsactie mogelijk was."))
    now = timezone.now()
    with case_action(case_id=case_id, kind=CaseAuditKind.SAFETY_ACTION_RECORDED, by=by) as action:
        case = action.case
        if check is not None:
            check(case)
        refusal = acute_clock.action_time_refusal(
            happened_at, since=case.acute_since or case.reported_at, now=now
        )
        if refusal:
            raise TransitionRefused(refusal)
        safety_action = SafetyAction.objects.create(
            case=case,
            kind=kind,
            happened_at=happened_at,
            note=note,
            recorded_by=by,
            recorded_at=now,
        )
        if case.on_acute_list:
            case.acute_handled_at = now
        action.changed = True
        action.detail = kind
    return safety_action
