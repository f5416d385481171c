from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition

from accounts import roles
from cases import working_days
from cases.codes import (
    VIOLENCE_CODES_VERSION,
    CaseType,
    Channel,
    ContactRole,
    Decision,
    PersonRole,
    ViolenceForm,
)
from privacy.fields import (
    EncryptedCharField,
    EncryptedDateField,
    EncryptedJSONField,
    EncryptedTextField,
)


class State(models.TextChoices):
    INTAKE = "intake", _("Intake")
    SAFETY_ASSESSMENT = "safety_assessment", _("Veiligheidsbeoordeling")
    DECISION = "decision", _("Besluit")
    HANDOVER_LOCAL = "handover_local", _("Overdracht lokaal veld (wacht op acceptatie)")
    CONDITIONS = "conditions", _("Voorwaarden en vervolg")
    INVESTIGATION = "investigation", _("Onderzoek")
    COUNCIL_REQUEST = "council_request", _("Verzoek Raad / Jeugdbeschermingstafel")
    HANDOVER_JBW = "handover_jbw", _("Overdracht Jeugdbescherming West (wacht op acceptatie)")
    MONITORING = "monitoring", _("Monitoring")
    CLOSED = "closed", _("Gesloten")


# Where each decision takes the case.
DECISION_TARGETS: dict[str, str] = {
    Decision.ADVICE_CLOSE: State.CLOSED,
    Decision.HANDOVER_LOCAL: State.HANDOVER_LOCAL,
    Decision.CONDITIONS: State.CONDITIONS,
    Decision.INVESTIGATION: State.INVESTIGATION,
    Decision.COUNCIL_REQUEST: State.COUNCIL_REQUEST,
    Decision.HANDOVER_JBW: State.HANDOVER_JBW,
}
OPEN_STATES = [state for state in State.values if state != State.CLOSED]
# The condition of the partial indexes on open cases: the same SQL as CaseQuerySet.open().
OPEN = ~Q(state=State.CLOSED)

# What a screen calls each step of the life cycle (CaseTransition.name): words, never the
# method's name. "register" is the intake itself, recorded by cases.services.intake_register.
TRANSITION_LABELS = {
    "register": _("Geregistreerd"),
    "start_assessment": _("Veiligheidsbeoordeling gestart"),
    "complete_assessment": _("Veiligheidsbeoordeling afgerond"),
    "decide": _("Besluit genomen"),
    "accept_handover": _("Overdracht geaccepteerd"),
    "accept_handover_jbw": _("Overdracht aan Jeugdbescherming West geaccepteerd"),
    "reject_handover": _("Overdracht geweigerd"),
    "finish_investigation": _("Onderzoek afgerond"),
    "end_council_request": _("Verzoek Raad beëindigd"),
    "close": _("Gesloten"),
    "reopen": _("Heropend"),
    "convert_to_report": _("Omgezet in een melding"),
}


def transition_label(name: str) -> str:
    """A step's words; a name missing from the table shows as a neutral word, never the code."""
    return str(TRANSITION_LABELS.get(name, _("Stap")))


def state_label(value: str) -> str:
    """A state's (or, for convert_to_report, a case type's) words."""
    if not value:
        return "\N{EN DASH}"
    for choices in (State, CaseType):
        if value in choices.values:
            return str(choices(value).label)
    return "\N{EN DASH}"


# The permissions behind the transitions (accounts.roles is the table; these stay
# importable from here for the modules that use them).
WORK_CASES = roles.WORK_CASES
DECIDE_CASES = roles.DECIDE_CASES


# --- transition conditions: each returns True or False; cases.rules explains why ----


def assessment_is_complete(case: Case) -> bool:
    """The step is done only when a decided safety assessment exists for the case."""
    if case.assessment_completed_at is None:
        return False
    return case.assessments.filter(decided_at__isnull=False).exists()


def decision_is_approved(case: Case) -> bool:
    return bool(case.decision) and case.decision_approved_by_id is not None


def may_close(case: Case) -> bool:
    from cases import rules

    return rules.close_refusal(case) is None


def may_record_handover_response(case: Case, user: Any) -> bool:
    """Staff register a partner's answer; a partner user may give their own."""
    return user.has_perm(WORK_CASES) or user.has_perm(roles.USE_PARTNER_INBOX)


def may_start_assessment(case: Case) -> bool:
    from cases import rules

    return case.case_type == CaseType.REPORT or rules.requires_safety_assessment(case)


# django-fsm types conditions and permissions for any model; these are only ever called
# with the Case they are declared on, so narrowing the parameter to Case is safe.
def _condition(check: Callable[[Case], bool]) -> Callable[[models.Model], bool]:
    return cast(Callable[[models.Model], bool], check)


def _permission(check: Callable[[Case, Any], bool]) -> Callable[[models.Model, Any], bool]:
    return cast(Callable[[models.Model, Any], bool], check)


class CaseQuerySet(models.QuerySet["Case"]):
    def visible_to(self, user: Any) -> CaseQuerySet:
        """Need-to-know, in one place: operators see cases they took, that are assigned to
        them or to their team, and the region's cases nobody has picked up yet (a new online
        report must reach someone); supervisors see their region. Everyone else nothing."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.has_perm(roles.SUPERVISE):
            return self.filter(region=user.region)
        if user.has_perm(roles.ANSWER_HOTLINE):
            mine = Q(created_by=user) | Q(assigned_to=user)
            if user.team_id:
                mine |= Q(team_id=user.team_id)
            unclaimed = Q(region=user.region, team__isnull=True, assigned_to__isnull=True)
            return self.filter(mine | unclaimed)
        return self.none()

    def open(self) -> CaseQuerySet:
        return self.exclude(state=State.CLOSED)


class ReferenceCounter(models.Model):
    """Per-year counter behind the human-friendly reference (VT-2026-000123)."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "reports_referencecounter"

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


def default_region() -> str:
    return settings.VT_REGION


class Case(FSMModelMixin, models.Model):
    """The file on a family or household. Personal content is encrypted at rest."""

    reference = models.CharField(_("kenmerk"), max_length=20, unique=True)
    case_type = FSMField(
        _("soort"), default=CaseType.ADVICE, choices=CaseType.choices, protected=True
    )
    state = FSMField(_("fase"), default=State.INTAKE, choices=State.choices, protected=True)
    # Bumped by every transition; a form posts the version it showed, so a stale screen
    # gets "the case changed, reload" instead of overwriting someone else's step.
    version = models.PositiveIntegerField(default=1)
    region = models.CharField(_("regio"), max_length=50, default=default_region)
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases_taken",
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases_assigned",
    )
    acute = models.BooleanField(_("acuut"), default=False)
    # The acute clock: when this acute situation was raised (for a case made from an acute
    # call, when the call queued), and when its first safety action (or the reason none
    # was possible) was recorded. Acute and not handled: on the acute lists.
    acute_since = models.DateTimeField(_("acuut sinds"), null=True, blank=True)
    acute_handled_at = models.DateTimeField(
        _("eerste veiligheidsactie vastgelegd op"), null=True, blank=True
    )
    reported_at = models.DateTimeField(_("gemeld op"), default=timezone.now)
    assessment_due = models.DateField(_("beoordeling uiterlijk"))
    assessment_completed_at = models.DateTimeField(null=True, blank=True)
    investigation_due = models.DateField(_("onderzoek uiterlijk"), null=True, blank=True)
    decision = models.CharField(_("besluit"), max_length=30, choices=Decision.choices, blank=True)
    decision_reason = EncryptedTextField(_("motivering besluit"), blank=True, default="")
    decision_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    handed_over_at = models.DateTimeField(null=True, blank=True)
    close_reason = EncryptedTextField(_("reden van afsluiten"), blank=True, default="")
    # Advice or closing although the assessment found acute or structural unsafety: the
    # gedragswetenschapper's written reason, and who gave it (cases.decision_makers).
    lowering_reason = EncryptedTextField(
        _("reden om af te wijken van de beoordeling"), blank=True, default=""
    )
    lowering_reason_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("afwijking vastgelegd door"),
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    violence_forms = models.JSONField(_("vormen van geweld"), default=list, blank=True)
    violence_codes_version = models.CharField(max_length=10, default=VIOLENCE_CODES_VERSION)
    account = EncryptedTextField(_("relaas"), blank=True, default="")
    address = EncryptedJSONField(_("adres"), null=True, blank=True)
    address_index = models.CharField(max_length=64, blank=True, db_index=True)
    # For search: postcode + house number without the addition, and the postcode alone.
    postcode_house_index = models.CharField(max_length=64, blank=True, db_index=True)
    postcode_index = models.CharField(max_length=64, blank=True, db_index=True)
    reporter_consents_to_disclosure = models.BooleanField(
        _("melder geeft toestemming om naam te noemen"), default=False
    )
    conversion_reason = models.CharField(max_length=30, blank=True)
    # The last time the acute flag was lifted, by whom and with what action taken.
    acute_cleared_at = models.DateTimeField(null=True, blank=True)
    acute_cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    acute_action_taken = EncryptedTextField(_("ondernomen actie"), blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        db_table = "reports_case"
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-reported_at"]
        permissions = [("decide_case", "Can approve a decision and move a case to it")]
        indexes = [
            models.Index(fields=["region", "state", "assessment_due"]),
            # The pages read the open work, not the archive (benchmarks/pages.py shows
            # the plans): partial indexes on the open cases, small however many are closed.
            models.Index(fields=["region", "state"], name="case_open_region", condition=OPEN),
            models.Index(fields=["team"], name="case_open_team", condition=OPEN),
            models.Index(fields=["assigned_to"], name="case_open_assignee", condition=OPEN),
            models.Index(fields=["created_by"], name="case_open_creator", condition=OPEN),
            models.Index(
                fields=["region", "acute_since"],
                name="case_open_acute",
                condition=OPEN & Q(acute=True),
            ),
            # The backlog chart: open cases and those closed within its range.
            models.Index(fields=["region", "closed_at"], name="case_region_closed_at"),
            # New online reports on the dashboard; the statistics by report date.
            models.Index(fields=["region", "reported_at"], name="case_region_reported_at"),
            models.Index(
                fields=["region", "acute_cleared_at"],
                name="case_acute_cleared",
                condition=Q(acute_cleared_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    # --- the life cycle (called only from cases.services, which locks and logs) -------

    @transition(
        field=state,
        source=State.INTAKE,
        target=State.SAFETY_ASSESSMENT,
        conditions=[_condition(may_start_assessment)],
        permission=WORK_CASES,
    )
    def start_assessment(self) -> None:
        pass

    @transition(
        field=state,
        source=State.SAFETY_ASSESSMENT,
        target=State.DECISION,
        conditions=[_condition(assessment_is_complete)],
        permission=WORK_CASES,
    )
    def complete_assessment(self) -> None:
        pass

    @transition(
        field=state,
        source=State.DECISION,
        target=RETURN_VALUE(*DECISION_TARGETS.values()),
        conditions=[_condition(assessment_is_complete), _condition(decision_is_approved)],
        permission=DECIDE_CASES,
    )
    def decide(self) -> str:
        now = timezone.now()
        self.decided_at = now
        if self.decision == Decision.INVESTIGATION:
            self.investigation_due = working_days.investigation_due(now.date())
        if self.decision == Decision.ADVICE_CLOSE:
            self.closed_at = now
        return DECISION_TARGETS[self.decision]

    @transition(
        field=state,
        source=[State.HANDOVER_LOCAL, State.CONDITIONS],
        target=State.MONITORING,
        permission=_permission(may_record_handover_response),
    )
    def accept_handover(self) -> None:
        self.handed_over_at = timezone.now()

    @transition(
        field=state,
        source=State.HANDOVER_JBW,
        target=State.CLOSED,
        permission=_permission(may_record_handover_response),
    )
    def accept_handover_jbw(self) -> None:
        now = timezone.now()
        self.handed_over_at = now
        self.closed_at = now

    @transition(
        field=state,
        source=[State.HANDOVER_LOCAL, State.HANDOVER_JBW, State.CONDITIONS],
        target=State.DECISION,
        permission=_permission(may_record_handover_response),
    )
    def reject_handover(self) -> None:
        self._clear_decision()

    @transition(
        field=state,
        source=[State.INVESTIGATION, State.COUNCIL_REQUEST],
        target=State.DECISION,
        permission=WORK_CASES,
    )
    def finish_investigation(self) -> None:
        self._clear_decision()

    @transition(
        field=state,
        source=State.COUNCIL_REQUEST,
        target=State.DECISION,
        permission=_permission(may_record_handover_response),
    )
    def end_council_request(self) -> None:
        """The table decided no investigation by the Raad, or the Raad refused the request:
        no child protection measure comes, so Veilig Thuis decides again (four eyes) what
        follows: a handover to the local field with conditions, or closing. The table's
        partner members record its outcome themselves, hence the partner permission."""
        self._clear_decision()

    @transition(
        field=state,
        source=[State.INTAKE, State.MONITORING, State.CONDITIONS],
        target=State.CLOSED,
        conditions=[_condition(may_close)],
        permission=WORK_CASES,
    )
    def close(self) -> None:
        self.closed_at = timezone.now()

    @transition(
        field=state,
        source=[State.CLOSED, State.MONITORING],
        target=State.INTAKE,
        permission=WORK_CASES,
    )
    def reopen(self) -> None:
        """A new report arrives, or monitoring found the situation unsafe.

        The case keeps its history and its original report date (`reported_at`); the
        new clock runs from now (a new report's own Report row sets it the same way)."""
        now = timezone.now()
        self._clear_decision()
        self.assessment_due = working_days.assessment_due(timezone.localdate(now))
        self.assessment_completed_at = None
        self.investigation_due = None
        self.handed_over_at = None
        self.closed_at = None
        self.close_reason = ""

    @transition(
        field=case_type, source=CaseType.ADVICE, target=CaseType.REPORT, permission=WORK_CASES
    )
    def convert_to_report(self) -> None:
        pass

    def _clear_decision(self) -> None:
        self.decision = ""
        self.decision_reason = ""
        self.decision_approved_by = None
        self.decided_at = None
        # The reason belonged to that decision or closing; it stays in the history.
        self.lowering_reason = ""
        self.lowering_reason_by = None

    def violence_form_labels(self) -> list[str]:
        labels = dict(ViolenceForm.choices)
        return [str(labels.get(code, code)) for code in self.violence_forms]

    # --- deadlines for display --------------------------------------------------------

    @property
    def on_acute_list(self) -> bool:
        """Acute and no safety action recorded yet: the acute lists hold it, with its clock."""
        return self.acute and self.acute_handled_at is None and self.state != State.CLOSED

    def working_days_left(self, today: datetime.date | None = None) -> int:
        """Working days until the assessment deadline; negative when overdue."""
        today = today or timezone.localdate()
        return working_days.working_days_between(today, self.assessment_due)


class Person(models.Model):
    """Someone involved in the case (not the reporter)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="people")
    role = models.CharField(_("rol"), max_length=30, choices=PersonRole.choices)
    is_child = models.BooleanField(_("kind (jonger dan 18)"))
    name = EncryptedCharField(_("naam"), max_length=200, blank=True, default="")
    name_index = models.CharField(max_length=64, blank=True, db_index=True)
    date_of_birth = EncryptedDateField(_("geboortedatum"), null=True, blank=True)
    dob_index = models.CharField(max_length=64, blank=True, db_index=True)
    bsn = EncryptedCharField(_("BSN"), max_length=9, blank=True, default="")
    bsn_index = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        db_table = "reports_person"
        verbose_name = _("betrokkene")
        verbose_name_plural = _("betrokkenen")

    def __str__(self) -> str:
        return f"{self.get_role_display()} ({self.pk})"


class Contact(models.Model):
    """One interaction: a call, an online report, or a contact staff register by hand."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contacts")
    channel = models.CharField(_("kanaal"), max_length=10, choices=Channel.choices)
    role = models.CharField(_("rol van de melder"), max_length=20, choices=ContactRole.choices)
    is_minor_about_self = models.BooleanField(_("minderjarige over zichzelf"), default=False)
    anonymous = models.BooleanField(_("blijft anoniem"), default=False)
    # An informant gives information but is not the reporter (no statutory feedback).
    is_reporter = models.BooleanField(_("is melder"), default=True)
    name = EncryptedCharField(_("naam"), max_length=200, blank=True, default="")
    name_index = models.CharField(max_length=64, blank=True, db_index=True)
    phone = EncryptedCharField(_("telefoonnummer"), max_length=40, blank=True, default="")
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    email = EncryptedCharField(_("e-mailadres"), max_length=254, blank=True, default="")
    organisation = EncryptedCharField(_("organisatie"), max_length=200, blank=True, default="")
    profession = models.CharField(_("beroepsgroep"), max_length=50, blank=True)
    never_call_back = models.BooleanField(_("nooit terugbellen"), default=False)
    safe_number = EncryptedCharField(_("veilig nummer"), max_length=40, blank=True, default="")
    safe_number_index = models.CharField(max_length=64, blank=True, db_index=True)
    safe_window_start = models.TimeField(_("veilig vanaf"), null=True, blank=True)
    safe_window_end = models.TimeField(_("veilig tot"), null=True, blank=True)
    shared_family_phone = models.BooleanField(_("gedeelde gezinstelefoon"), default=False)
    language = models.CharField(_("taal"), max_length=10, default="nl")
    simple_language = models.BooleanField(_("eenvoudige taal"), default=False)
    # Victim's safety check: asked before anything else.
    safety_check = EncryptedJSONField(_("veiligheidscheck"), null=True, blank=True)
    # Professionals: Meldcode steps, afwegingskader answers, whether the client was told.
    meldcode = EncryptedJSONField(_("meldcode"), null=True, blank=True)
    wants_help_referral = models.BooleanField(_("wil doorverwijzing naar hulp"), default=False)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts_handled",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "reports_contact"
        verbose_name = _("contact")
        verbose_name_plural = _("contacten")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.get_role_display()} ({self.pk})"


class Report(models.Model):
    """A report (melding) is its own row: each has its own received date and its own
    5-working-day assessment clock. Advice contacts stay contacts and have none.

    The case's deadline is its earliest open report's: cases.services keeps
    Case.assessment_due in step with the open reports."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reports")
    # The reporter's contact (for a converted advice: the contact that asked the advice).
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    received_at = models.DateTimeField(_("ontvangen op"), default=timezone.now)
    assessment_due = models.DateField(_("beoordeling uiterlijk"))
    assessment_completed_at = models.DateTimeField(
        _("beoordeling afgerond op"), null=True, blank=True
    )

    class Meta:
        db_table = "reports_report"
        verbose_name = _("melding")
        verbose_name_plural = _("meldingen")
        ordering = ["received_at", "pk"]
        indexes = [
            models.Index(fields=["case", "assessment_completed_at"]),
            # The backlog chart reads open reports and those completed within its range.
            models.Index(fields=["assessment_completed_at"], name="report_completed_at"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.received_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.assessment_completed_at is None


class CaseAuditKind(models.TextChoices):
    """What a case action did: the access-log `reason` of the one entry each action writes
    (the value, at most followed by ":" and a short suffix such as the transition name)."""

    REGISTERED = "registered", _("Geregistreerd")
    CONTACT_ADDED = "contact_added", _("Contact toegevoegd")
    PERSON_ADDED = "person_added", _("Betrokkene toegevoegd")
    LINKED = "linked", _("Gekoppeld")
    TRANSITIONED = "transitioned", _("Stap gezet")
    ASSESSMENT_DECIDED = "assessment_decided", _("Veiligheidsbeoordeling vastgesteld")
    DECIDED = "decided", _("Besluit genomen")
    HANDOVER_ACCEPTED = "handover_accepted", _("Overdracht geaccepteerd")
    HANDOVER_REJECTED = "handover_rejected", _("Overdracht geweigerd")
    ACUTE_FLAGGED = "acute_flagged", _("Acuut gemarkeerd")
    ACUTE_CLEARED = "acute_cleared", _("Acuut opgeheven")
    FEEDBACK_APPROVED = "feedback_approved", _("Terugkoppeling goedgekeurd")
    REASSIGNED = "reassigned", _("Toegewezen aan een ander")
    MONITORING_CONTACT = "monitoring_contact", _("Monitoringcontact vastgelegd")
    REPORT_ADDED = "report_added", _("Melding toegevoegd")
    HUISVERBOD = "huisverbod", _("Tijdelijk huisverbod bijgewerkt")
    TABLE_PREPARED = "table_prepared", _("Jeugdbeschermingstafel voorbereid")
    TABLE_OUTCOME = "table_outcome", _("Uitkomst Jeugdbeschermingstafel vastgelegd")
    COUNCIL_REQUESTED = "council_requested", _("Verzoek tot onderzoek aan de Raad")
    SAFETY_ACTION_RECORDED = "safety_action", _("Veiligheidsactie vastgelegd")


class SafetyActionKind(models.TextChoices):
    """What was done about acute danger: the one list, for the case page and the figures.
    A code is never reused for something else."""

    POLICE = "police", _("Politie / 112 gebeld")
    CRISIS_SERVICE = "crisis_service", _("Crisisdienst ingeschakeld")
    HUISVERBOD = "huisverbod", _("Tijdelijk huisverbod aangevraagd")
    CHILDREN_SAFE_TONIGHT = (
        "children_safe_tonight",
        _("Veiligheid van de kinderen voor vannacht geregeld"),
    )
    SAFETY_PLAN = "safety_plan", _("Veiligheidsplan afgesproken")
    NONE_POSSIBLE = "none_possible", _("Geen actie mogelijk (met reden)")


class SafetyAction(models.Model):
    """One safety action taken about acute danger, with the time it happened (not the
    time it was typed in: the acute clock is judged by `happened_at`)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="safety_actions")
    kind = models.CharField(_("actie"), max_length=30, choices=SafetyActionKind.choices)
    happened_at = models.DateTimeField(_("tijdstip"))
    # Required for "no action possible" (why not); otherwise optional. Case content: encrypted.
    note = EncryptedTextField(_("toelichting"), blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("veiligheidsactie")
        verbose_name_plural = _("veiligheidsacties")
        ordering = ["happened_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class CaseTransition(models.Model):
    """Who moved the case from which state to which, when, and why: one row per real
    transition of the state machine (Case's @transition methods), nothing else.

    `by` is the member of staff or partner user; a partner's *system* has no user and is
    named in `by_system` ("partner:<organisation slug>")."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transitions")
    name = models.CharField(max_length=40)
    from_state = models.CharField(max_length=30)
    to_state = models.CharField(max_length=30)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    by_system = models.CharField(max_length=100, blank=True, default="")
    at = models.DateTimeField(default=timezone.now)
    reason = EncryptedTextField(blank=True, default="")

    class Meta:
        db_table = "reports_casetransition"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_state} → {self.to_state}"

    @property
    def label(self) -> str:
        return transition_label(self.name)

    @property
    def from_label(self) -> str:
        return state_label(self.from_state)

    @property
    def to_label(self) -> str:
        return state_label(self.to_state)

    @property
    def by_label(self) -> str:
        """Who took the step, in words: the member of staff, or the partner's system by
        the organisation's name (looked up by name: handover is a layer above cases)."""
        if self.by is not None:
            return self.by.get_username()
        slug = self.by_system.removeprefix("partner:")
        if slug != self.by_system:
            from django.apps import apps

            organisation = apps.get_model("handover", "PartnerOrganisation")
            name = organisation.objects.filter(slug=slug).values_list("name", flat=True).first()
            return str(_("systeem van %(organisation)s") % {"organisation": name or slug})
        return str(_("het systeem"))


class CaseLink(models.Model):
    """Radar: an operator recorded that two cases concern the same people or address."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links")
    linked_case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    matched_on = models.CharField(max_length=100)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "reports_caselink"
        constraints = [
            models.UniqueConstraint(fields=["case", "linked_case"], name="unique_case_link")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} ↔ {self.linked_case_id}"


class FeedbackTask(models.Model):
    """Statutory feedback owed to a professional reporter (sent by the online-report work)."""

    class Moment(models.TextChoices):
        AFTER_ASSESSMENT = "after_assessment", _("Na de veiligheidsbeoordeling")
        AFTER_INVESTIGATION = "after_investigation", _("Na het onderzoek")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="feedback_tasks")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="feedback_tasks")
    # The report the feedback is about (empty for tasks from before reports had rows).
    report = models.ForeignKey(
        Report, on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback_tasks"
    )
    moment = models.CharField(max_length=30, choices=Moment.choices)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "reports_feedbacktask"
        constraints = [
            models.UniqueConstraint(
                fields=["case", "contact", "moment"], name="one_feedback_task_per_moment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.moment}"


class MonitoringContact(models.Model):
    """A planned follow-up contact after handover (about 3, 12 and 18 months)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="monitoring_contacts")
    months_after_handover = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "reports_monitoringcontact"
        ordering = ["due_on"]

    def __str__(self) -> str:
        return f"{self.case_id} +{self.months_after_handover}m"
