from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.codes import Decision
from privacy.fields import EncryptedJSONField, EncryptedTextField


class AssessmentLocked(Exception):
    """A decided assessment is the record of what was known and decided then; it never
    changes. A correction is a new version that supersedes it."""


class AssessmentQuerySet(models.QuerySet):
    def decided(self) -> AssessmentQuerySet:
        return self.filter(decided_at__isnull=False)

    def drafts(self) -> AssessmentQuerySet:
        return self.filter(decided_at__isnull=True)

    # Bulk writes skip save(); refuse them on decided rows as well. (Key rotation rewrites
    # ciphertext with its own SQL and is unaffected: the plaintext stays the same.)
    def update(self, **kwargs: Any) -> int:
        if self.decided().exists():
            raise AssessmentLocked("decided assessments cannot be updated")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.decided().exists():
            raise AssessmentLocked("decided assessments cannot be deleted")
        return super().delete()


class Assessment(models.Model):
    """One filled-in instrument on a case: a draft until decided, then immutable."""

    # Destroying the case file (retention, or on request when the suspicion proved
    # unfounded) takes its assessments with it: the one way a decided assessment goes.
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="assessments")
    instrument_slug = models.CharField(_("instrument"), max_length=50)
    instrument_version = models.CharField(_("versie instrument"), max_length=20)
    version = models.PositiveIntegerField(_("versie"), default=1)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="superseded_by",
    )
    answers = EncryptedJSONField(_("antwoorden"), default=dict)
    # The level is kept in the clear so lists can filter on it; which answers led to it
    # (the outcome with its findings) is case content and encrypted.
    level = models.CharField(_("uitkomst"), max_length=30, blank=True)
    computed_level = models.CharField(max_length=30, blank=True)
    acute = models.BooleanField(_("acuut"), default=False)
    outcome = EncryptedJSONField(null=True, blank=True)
    judgement_level = models.CharField(_("professioneel oordeel"), max_length=30, blank=True)
    judgement_reason = EncryptedTextField(
        _("onderbouwing professioneel oordeel"), blank=True, default=""
    )
    change_reason = EncryptedTextField(_("reden van de nieuwe versie"), blank=True, default="")
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    decided_at = models.DateTimeField(_("vastgesteld op"), null=True, blank=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("veiligheidsbeoordeling")
        verbose_name_plural = _("veiligheidsbeoordelingen")
        ordering = ["case", "instrument_slug", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "instrument_slug", "version"], name="one_assessment_per_version"
            ),
            models.UniqueConstraint(
                fields=["case", "instrument_slug"],
                condition=Q(decided_at__isnull=True),
                name="one_draft_per_instrument",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.instrument_slug} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and type(self).objects.filter(pk=self.pk).decided().exists():
            raise AssessmentLocked(f"assessment {self.pk} is decided and cannot change")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.pk is not None and type(self).objects.filter(pk=self.pk).decided().exists():
            raise AssessmentLocked(f"assessment {self.pk} is decided and cannot be deleted")
        return super().delete(*args, **kwargs)

    @property
    def is_decided(self) -> bool:
        return self.decided_at is not None


class DecisionProposal(models.Model):
    """The decision after the assessment, proposed by one member of staff and approved or
    rejected by a second: the decision maker cases.decision_makers names (four eyes)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Wacht op goedkeuring")
        APPROVED = "approved", _("Goedgekeurd")
        REJECTED = "rejected", _("Teruggestuurd")

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="decision_proposals"
    )
    # RESTRICT, not PROTECT: refused on its own, allowed when the whole case file goes.
    assessment = models.ForeignKey(Assessment, on_delete=models.RESTRICT, related_name="+")
    decision = models.CharField(_("besluit"), max_length=30, choices=Decision.choices)
    reason = EncryptedTextField(_("motivering"))
    late_reason = EncryptedTextField(_("reden van de overschrijding"), blank=True, default="")
    # Marked by the proposer: a medical question goes to the vertrouwensarts
    # (cases.decision_makers, settings.DECISION_APPROVERS).
    medical_question = models.BooleanField(_("medische vraag"), default=False)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = EncryptedTextField(_("reden"), blank=True, default="")
    # The approver's written reason for advice or closing although the assessment found
    # acute or structural unsafety (kept on the case as well).
    lowering_reason = EncryptedTextField(
        _("reden om af te wijken van de beoordeling"), blank=True, default=""
    )

    class Meta:
        verbose_name = _("besluitvoorstel")
        verbose_name_plural = _("besluitvoorstellen")
        ordering = ["proposed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status="proposed"),
                name="one_open_proposal_per_case",
            ),
            # Four eyes, down to the database: nobody reviews their own proposal.
            models.CheckConstraint(
                condition=Q(reviewed_by__isnull=True) | ~Q(reviewed_by=F("proposed_by")),
                name="reviewer_is_not_the_proposer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.decision} ({self.status})"
