"""The mail queue in the admin: where each mail stands, never what it says or to whom.

The recipient is shown as its domain only (is mail to one provider stuck?); subject and
body are never shown.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin_access import OperationsReadOnlyAdmin
from outgoing_mail.models import OutgoingEmail


class MailStatus(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        return [
            ("waiting", _("Wacht op verzending")),
            ("sent", _("Verzonden")),
            ("gave_up", _("Opgegeven")),
        ]

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        if self.value() == "waiting":
            return queryset.filter(sent_at__isnull=True, gave_up_at__isnull=True)
        if self.value() == "sent":
            return queryset.filter(sent_at__isnull=False)
        if self.value() == "gave_up":
            return queryset.filter(gave_up_at__isnull=False)
        return queryset


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(OperationsReadOnlyAdmin):
    list_display = (
        "pk",
        "purpose",
        "recipient_domain",
        "status",
        "attempts",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "last_error",
    )
    list_filter = (MailStatus, "purpose")
    # Explicit, so no new field ever shows by default: subject, body, recipient and the
    # case are left out on purpose.
    fields = (
        "purpose",
        "recipient_domain",
        "status",
        "attempts",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "gave_up_at",
        "last_error",
    )
    readonly_fields = fields

    @admin.display(description=_("domein ontvanger"))
    def recipient_domain(self, mail: OutgoingEmail) -> str:
        return mail.recipient.rpartition("@")[2].lower() if "@" in mail.recipient else "-"

    @admin.display(description=_("status"))
    def status(self, mail: OutgoingEmail) -> str:
        if mail.sent_at:
            return str(_("Verzonden"))
        if mail.gave_up_at:
            return str(_("Opgegeven"))
        if mail.attempts:
            return str(_("Opnieuw proberen"))
        return str(_("Wacht op verzending"))
