"""A call to 0800-2000, from the first webhook to its end, and who changed it when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.codes import CallerChoice
from privacy.fields import EncryptedCharField, EncryptedTextField


class CallState(models.TextChoices):
    IVR = "ivr", _("in het keuzemenu")
    QUEUED = "queued", _("wacht")
    TAKEN = "taken", _("aangenomen, wordt doorverbonden")
    CONNECTED = "connected", _("in gesprek")
    TRANSFERRED = "transferred", _("doorverbonden met andere regio")
    ENDED = "ended", _("beëindigd")
    ABANDONED = "abandoned", _("opgehangen tijdens het wachten")


# Once a call is here nothing a webhook says can bring it back: Twilio retries and
# reorders callbacks, and a finished call must stay finished.
FINAL_STATES = {CallState.ENDED, CallState.ABANDONED}


class CallOutcome(models.TextChoices):
    NONE = "", "-"
    COMPLETED = "completed", _("gesprek gevoerd")
    SAFE_EXIT = "safe_exit", _("kon niet praten, veilig beëindigd")
    LEFT_MENU = "left_menu", _("opgehangen in het keuzemenu")
    ABANDONED = "abandoned", _("opgehangen tijdens het wachten")
    BACKUP = "backup", _("naar het reservenummer")
    TRANSFERRED = "transferred", _("doorverbonden met andere regio")
    FAILED = "failed", _("mislukt")
    # Its end never reached us (the final webhooks failed); Twilio's REST API said it was
    # over when we asked (hotline.reconcile) or when an operator tried to take it.
    ENDED_UNREPORTED = "ended_unreported", _("al beëindigd volgens Twilio")


class WrapUpOutcome(models.TextChoices):
    """Why a call that was answered has no intake: the one list of wrap-up codes.

    Data, not logic: a code is never reused for something else (statistics count by it),
    and the contact centre's wrap-up reads the same list. Every call an operator answered
    ends with an intake (Call.contact) or one of these.
    """

    SILENT = "silent", _("stille lijn")
    WRONG_NUMBER = "wrong_number", _("verkeerd verbonden")
    HUNG_UP = "hung_up", _("beller hing op")
    ADVICE_ONLY = "advice_only", _("alleen informatie gegeven, geen intake")
    ABUSIVE = "abusive", _("misbruik van de lijn")


class AcuteCallHandling(models.TextChoices):
    """What was done about an acute call that never became a case (the caller hung up
    before the intake): the one list, for the acute list's form."""

    POLICE_INFORMED = "police_informed", _("Politie geïnformeerd")
    CALLBACK_NOT_POSSIBLE = "callback_not_possible", _("Terugbellen niet mogelijk")
    NOTHING_POSSIBLE = "nothing_possible", _("Niets mogelijk")


class PendingAction(models.TextChoices):
    """What the caller asked for from the queue; done when Twilio lets them leave it."""

    NONE = "", "-"
    SAFE_EXIT = "safe_exit", _("wil ophangen")
    MENU = "menu", _("wil het keuzemenu")


class Call(models.Model):
    sid = models.CharField(max_length=64, unique=True)
    # The caller's number is personal data: encrypted, found only through its blind index.
    caller_number = EncryptedCharField(max_length=40, blank=True, default="")
    caller_index = models.CharField(max_length=64, blank=True, default="", db_index=True)
    withheld = models.BooleanField(default=False)
    simulated = models.BooleanField(default=False)
    language = models.CharField(max_length=2, default="nl")
    # The caller's menu choice; cases.codes.CALLER_CONTACT says which contact it becomes.
    role = models.CharField(
        max_length=20, choices=CallerChoice.choices, default=CallerChoice.UNKNOWN
    )
    acute = models.BooleanField(default=False)
    # The acute clock, from when the call first queued acute (the alert went out then); a
    # case made from the call carries it on.
    acute_since = models.DateTimeField(null=True, blank=True)
    # An acute call without a case leaves the acute lists only with what was done recorded.
    acute_handling = models.CharField(
        max_length=30, choices=AcuteCallHandling.choices, blank=True, default=""
    )
    # Why (what the operator knows of the situation is case content: encrypted).
    acute_handling_reason = EncryptedTextField(blank=True, default="")
    acute_handled_at = models.DateTimeField(null=True, blank=True)
    acute_handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hotline_acute_handlings",
    )
    region = models.CharField(max_length=50, blank=True, default="")
    region_source = models.CharField(max_length=20, blank=True, default="")
    postcode_attempts = models.PositiveSmallIntegerField(default=0)
    menu_attempts = models.PositiveSmallIntegerField(default=0)
    state = models.CharField(max_length=20, choices=CallState.choices, default=CallState.IVR)
    outcome = models.CharField(
        max_length=20, choices=CallOutcome.choices, blank=True, default=CallOutcome.NONE
    )
    pending_action = models.CharField(
        max_length=20, choices=PendingAction.choices, blank=True, default=PendingAction.NONE
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hotline_calls",
    )
    twilio_status = models.CharField(max_length=20, blank=True, default="")
    # -1: no status callback seen yet. Callbacks older than the last one applied are ignored.
    twilio_sequence = models.IntegerField(default=-1)
    created_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # When the worker last asked Twilio how this call stands (hotline.reconcile): a call
    # without an end is checked at most once per GHOST_CALL_AFTER_MINUTES.
    twilio_checked_at = models.DateTimeField(null=True, blank=True)
    # The contact the operator's intake for this call recorded (hotline.services.
    # call_link_contact). The link lives here because cases never imports hotline; the
    # case page reads it back as `contact.calls`.
    contact = models.ForeignKey(
        "cases.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
    )
    # Or, for an answered call without an intake, why not (WrapUpOutcome).
    wrap_up_outcome = models.CharField(
        max_length=20, choices=WrapUpOutcome.choices, blank=True, default=""
    )
    wrap_up_at = models.DateTimeField(null=True, blank=True)
    wrap_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hotline_wrap_ups",
    )

    class Meta:
        indexes = [
            models.Index(fields=["state", "enqueued_at"]),
            # The supervisor's call figures and charts: a region's calls of the last days.
            models.Index(fields=["region", "enqueued_at"], name="call_region_enqueued"),
            # The acute list: acute calls without a case and nothing recorded (a few rows).
            models.Index(
                fields=["acute_since"],
                name="call_acute_open",
                condition=Q(acute=True, contact__isnull=True, acute_handling=""),
            ),
            # "Nog af te ronden" on an operator's dashboard.
            models.Index(
                fields=["operator", "ended_at"],
                name="call_to_wrap_up",
                condition=Q(state=CallState.ENDED, contact__isnull=True, wrap_up_outcome=""),
            ),
        ]

    def __str__(self) -> str:
        return f"call {self.pk} ({self.state})"

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def duration_seconds(self) -> int | None:
        """How long the operator and the caller talked; None before they were connected."""
        if self.connected_at is None or self.ended_at is None:
            return None
        return max(0, int((self.ended_at - self.connected_at).total_seconds()))

    @property
    def duration_label(self) -> str:
        seconds = self.duration_seconds
        if seconds is None:
            return "-"
        return f"{seconds // 60}:{seconds % 60:02d}"

    @property
    def on_acute_list(self) -> bool:
        """Acute, no case from it, and nothing recorded about it: on the acute lists."""
        return (
            self.acute
            and self.acute_since is not None
            and self.contact_id is None
            and not self.acute_handling
        )

    @property
    def needs_wrap_up(self) -> bool:
        """Answered and over, with neither an intake nor an outcome code yet."""
        return (
            self.state == CallState.ENDED
            and self.operator_id is not None
            and self.contact_id is None
            and not self.wrap_up_outcome
        )


class CallTransition(models.Model):
    """Who moved a call from one state to another, and when: the call's audit trail."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="transitions")
    at = models.DateTimeField(auto_now_add=True)
    from_state = models.CharField(max_length=20)
    to_state = models.CharField(max_length=20)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    # "twilio" for webhooks, the operator's username otherwise.
    by_label = models.CharField(max_length=150)
    note = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.call_id}: {self.from_state} -> {self.to_state} by {self.by_label}"


class PresenceState(models.TextChoices):
    AVAILABLE = "available", _("beschikbaar")
    ON_CALL = "on_call", _("in gesprek")
    WRAP_UP = "wrap_up", _("nazorg")
    AWAY = "away", _("afwezig")


class OperatorPresence(models.Model):
    """Whether an operator can take a call now; shown to every dashboard of the region.

    Operators set it themselves; taking a call and the end of that call change it too
    (hotline.presence).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hotline_presence"
    )
    state = models.CharField(
        max_length=20, choices=PresenceState.choices, default=PresenceState.AVAILABLE
    )
    since = models.DateTimeField()
    region = models.CharField(max_length=50)

    class Meta:
        indexes = [models.Index(fields=["region", "state"])]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.state}"


class CallbackOutcome(models.TextChoices):
    PENDING = "pending", _("wordt aangevraagd")
    DIALLING = "dialling", _("wordt gebeld")
    SIMULATED = "simulated", _("gesimuleerd (geen Twilio)")
    FAILED = "failed", _("mislukt")
    CONNECTED = "connected", _("verbonden met de medewerker")
    DECLINED = "declined", _("niet bevestigd, opgehangen")
    NO_ANSWER = "no_answer", _("niet opgenomen")
    BUSY = "busy", _("in gesprek")
    OPERATOR_MISSED = "operator_missed", _("medewerker nam niet op")


class Callback(models.Model):
    """An operator's safe callback to a contact (hotline.callbacks).

    No number is kept here: the contact's encrypted safe number is read at dial time only,
    so this row can be shown and logged without revealing whom we called.
    """

    contact = models.ForeignKey("cases.Contact", on_delete=models.CASCADE, related_name="callbacks")
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="hotline_callbacks"
    )
    requested_at = models.DateTimeField()
    outcome = models.CharField(
        max_length=20, choices=CallbackOutcome.choices, default=CallbackOutcome.PENDING
    )
    simulated = models.BooleanField(default=False)
    sid = models.CharField(max_length=64, blank=True, default="", db_index=True)
    twilio_status = models.CharField(max_length=20, blank=True, default="")
    twilio_sequence = models.IntegerField(default=-1)
    # Why it failed, for the operator and the team: a status code or an error class, never
    # Twilio's message text (it can quote the number).
    note = models.CharField(max_length=200, blank=True, default="")
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"callback {self.pk} ({self.outcome})"
