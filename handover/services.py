"""Writes for routing: handovers, their acceptance and escalation, monitoring results and
the reference index. Each runs in one transaction, writes the access log and announces
what dashboards need (non-personal payloads) on commit."""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import DECIDE_CASES
from cases import services as case_services
from cases import working_days
from cases.models import WORK_CASES, Case, CaseAuditKind, MonitoringContact, Person, State
from events.services import event_record
from handover import destinations
from handover.models import (
    TABLE_CHILD_TAKES_PART_FROM_AGE,
    TABLE_POSTPONE_MONTHS_MAX,
    USE_PARTNER_INBOX,
    CouncilRequest,
    Handover,
    MatchSignal,
    MonitoringResult,
    Notice,
    PartnerMembership,
    PartnerOrganisation,
    ReferenceIndexParent,
    ReferenceIndexRegistration,
    TableMeeting,
    TableParticipant,
    TableReferral,
)
from handover.package import package_build
from privacy.access_log import access_record, target_of
from privacy.blind_index import bsn_index

# States in which the case waits for a partner to accept it (reports.models.State).
OVERRIDE_REASON_MISSING = gettext_lazy(
    "Deze organisatie volgt niet uit de regels. Geef de reden waarom je anders kiest."
)


def override_reason_missing(
    case: Case, *, organisation_slug: str, answers: dict[str, bool], override_reason: str
) -> bool:
    """Staff chose an organisation the rules do not propose without saying why: checked
    before the confirmation page (so it is not asked for in vain) and again, with the case
    locked, when handing over."""
    proposals = destinations.propose(destinations.facts_for(case, answers))
    chosen = any(proposal.destination == organisation_slug for proposal in proposals)
    return not chosen and not override_reason.strip()


PENDING_HANDOVER_STATES = (State.HANDOVER_LOCAL, State.HANDOVER_JBW, State.CONDITIONS)
# A request to the Jeugdbeschermingstafel or the Raad is handed over too; the case waits
# in council_request for its outcome.
HANDOVER_STATES = (*PENDING_HANDOVER_STATES, State.COUNCIL_REQUEST)

REFERENCE_INDEX_YEARS = 2
CHILD_IS_TOLD_FROM_AGE = 12
ONLY_CHILD_IS_TOLD_FROM_AGE = 16


class HandoverError(ValueError):
    """A handover step that cannot be taken; the message is fit for the person asking.
    `field` names the form field it belongs to, when there is one."""

    def __init__(self, message: str, *, field: str = "", status: int = 400) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


class HandoverNotFound(HandoverError):
    """No such handover for this organisation (another organisation's is not found either)."""

    def __init__(self) -> None:
        super().__init__(_("Deze overdracht bestaat niet."), status=404)


def handover_event_payload(handover: Handover) -> dict[str, Any]:
    """What a dashboard may show: references and dates, nothing about the people."""
    return {
        "handover_id": handover.pk,
        "case_id": handover.case_id,
        "reference": handover.case.reference,
        "organisation": handover.organisation.slug,
        "status": handover.status,
        "accept_due": handover.accept_due.isoformat(),
    }


def _log(
    obj: Any,
    *,
    by: User | None,
    action: str,
    reason: str,
    organisation: PartnerOrganisation | None = None,
    allowed: bool = True,
) -> None:
    target_type, target_id = target_of(obj)
    access_record(
        actor=by,
        action=action,
        target_type=target_type,
        target_id=target_id,
        reason=reason,
        allowed=allowed,
        on_behalf_of=organisation.slug if organisation else "",
        role=None if by is not None else ("partner-api" if organisation else "system"),
    )


# --- partner organisations and their users ------------------------------------------------


def partner_member_add(*, user: User, organisation_slug: str) -> PartnerMembership:
    organisation = PartnerOrganisation.objects.filter(slug=organisation_slug).first()
    if organisation is None:
        slugs = ", ".join(PartnerOrganisation.objects.values_list("slug", flat=True))
        raise HandoverError(f"Unknown organisation {organisation_slug!r}; choose one of: {slugs}.")
    membership, _created = PartnerMembership.objects.update_or_create(
        user=user, defaults={"organisation": organisation}
    )
    return membership


def partner_api_key_issue(*, organisation: PartnerOrganisation) -> tuple[str, str]:
    """A new key id and secret for a partner's system; the old pair stops working."""
    key_id = f"vt_{organisation.slug[:20]}_{secrets.token_hex(6)}"
    secret = secrets.token_urlsafe(32)
    organisation.api_key_id = key_id
    organisation.api_secret = secret
    organisation.api_key_issued_at = timezone.now()
    organisation.api_key_last_used_at = None
    organisation.save(
        update_fields=["api_key_id", "api_secret", "api_key_issued_at", "api_key_last_used_at"]
    )
    return key_id, secret


# --- the handover ----------------------------------------------------------------------------


def handover_accept_due(start: datetime.date) -> datetime.date:
    return working_days.add_working_days(start, settings.HANDOVER_ACCEPT_WORKING_DAYS)


def handover_create(
    *,
    case_id: int,
    organisation_slug: str,
    answers: dict[str, bool],
    safety_conditions: list[str],
    facts_for_receiver: str,
    by: User,
    override_reason: str = "",
    language: str = "nl",
) -> Handover:
    """Hand the case to an organisation: pending until it accepts.

    The destination rules propose; when staff choose another organisation, the reason
    is required and recorded.
    """
    if not by.has_perm(WORK_CASES):
        raise HandoverError(_("Overdragen hoort niet bij jouw rol."), status=403)
    organisation = PartnerOrganisation.objects.filter(slug=organisation_slug, active=True).first()
    if organisation is None:
        raise HandoverError(_("Kies een organisatie."), field="organisation")
    conditions = [line.strip() for line in safety_conditions if line.strip()]
    if not conditions:
        raise HandoverError(
            _("Geef ten minste één veiligheidsvoorwaarde."), field="safety_conditions"
        )
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        if case.state not in HANDOVER_STATES:
            raise HandoverError(
                _('In de fase "%(state)s" kan het dossier niet worden overgedragen.')
                % {"state": case.get_state_display()},
                status=409,
            )
        if case.handovers.filter(
            organisation=organisation, status__in=Handover.OPEN_STATUSES
        ).exists():
            raise HandoverError(
                _("Er staat al een overdracht aan deze organisatie open."),
                field="organisation",
                status=409,
            )
        facts = destinations.facts_for(case, answers)
        proposals = destinations.propose(facts, language=language)
        chosen = next((p for p in proposals if p.destination == organisation.slug), None)
        override_reason = override_reason.strip()
        if chosen is None and not override_reason:
            raise HandoverError(str(OVERRIDE_REASON_MISSING), field="override_reason")
        handover = Handover.objects.create(
            case=case,
            organisation=organisation,
            facts=facts,
            proposals=[proposal.as_dict() for proposal in proposals],
            rule_id=chosen.rule_id if chosen else "",
            override_reason="" if chosen else override_reason,
            package=package_build(
                case, safety_conditions=conditions, facts_for_receiver=facts_for_receiver.strip()
            ),
            created_by=by,
            accept_due=handover_accept_due(timezone.localdate()),
        )
        _table_or_council_follows(handover, by=by)
        _log(
            handover,
            by=by,
            action="create",
            reason=f"handover of case {case.pk} to {organisation.slug}"
            + (" (override)" if handover.overridden else ""),
        )
        event_record(
            kind="handover.created", payload=handover_event_payload(handover), region=case.region
        )
    return handover


def _locked_open_handover(*, handover_id: int, organisation: PartnerOrganisation) -> Handover:
    handover = (
        Handover.objects.select_for_update()
        .select_related("case", "organisation", "created_by")
        .filter(pk=handover_id, organisation=organisation)
        .first()
    )
    if handover is None:
        raise HandoverNotFound()
    if not handover.is_open:
        raise HandoverError(
            _("Over deze overdracht is al besloten: %(status)s.")
            % {"status": handover.get_status_display()},
            status=409,
        )
    return handover


def _answerer(
    *, organisation: PartnerOrganisation, by: User | None, via: str, answered_by_name: str
) -> tuple[str, str]:
    """Who answers, checked: (by_system for the case, the name of who answered).

    A partner user answers for their own organisation in the inbox; a partner's system
    answers in the organisation's own name through the API; staff record the answer of a
    partner that works by phone, with the name of the person there who gave it."""
    if via == Handover.Via.API:
        if by is not None:
            raise HandoverError(_("Via de koppeling antwoordt alleen het systeem."), status=403)
        return f"partner:{organisation.slug}", ""
    if by is None:
        raise HandoverError(_("Onbekend wie antwoordt."), status=403)
    if via == Handover.Via.INBOX:
        membership = getattr(by, "partner_membership", None)
        if (
            not by.has_perm(USE_PARTNER_INBOX)
            or membership is None
            or (membership.organisation_id != organisation.pk)
        ):
            raise HandoverError(_("Deze overdracht is niet aan jouw organisatie."), status=403)
        return "", ""
    if via == Handover.Via.PHONE:
        if not by.has_perm(WORK_CASES):
            raise HandoverError(_("Dit hoort niet bij jouw rol."), status=403)
        name = (answered_by_name or "").strip()
        if not name:
            raise HandoverError(
                _("Noem wie bij de partner het antwoord gaf."), field="answered_by_name"
            )
        return "", name
    raise HandoverError(_("Onbekend kanaal."))


def _answered(
    handover: Handover, *, status: str, by: User | None, via: str, name: str, reason: str = ""
) -> None:
    handover.status = status
    handover.decided_at = timezone.now()
    handover.decided_via = via
    if via == Handover.Via.PHONE:
        handover.recorded_by = by
        handover.answered_by_name = name
    else:
        handover.decided_by = by
    handover.decision_reason = reason
    handover.save()


def _handover_event(handover: Handover) -> dict[str, Any]:
    return {
        "handover_id": handover.pk,
        "organisation": handover.organisation.slug,
        "handover_status": handover.status,
        "via": handover.decided_via,
    }


def _refused(
    refusal: HandoverError, *, handover_id: int, organisation: PartnerOrganisation, by: User | None
) -> HandoverError:
    access_record(
        actor=by,
        action="change",
        target_type="handover.handover",
        target_id=handover_id,
        allowed=False,
        reason=f"handover answer refused: {refusal}"[:200],
        on_behalf_of=organisation.slug,
        role=None if by is not None else "partner-api",
    )
    return refusal


def handover_accept(
    *,
    handover_id: int,
    organisation: PartnerOrganisation,
    by: User | None,
    via: str,
    answered_by_name: str = "",
) -> Handover:
    """The partner accepts: responsibility moves, and the case goes into monitoring (or is
    closed, for Jeugdbescherming West). A request to the Raad/table waits in its state.

    One case action: the handover row and the case move together."""
    try:
        by_system, name = _answerer(
            organisation=organisation, by=by, via=via, answered_by_name=answered_by_name
        )
        found = Handover.objects.filter(pk=handover_id, organisation=organisation).first()
        if found is None:
            raise HandoverNotFound()
    except HandoverError as refusal:
        raise _refused(refusal, handover_id=handover_id, organisation=organisation, by=by) from None
    recorded: list[Handover] = []

    def answer(case: Case) -> case_services.HandoverAnswer:
        handover = _locked_open_handover(handover_id=handover_id, organisation=organisation)
        _answered(handover, status=Handover.Status.ACCEPTED, by=by, via=via, name=name)
        recorded.append(handover)
        return case_services.HandoverAnswer(
            organisation=organisation.slug, event=_handover_event(handover)
        )

    try:
        case_services.case_accept_handover(
            case_id=found.case_id, by=by, by_system=by_system, answer=answer
        )
    except case_services.TransitionRefused as refusal:
        raise HandoverError(str(refusal), status=409) from None
    return recorded[0]


def handover_reject(
    *,
    handover_id: int,
    organisation: PartnerOrganisation,
    by: User | None,
    via: str,
    reason: str,
    answered_by_name: str = "",
) -> Handover:
    """The partner refuses, with a reason. When no other handover of the case is open or
    accepted, the case goes back to the decision. One case action, like accepting."""
    reason = (reason or "").strip()
    try:
        by_system, name = _answerer(
            organisation=organisation, by=by, via=via, answered_by_name=answered_by_name
        )
        if not reason:
            raise HandoverError(_("Geef de reden van de weigering."), field="reason")
        found = Handover.objects.filter(pk=handover_id, organisation=organisation).first()
        if found is None:
            raise HandoverNotFound()
    except HandoverError as refusal:
        if refusal.field:
            raise  # bad input, not a refused person
        raise _refused(refusal, handover_id=handover_id, organisation=organisation, by=by) from None
    recorded: list[Handover] = []

    def answer(case: Case) -> case_services.HandoverAnswer:
        handover = _locked_open_handover(handover_id=handover_id, organisation=organisation)
        others = (
            case.handovers.exclude(pk=handover.pk)
            .filter(status__in=[*Handover.OPEN_STATUSES, Handover.Status.ACCEPTED])
            .exists()
        )
        _answered(
            handover, status=Handover.Status.REJECTED, by=by, via=via, name=name, reason=reason
        )
        # A table that refuses the referral will not meet: the case no longer waits for it.
        TableReferral.objects.filter(handover=handover).update(
            status=TableReferral.Status.DONE, due_on=None
        )
        recorded.append(handover)
        return case_services.HandoverAnswer(
            organisation=organisation.name,
            reason=reason,
            last_open=not others,
            event=_handover_event(handover),
        )

    try:
        case_services.case_reject_handover(
            case_id=found.case_id, by=by, by_system=by_system, answer=answer
        )
    except case_services.TransitionRefused as refusal:
        raise HandoverError(str(refusal), status=409) from None
    return recorded[0]


def handovers_escalate(*, today: datetime.date | None = None) -> list[int]:
    """Escalate every pending handover past its acceptance deadline, once.

    Run by `manage.py escalate_handovers`; running it again escalates nothing twice.
    """
    today = today or timezone.localdate()
    escalated: list[int] = []
    with transaction.atomic():
        overdue = (
            Handover.objects.select_for_update()
            .select_related("case", "organisation")
            .filter(status=Handover.Status.PENDING, accept_due__lt=today)
            .order_by("pk")
        )
        for handover in overdue:
            if handover.case.state not in HANDOVER_STATES:
                # Staff recorded the acceptance on the case page themselves (by phone).
                continue
            handover.status = Handover.Status.ESCALATED
            handover.escalated_at = timezone.now()
            handover.save(update_fields=["status", "escalated_at"])
            _log(handover, by=None, action="change", reason="escalated: not accepted in time")
            event_record(
                kind="handover.escalated",
                payload=handover_event_payload(handover),
                region=handover.case.region,
            )
            escalated.append(handover.pk)
    return escalated


# --- monitoring ---------------------------------------------------------------------------------


def monitoring_record(*, contact_id: int, outcome: str, note: str, by: User) -> MonitoringResult:
    """Record a monitoring contact: safe keeps monitoring; unsafe reopens the case."""
    if not by.has_perm(WORK_CASES):
        raise HandoverError(_("Monitoring hoort niet bij jouw rol."), status=403)
    if outcome not in (MonitoringResult.Outcome.SAFE, MonitoringResult.Outcome.UNSAFE):
        raise HandoverError(_("Kies de uitkomst van het contact."), field="outcome")
    note = (note or "").strip()
    if outcome == MonitoringResult.Outcome.UNSAFE and not note:
        raise HandoverError(_("Beschrijf waarom het niet veilig is."), field="note")
    contact = MonitoringContact.objects.filter(pk=contact_id).first()
    if contact is None:
        raise HandoverError(_("Dit monitoringcontact bestaat niet."), status=404)
    recorded: list[MonitoringResult] = []

    def record(case: Case) -> case_services.MonitoringFact:
        if MonitoringResult.objects.filter(contact_id=contact_id).exists():
            raise HandoverError(_("Dit contact is al vastgelegd."), status=409)
        if case.state != State.MONITORING:
            raise HandoverError(_("Het dossier is niet (meer) in monitoring."), status=409)
        now = timezone.now()
        recorded.append(
            MonitoringResult.objects.create(
                contact_id=contact_id, outcome=outcome, note=note, by=by, at=now
            )
        )
        if outcome == MonitoringResult.Outcome.UNSAFE:
            # The remaining planned contacts lapse; a new handover plans new ones.
            for remaining in MonitoringContact.objects.filter(
                case=case, result__isnull=True
            ).exclude(pk=contact_id):
                MonitoringResult.objects.create(
                    contact=remaining, outcome=MonitoringResult.Outcome.CANCELLED, by=by, at=now
                )
        return case_services.MonitoringFact(outcome=outcome, note=note)

    try:
        case_services.case_monitoring_contact_done(
            case_id=contact.case_id, contact_id=contact_id, by=by, record=record
        )
    except case_services.TransitionRefused as refusal:
        raise HandoverError(str(refusal), status=409) from None
    return recorded[0]


# --- the reference index (Verwijsindex) ----------------------------------------------------


class ReferenceIndexError(ValueError):
    """A registration that cannot be made; `field` names the input it is about."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def _years_later(moment: datetime.datetime, years: int) -> datetime.datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, month=3, day=1)


def age_on(date_of_birth: datetime.date, day: datetime.date) -> int:
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - int(before_birthday)


def notice_recipients(date_of_birth: datetime.date, on: datetime.date) -> list[str]:
    """Who is told about a registration: the parents; from 12 the child too; from 16 only
    the child."""
    age = age_on(date_of_birth, on)
    if age >= ONLY_CHILD_IS_TOLD_FROM_AGE:
        return [Notice.Recipient.CHILD]
    if age >= CHILD_IS_TOLD_FROM_AGE:
        return [Notice.Recipient.PARENTS, Notice.Recipient.CHILD]
    return [Notice.Recipient.PARENTS]


def _signal(
    mine: ReferenceIndexRegistration, theirs: ReferenceIndexRegistration, kind: str
) -> None:
    MatchSignal.objects.get_or_create(
        registration=mine,
        other_registration=theirs,
        defaults={"other_organisation": theirs.organisation, "kind": kind},
    )


def reference_index_register(
    *,
    organisation: PartnerOrganisation,
    child_bsn: str,
    child_date_of_birth: datetime.date | None,
    parent_bsns: list[str],
    by: User | None = None,
    now: datetime.datetime | None = None,
) -> ReferenceIndexRegistration:
    """Register an organisation's involvement with a child, for two years.

    Another organisation's active registration of the same child, or of a child with a
    parent in common (a sibling), gives both a match signal. Registering the same child
    again renews the registration.
    """
    now = now or timezone.now()
    child_index = bsn_index(child_bsn or "")
    if not child_index:
        raise ReferenceIndexError(_("Dit BSN klopt niet (11-proef)."), field="child_bsn")
    if child_date_of_birth is None or child_date_of_birth > timezone.localdate(now):
        raise ReferenceIndexError(
            _("Geef de geboortedatum van het kind."), field="child_date_of_birth"
        )
    parent_indexes = []
    for raw in parent_bsns:
        if not (raw or "").strip():
            continue
        index = bsn_index(raw)
        if not index:
            raise ReferenceIndexError(
                _("Het BSN van een ouder klopt niet (11-proef)."), field="parent_bsns"
            )
        if index == child_index:
            raise ReferenceIndexError(
                _("Het BSN van een ouder is gelijk aan dat van het kind."), field="parent_bsns"
            )
        parent_indexes.append(index)
    with transaction.atomic():
        registration = (
            ReferenceIndexRegistration.objects.select_for_update()
            .filter(organisation=organisation, child_bsn_index=child_index, expires_at__gt=now)
            .first()
        )
        if registration is None:
            registration = ReferenceIndexRegistration.objects.create(
                organisation=organisation,
                child_bsn_index=child_index,
                child_date_of_birth=child_date_of_birth,
                registered_at=now,
                expires_at=_years_later(now, REFERENCE_INDEX_YEARS),
                registered_by=by,
            )
            for recipient in notice_recipients(child_date_of_birth, timezone.localdate(now)):
                Notice.objects.create(registration=registration, recipient=recipient)
            action = "create"
        else:
            registration.expires_at = _years_later(now, REFERENCE_INDEX_YEARS)
            registration.save(update_fields=["expires_at"])
            action = "change"
        for index in parent_indexes:
            ReferenceIndexParent.objects.get_or_create(
                registration=registration, parent_bsn_index=index
            )
        all_parents = list(registration.parents.values_list("parent_bsn_index", flat=True))
        others = ReferenceIndexRegistration.objects.filter(expires_at__gt=now).exclude(
            organisation=organisation
        )
        same_child = others.filter(child_bsn_index=child_index)
        siblings = (
            others.filter(parents__parent_bsn_index__in=all_parents)
            .exclude(child_bsn_index=child_index)
            .distinct()
            if all_parents
            else others.none()
        )
        for kind, matches in (
            (MatchSignal.Kind.SAME_CHILD, same_child),
            (MatchSignal.Kind.SIBLING, siblings),
        ):
            for other in matches.select_related("organisation"):
                _signal(registration, other, kind)
                _signal(other, registration, kind)
        _log(
            registration,
            by=by,
            action=action,
            reason="reference index registration",
            organisation=organisation,
        )
    return registration


# --- the Jeugdbeschermingstafel and the Raad ----------------------------------------------


def table_meeting_due(referred_on: datetime.date) -> datetime.date:
    """The date the table should have met by (a regional agreement, in settings)."""
    return referred_on + datetime.timedelta(weeks=settings.CHILD_PROTECTION_TABLE_MEETING_WEEKS)


def table_review_latest(first_meeting_on: datetime.date) -> datetime.date:
    """The latest review date a postponement may have: 6 months after the first meeting."""
    return working_days.add_months(first_meeting_on, TABLE_POSTPONE_MONTHS_MAX)


def _table_or_council_follows(handover: Handover, *, by: User) -> None:
    """A handover to the table opens a referral with its deadline; one to the Raad is a
    request to investigate (the family outside Den Haag goes to the Raad directly)."""
    kind = handover.organisation.kind
    if kind == PartnerOrganisation.Kind.CHILD_PROTECTION_TABLE:
        TableReferral.objects.create(
            case=handover.case,
            handover=handover,
            referred_at=handover.created_at,
            due_on=table_meeting_due(timezone.localdate(handover.created_at)),
        )
    elif kind == PartnerOrganisation.Kind.CHILD_PROTECTION_BOARD:
        CouncilRequest.objects.create(
            case=handover.case,
            handover=handover,
            reason=handover.package.get("facts", ""),
            requested_by=by,
            requested_at=handover.created_at,
        )


def _council_handover(case: Case, *, by: User, reason: str) -> Handover:
    """The handover that carries a request to investigate to the Raad. The package holds
    the reason written for the Raad, never the account as told to Veilig Thuis."""
    organisation = (
        PartnerOrganisation.objects.filter(
            kind=PartnerOrganisation.Kind.CHILD_PROTECTION_BOARD, active=True
        )
        .order_by("name")
        .first()
    )
    if organisation is None:
        raise HandoverError(
            _("Er is geen Raad voor de Kinderbescherming als partner ingesteld."), status=409
        )
    if case.handovers.filter(organisation=organisation, status__in=Handover.OPEN_STATUSES).exists():
        raise HandoverError(_("Er staat al een verzoek aan de Raad open."), status=409)
    return Handover.objects.create(
        case=case,
        organisation=organisation,
        facts=destinations.facts_for(case, {"measure_to_consider": True}),
        proposals=[],
        package=package_build(case, safety_conditions=[], facts_for_receiver=reason),
        created_by=by,
        accept_due=handover_accept_due(timezone.localdate()),
    )


def _refuse_person(*, by: User, target: Any, why: str) -> HandoverError:
    """A refused person: logged (who, which record, no content) and told 403."""
    _log(target, by=by, action="change", reason=f"refused: {why}", allowed=False)
    return HandoverError(_("Dit hoort niet bij jouw rol of organisatie."), status=403)


def _check_table_recorder(referral: TableReferral, by: User) -> None:
    """Who records for the table: Veilig Thuis staff working the case (they referred the
    family and usually sit at the table), and the partner members of the table the family
    was referred to (its chair or secretary records the outcome in their inbox). Partner
    members of other organisations, the Raad's included, may not: the table decides."""
    if by.has_perm(WORK_CASES):
        if Case.objects.visible_to(by).filter(pk=referral.case_id).exists():
            return
        raise _refuse_person(by=by, target=referral, why="table step outside need-to-know")
    membership = getattr(by, "partner_membership", None)
    if (
        by.has_perm(USE_PARTNER_INBOX)
        and membership is not None
        and membership.organisation_id == referral.handover.organisation_id
    ):
        return
    raise _refuse_person(by=by, target=referral, why="table step by another organisation")


def _referral_for(referral_id: int) -> TableReferral:
    referral = (
        TableReferral.objects.select_related("handover", "case").filter(pk=referral_id).first()
    )
    if referral is None:
        raise HandoverError(_("Deze aanmelding bij de tafel bestaat niet."), status=404)
    return referral


def _locked_undecided_referral(referral_id: int) -> TableReferral:
    referral = TableReferral.objects.select_for_update().get(pk=referral_id)
    if referral.status == TableReferral.Status.DONE:
        raise HandoverError(_("De tafel heeft over dit gezin al besloten."), status=409)
    return referral


def _parents_informing(
    *, informed_on: datetime.date | None, postponed_reason: str, today: datetime.date
) -> tuple[datetime.date | None, str]:
    postponed_reason = (postponed_reason or "").strip()
    if informed_on is not None and informed_on > today:
        raise HandoverError(
            _("De ouders kunnen niet in de toekomst geïnformeerd zijn."),
            field="parents_informed_on",
        )
    return informed_on, postponed_reason


def table_referral_prepare(
    *,
    referral_id: int,
    by: User,
    meeting_planned_on: datetime.date | None,
    parents_informed_on: datetime.date | None,
    parents_informing_postponed_reason: str,
    today: datetime.date | None = None,
) -> TableReferral:
    """Before the table meets: the planned date, and that the parents were told (the
    date), or why telling them is postponed (for instance when it would endanger a
    child). One of the two is required."""
    today = today or timezone.localdate()
    referral = _referral_for(referral_id)
    _check_table_recorder(referral, by)
    informed_on, postponed_reason = _parents_informing(
        informed_on=parents_informed_on,
        postponed_reason=parents_informing_postponed_reason,
        today=today,
    )
    if informed_on is None and not postponed_reason:
        raise HandoverError(
            _("Vul in wanneer de ouders zijn geïnformeerd, of waarom dat wordt uitgesteld."),
            field="parents_informed_on",
        )
    if meeting_planned_on is not None and meeting_planned_on < timezone.localdate(
        referral.referred_at
    ):
        raise HandoverError(
            _("De tafel kan niet vóór de aanmelding gepland zijn."), field="meeting_planned_on"
        )

    def record(case: Case) -> case_services.CouncilFact:
        locked = _locked_undecided_referral(referral_id)
        locked.meeting_planned_on = meeting_planned_on
        locked.parents_informed_on = informed_on
        locked.parents_informing_postponed_reason = postponed_reason
        locked.save()
        return case_services.CouncilFact(
            detail="informed" if informed_on else "informing_postponed"
        )

    _run_council_step(
        case_id=referral.case_id, kind=CaseAuditKind.TABLE_PREPARED, by=by, record=record
    )
    referral.refresh_from_db()
    return referral


@dataclass(frozen=True)
class Attendance:
    """One person of the case at a table meeting: invited, and whether they came."""

    person_id: int
    invited: bool
    attended: bool


def _check_participants(
    case: Case, attendance: list[Attendance], *, held_on: datetime.date
) -> list[Attendance]:
    """Only people of the case; someone who came was invited; children only from 12 on
    the day of the table (checked where the date of birth is known)."""
    taking_part = [row for row in attendance if row.invited or row.attended]
    people = {person.pk: person for person in Person.objects.filter(case=case)}
    for row in taking_part:
        person = people.get(row.person_id)
        if person is None:
            raise HandoverError(_("Kies alleen betrokkenen van dit dossier."), field="invited")
        if person.is_child and person.date_of_birth is not None:
            if age_on(person.date_of_birth, held_on) < TABLE_CHILD_TAKES_PART_FROM_AGE:
                raise HandoverError(
                    _(
                        "%(name)s is op de dag van de tafel jonger dan %(age)s jaar en kan niet "
                        "deelnemen; kinderen nemen deel vanaf %(age)s jaar."
                    )
                    % {
                        "name": person.name or _("Een kind"),
                        "age": TABLE_CHILD_TAKES_PART_FROM_AGE,
                    },
                    field="invited",
                )
    return [Attendance(row.person_id, True, row.attended) for row in taking_part]


def table_outcome_record(
    *,
    referral_id: int,
    by: User,
    held_on: datetime.date | None,
    outcome: str,
    attendance: list[Attendance],
    agreements: str = "",
    review_on: datetime.date | None = None,
    council_reason: str = "",
    parents_informed_on: datetime.date | None = None,
    parents_informing_postponed_reason: str = "",
    today: datetime.date | None = None,
) -> TableMeeting:
    """The table met: who was invited and who came, and its outcome.

    - no investigation: the case goes back to the decision (Case.end_council_request);
    - postpone under agreements, with a review date at most 6 months after the table's
      first meeting about the family: the case waits for the review date;
    - a request to the Raad: a request to investigate, handed over to the Raad.
    The parents must have been told (or the reason to postpone that recorded) before the
    table meets: given here, or earlier with the preparation."""
    today = today or timezone.localdate()
    referral = _referral_for(referral_id)
    _check_table_recorder(referral, by)
    if outcome not in TableMeeting.Outcome.values:
        raise HandoverError(_("Kies de uitkomst van de tafel."), field="outcome")
    if held_on is None:
        raise HandoverError(_("Vul de datum van de tafel in."), field="held_on")
    if held_on > today:
        raise HandoverError(_("Leg de uitkomst vast nadat de tafel is geweest."), field="held_on")
    if held_on < timezone.localdate(referral.referred_at):
        raise HandoverError(
            _("De tafel kan niet vóór de aanmelding zijn geweest."), field="held_on"
        )
    informed_on, postponed_reason = _parents_informing(
        informed_on=parents_informed_on,
        postponed_reason=parents_informing_postponed_reason,
        today=today,
    )
    informed_on = informed_on or referral.parents_informed_on
    postponed_reason = postponed_reason or referral.parents_informing_postponed_reason
    if informed_on is None and not postponed_reason:
        raise HandoverError(
            _(
                "Voordat de tafel besluit: vul in wanneer de ouders zijn geïnformeerd, of "
                "waarom dat wordt uitgesteld."
            ),
            field="parents_informed_on",
        )
    if informed_on is not None and informed_on > held_on:
        raise HandoverError(
            _("De ouders moeten vóór de tafel geïnformeerd zijn."), field="parents_informed_on"
        )
    agreements = (agreements or "").strip()
    council_reason = (council_reason or "").strip()
    if outcome == TableMeeting.Outcome.POSTPONE:
        if not agreements:
            raise HandoverError(
                _("Beschrijf de afspraken waaronder de tafel aanhoudt."), field="agreements"
            )
        if review_on is None:
            raise HandoverError(_("Vul de datum van heroverweging in."), field="review_on")
        if review_on <= held_on:
            raise HandoverError(_("De heroverweging moet na de tafel zijn."), field="review_on")
    elif outcome == TableMeeting.Outcome.COUNCIL_REQUEST:
        if not council_reason:
            raise HandoverError(
                _("Beschrijf het verzoek tot onderzoek voor de Raad."), field="council_reason"
            )
        review_on = None
    else:
        review_on = None
    participants = _check_participants(referral.case, attendance, held_on=held_on)
    recorded: list[TableMeeting] = []

    def record(case: Case) -> case_services.CouncilFact:
        locked = _locked_undecided_referral(referral_id)
        first = locked.meetings.order_by("held_on", "pk").first()
        if review_on is not None:
            latest = table_review_latest(first.held_on if first else held_on)
            if review_on > latest:
                raise HandoverError(
                    _(
                        "Aanhouden kan ten hoogste %(months)s maanden na de eerste tafel: "
                        "uiterlijk %(date)s."
                    )
                    % {"months": TABLE_POSTPONE_MONTHS_MAX, "date": latest.strftime("%d-%m-%Y")},
                    field="review_on",
                )
        meeting = TableMeeting.objects.create(
            referral=locked,
            held_on=held_on,
            outcome=outcome,
            agreements=agreements,
            review_on=review_on,
            recorded_by=by,
        )
        TableParticipant.objects.bulk_create(
            TableParticipant(
                meeting=meeting, person_id=row.person_id, invited=True, attended=row.attended
            )
            for row in participants
        )
        locked.parents_informed_on = informed_on
        locked.parents_informing_postponed_reason = postponed_reason
        if outcome == TableMeeting.Outcome.POSTPONE:
            locked.status = TableReferral.Status.POSTPONED
            locked.due_on = review_on
        else:
            locked.status = TableReferral.Status.DONE
            locked.due_on = None
        locked.save()
        _table_handover_accepted(locked.handover_id, by=by)
        recorded.append(meeting)
        event: dict[str, Any] = {}
        if outcome == TableMeeting.Outcome.COUNCIL_REQUEST:
            request = CouncilRequest.objects.create(
                case=case,
                handover=_council_handover(case, by=by, reason=council_reason),
                reason=council_reason,
                table_meeting=meeting,
                requested_by=by,
            )
            event = {
                "handover_id": request.handover_id,
                "organisation": request.handover.organisation.slug,
            }
        return case_services.CouncilFact(
            detail=outcome,
            ends_request=outcome == TableMeeting.Outcome.NO_INVESTIGATION,
            reason=str(TableMeeting.Outcome.NO_INVESTIGATION.label),
            event=event,
        )

    _run_council_step(
        case_id=referral.case_id, kind=CaseAuditKind.TABLE_OUTCOME, by=by, record=record
    )
    return recorded[0]


def _table_handover_accepted(handover_id: int, *, by: User) -> None:
    """The table met about the family, so it took the referral on: an open handover to
    it counts as accepted (and no longer escalates)."""
    handover = Handover.objects.select_for_update().get(pk=handover_id)
    if not handover.is_open:
        return
    handover.status = Handover.Status.ACCEPTED
    handover.decided_at = timezone.now()
    if by.has_perm(WORK_CASES):
        handover.recorded_by = by
    else:
        handover.decided_by = by
        handover.decided_via = Handover.Via.INBOX
    handover.save()


def council_request_urgent(*, case_id: int, by: User, reason: str) -> CouncilRequest:
    """Urgent: straight from the decision to the Raad, skipping the table, with the reason
    it cannot wait. Who may: those who approve decisions (DECIDE_CASES), since skipping
    the table is itself a weighed decision (in the night, the gedragswetenschapper on duty)."""
    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        raise HandoverError(_("Dit dossier bestaat niet."), status=404)
    if not by.has_perm(DECIDE_CASES):
        raise _refuse_person(by=by, target=case, why="urgent council request without decide_case")
    reason = (reason or "").strip()
    if not reason:
        raise HandoverError(
            _("Geef de reden waarom dit niet via de Jeugdbeschermingstafel kan."), field="reason"
        )
    recorded: list[CouncilRequest] = []

    def record(locked_case: Case) -> case_services.CouncilFact:
        if locked_case.table_referrals.exclude(status=TableReferral.Status.DONE).exists():
            raise HandoverError(
                _(
                    "Het gezin ligt al bij de Jeugdbeschermingstafel. Leg daar de uitkomst "
                    "vast (verzoek aan de Raad)."
                ),
                status=409,
            )
        request = CouncilRequest.objects.create(
            case=locked_case,
            handover=_council_handover(locked_case, by=by, reason=reason),
            urgent=True,
            reason=reason,
            requested_by=by,
        )
        recorded.append(request)
        return case_services.CouncilFact(
            detail="urgent",
            event={
                "handover_id": request.handover_id,
                "organisation": request.handover.organisation.slug,
            },
        )

    _run_council_step(case_id=case_id, kind=CaseAuditKind.COUNCIL_REQUESTED, by=by, record=record)
    return recorded[0]


def _run_council_step(*, case_id: int, kind: CaseAuditKind, by: User, record: Any) -> None:
    try:
        case_services.case_council_step(case_id=case_id, kind=kind, by=by, record=record)
    except case_services.TransitionRefused as refusal:
        raise HandoverError(str(refusal), status=409) from None
