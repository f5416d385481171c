from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import roles
from privacy.fields import (
    EncryptedCharField,
    EncryptedDateField,
    EncryptedJSONField,
    EncryptedTextField,
)

# The permission behind the partner role (accounts.roles): the inbox of one's own
# organisation, and nothing of Veilig Thuis's own case pages.
USE_PARTNER_INBOX = roles.USE_PARTNER_INBOX


class PartnerOrganisation(models.Model):
    """An organisation Veilig Thuis hands cases over to, and how it receives them.

    Loaded as data (handover/data/organisations.json, migration 0002); an API key for
    organisations that receive through their own system is issued with
    `manage.py partner_api_key <slug>`.
    """

    class Kind(models.TextChoices):
        CJG = "cjg", _("Centrum voor Jeugd en Gezin")
        CERTIFIED_INSTITUTION = "certified_institution", _("Gecertificeerde instelling")
        CHILD_PROTECTION_TABLE = "child_protection_table", _("Jeugdbeschermingstafel")
        CHILD_PROTECTION_BOARD = "child_protection_board", _("Raad voor de Kinderbescherming")
        POLICE = "police", _("Politie")
        SHELTER = "shelter", _("Vrouwenopvang")
        LOCAL_TEAM = "local_team", _("Wijkteam")

    class ReceivesVia(models.TextChoices):
        INBOX = "inbox", _("Partnerinbox")
        API = "api", _("Koppeling (API)")
        PHONE = "phone", _("Telefonisch")

    slug = models.SlugField(unique=True)
    name = models.CharField(_("naam"), max_length=200)
    kind = models.CharField(_("soort"), max_length=30, choices=Kind.choices)
    region = models.CharField(_("regio"), max_length=50)
    receives_via = models.CharField(
        _("ontvangt overdrachten via"), max_length=10, choices=ReceivesVia.choices
    )
    active = models.BooleanField(_("actief"), default=True)
    api_key_id = models.CharField(max_length=40, blank=True, default="")
    api_secret = EncryptedCharField(max_length=100, blank=True, default="")
    # For whoever reviews the keys: a key never used, or unused for months, should go.
    api_key_issued_at = models.DateTimeField(null=True, blank=True)
    api_key_last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "routing_partnerorganisation"
        verbose_name = _("partnerorganisatie")
        verbose_name_plural = _("partnerorganisaties")
        ordering = ["name"]
        permissions = [("use_partner_inbox", "Can see and act on the own organisation's handovers")]
        constraints = [
            models.UniqueConstraint(
                fields=["api_key_id"],
                condition=~models.Q(api_key_id=""),
                name="unique_partner_api_key_id",
            )
        ]

    def __str__(self) -> str:
        return self.name


class PartnerMembership(models.Model):
    """Links a user with the partner role to the one organisation they work for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_membership"
    )
    organisation = models.ForeignKey(
        PartnerOrganisation, on_delete=models.PROTECT, related_name="members"
    )

    class Meta:
        db_table = "routing_partnermembership"

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.organisation.slug}"


class Handover(models.Model):
    """A case handed to a partner organisation: pending until the partner accepts it.

    The package is what the receiver sees; it is built once, when the handover is made
    (handover.package), and never holds the reporter's identity without their consent.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Wacht op acceptatie")
        ACCEPTED = "accepted", _("Geaccepteerd")
        REJECTED = "rejected", _("Geweigerd")
        ESCALATED = "escalated", _("Niet op tijd geaccepteerd (geëscaleerd)")

    class Via(models.TextChoices):
        INBOX = "inbox", _("Partnerinbox")
        API = "api", _("Koppeling (API)")
        PHONE = "phone", _("Telefonisch, vastgelegd door Veilig Thuis")

    OPEN_STATUSES = (Status.PENDING, Status.ESCALATED)

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="handovers")
    organisation = models.ForeignKey(
        PartnerOrganisation, on_delete=models.PROTECT, related_name="handovers"
    )
    # The answers the destination rules were evaluated on, and what they proposed.
    facts = EncryptedJSONField(_("feiten"), default=dict)
    proposals = models.JSONField(_("voorstellen"), default=list)
    rule_id = models.CharField(_("regel"), max_length=60, blank=True)
    override_reason = EncryptedTextField(
        _("reden voor een andere bestemming"), blank=True, default=""
    )
    package = EncryptedJSONField(_("overdrachtspakket"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    accept_due = models.DateField(_("accepteren uiterlijk"))
    escalated_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # A partner user from the inbox; empty when the partner's system decided via the API.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_via = models.CharField(max_length=10, choices=Via.choices, blank=True)
    # A partner that answers by phone: the person there who answered, and the member of
    # staff who recorded it.
    answered_by_name = EncryptedCharField(
        _("naam van wie bij de partner antwoordde"), max_length=200, blank=True, default=""
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_reason = EncryptedTextField(_("toelichting"), blank=True, default="")

    class Meta:
        db_table = "routing_handover"
        verbose_name = _("overdracht")
        verbose_name_plural = _("overdrachten")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.organisation_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def overridden(self) -> bool:
        return bool(self.override_reason)

    @property
    def rule_reason(self) -> str:
        from django.utils.translation import get_language

        from handover.destinations import rule_reason

        return (
            rule_reason(self.rule_id, (get_language() or "nl")[:2])
            if self.rule_id
            else "\N{EN DASH}"
        )


class ApiNonce(models.Model):
    """A nonce a partner system used; kept a while so a replayed request is refused."""

    organisation = models.ForeignKey(PartnerOrganisation, on_delete=models.CASCADE)
    nonce = models.CharField(max_length=100)
    expires_at = models.DateTimeField()

    class Meta:
        db_table = "routing_apinonce"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "nonce"], name="unique_api_nonce")
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}: nonce {self.pk}"


class ApiIdempotencyRecord(models.Model):
    """The answer given to a request with an Idempotency-Key, to give it again on a retry."""

    organisation = models.ForeignKey(PartnerOrganisation, on_delete=models.CASCADE)
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "routing_apiidempotencyrecord"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "key"], name="unique_api_idempotency_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}: idempotency key {self.pk}"


class MonitoringResult(models.Model):
    """The outcome of one planned monitoring contact (reports.MonitoringContact)."""

    class Outcome(models.TextChoices):
        SAFE = "safe", _("Veilig: monitoring loopt door")
        UNSAFE = "unsafe", _("Onveilig: dossier gaat weer open")
        CANCELLED = "cancelled", _("Vervallen (dossier heropend)")

    contact = models.OneToOneField(
        "cases.MonitoringContact", on_delete=models.CASCADE, related_name="result"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    note = EncryptedTextField(_("toelichting"), blank=True, default="")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "routing_monitoringresult"

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.outcome}"


class ReferenceIndexRegistration(models.Model):
    """An organisation's involvement with a child in the reference index (Verwijsindex).

    No content: the child is known only by the blind index of their BSN; siblings are
    found through the blind indexes of the parents' BSNs (ReferenceIndexParent). The date
    of birth is kept, encrypted, because who is told depends on the child's age.
    """

    organisation = models.ForeignKey(
        PartnerOrganisation, on_delete=models.PROTECT, related_name="reference_registrations"
    )
    child_bsn_index = models.CharField(max_length=64, db_index=True)
    child_date_of_birth = EncryptedDateField()
    registered_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        db_table = "routing_referenceindexregistration"
        ordering = ["-registered_at"]

    def __str__(self) -> str:
        return f"{self.organisation_id}: registration {self.pk}"

    def is_active(self, at: datetime.datetime | None = None) -> bool:
        return self.expires_at > (at or timezone.now())


class ReferenceIndexParent(models.Model):
    """The blind index of a parent's BSN, the family key that finds siblings."""

    registration = models.ForeignKey(
        ReferenceIndexRegistration, on_delete=models.CASCADE, related_name="parents"
    )
    parent_bsn_index = models.CharField(max_length=64, db_index=True)

    class Meta:
        db_table = "routing_referenceindexparent"
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "parent_bsn_index"], name="unique_registration_parent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.registration_id}: parent {self.pk}"


class MatchSignal(models.Model):
    """Tells an organisation who else is involved, and nothing more."""

    class Kind(models.TextChoices):
        SAME_CHILD = "same_child", _("Betrokken bij hetzelfde kind")
        SIBLING = "sibling", _("Betrokken bij een broer of zus")

    registration = models.ForeignKey(
        ReferenceIndexRegistration, on_delete=models.CASCADE, related_name="signals"
    )
    other_registration = models.ForeignKey(
        ReferenceIndexRegistration, on_delete=models.CASCADE, related_name="+"
    )
    other_organisation = models.ForeignKey(
        PartnerOrganisation, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "routing_matchsignal"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "other_registration"], name="unique_match_signal"
            )
        ]

    def __str__(self) -> str:
        return f"{self.registration_id} ↔ {self.other_organisation_id}"

    def as_message(self) -> dict[str, str]:
        """What the organisation is told: who else is involved (and whether with this
        child or a sibling). No name, BSN, date of birth or content."""
        return {
            "other_organisation": self.other_organisation.name,
            "kind": self.kind,
            "created_at": self.created_at.isoformat(),
        }


class Notice(models.Model):
    """That a registration must be made known to the parents or the child (no content)."""

    class Recipient(models.TextChoices):
        PARENTS = "parents", _("Ouders")
        CHILD = "child", _("Kind")

    registration = models.ForeignKey(
        ReferenceIndexRegistration, on_delete=models.CASCADE, related_name="notices"
    )
    recipient = models.CharField(max_length=10, choices=Recipient.choices)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "routing_notice"
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "recipient"], name="one_notice_per_recipient"
            )
        ]

    def __str__(self) -> str:
        return f"{self.registration_id} → {self.recipient}"


# --- the Jeugdbeschermingstafel and the Raad voor de Kinderbescherming -------------------

# The table may postpone its decision under agreements for at most 6 months, counted from
# its first meeting about the family (Jeugdbeschermingstafel Den Haag protocol).
TABLE_POSTPONE_MONTHS_MAX = 6
# Parents take part in the table; children only from 12 (as they are told about a
# reference-index registration from 12: handover.services.CHILD_IS_TOLD_FROM_AGE).
TABLE_CHILD_TAKES_PART_FROM_AGE = 12


class TableReferral(models.Model):
    """A family referred to the Jeugdbeschermingstafel: made with the handover to the
    table, it carries the deadline while the case waits, whether the parents were told,
    and the table's meetings with their outcomes (TableMeeting).

    `due_on` is the date the case waits for: the meeting (CHILD_PROTECTION_TABLE_MEETING_
    WEEKS after the referral) and, after a postponement, the review date; empty once the
    table decided."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Wacht op de tafel")
        POSTPONED = "postponed", _("Aangehouden onder afspraken")
        DONE = "done", _("Besloten")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="table_referrals")
    handover = models.OneToOneField(
        Handover, on_delete=models.CASCADE, related_name="table_referral"
    )
    referred_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    due_on = models.DateField(_("uiterlijk"), null=True, blank=True)
    meeting_planned_on = models.DateField(_("tafel gepland op"), null=True, blank=True)
    parents_informed_on = models.DateField(_("ouders geïnformeerd op"), null=True, blank=True)
    parents_informing_postponed_reason = EncryptedTextField(
        _("reden om het informeren van de ouders uit te stellen"), blank=True, default=""
    )

    class Meta:
        verbose_name = _("aanmelding Jeugdbeschermingstafel")
        verbose_name_plural = _("aanmeldingen Jeugdbeschermingstafel")
        ordering = ["-referred_at", "-pk"]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.case_id}: table referral {self.pk} ({self.status})"

    @property
    def parents_informing_recorded(self) -> bool:
        return self.parents_informed_on is not None or bool(self.parents_informing_postponed_reason)

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.due_on is not None and self.due_on < (today or timezone.localdate())


class TableMeeting(models.Model):
    """One meeting of the table about a referred family, and what it decided."""

    class Outcome(models.TextChoices):
        NO_INVESTIGATION = "no_investigation", _("Geen onderzoek door de Raad")
        POSTPONE = "postpone", _("Aanhouden onder afspraken (ten hoogste 6 maanden)")
        COUNCIL_REQUEST = "council_request", _("Verzoek tot onderzoek aan de Raad")

    referral = models.ForeignKey(TableReferral, on_delete=models.CASCADE, related_name="meetings")
    held_on = models.DateField(_("datum van de tafel"))
    outcome = models.CharField(_("uitkomst"), max_length=20, choices=Outcome.choices)
    agreements = EncryptedTextField(_("afspraken"), blank=True, default="")
    review_on = models.DateField(_("datum van heroverweging"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Jeugdbeschermingstafel")
        verbose_name_plural = _("Jeugdbeschermingstafels")
        ordering = ["held_on", "pk"]

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.held_on} {self.outcome}"


class TableParticipant(models.Model):
    """A person of the case invited to a table meeting, and whether they came."""

    meeting = models.ForeignKey(TableMeeting, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey("cases.Person", on_delete=models.CASCADE, related_name="+")
    invited = models.BooleanField(_("uitgenodigd"), default=False)
    attended = models.BooleanField(_("aanwezig"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="one_row_per_participant")
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}: person {self.person_id}"


class CouncilRequest(models.Model):
    """A request to the Raad voor de Kinderbescherming to investigate (verzoek tot
    onderzoek), with the handover that carries it to the Raad: from the table's outcome,
    or urgent, straight from the decision, skipping the table (with the reason)."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="council_requests"
    )
    handover = models.OneToOneField(
        Handover, on_delete=models.CASCADE, related_name="council_request"
    )
    urgent = models.BooleanField(_("spoed (zonder de Jeugdbeschermingstafel)"), default=False)
    reason = EncryptedTextField(_("reden"))
    table_meeting = models.OneToOneField(
        TableMeeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="council_request",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("verzoek tot onderzoek aan de Raad")
        verbose_name_plural = _("verzoeken tot onderzoek aan de Raad")
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.case_id}: council request {self.pk}"
