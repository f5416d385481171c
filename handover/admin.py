"""Partner organisations' API keys in the admin: which exist, since when, last used when.

Never the secret: it is shown once, when `manage.py` issues it (partner_api_key_issue).
Superusers only, and read-only: a new key (the old one stops working) comes from
`manage.py partner_api_key <slug>`, the one place that shows a secret.
"""

from __future__ import annotations

from django.contrib import admin

from accounts.admin_access import OperationsReadOnlyAdmin
from handover.models import PartnerOrganisation


@admin.register(PartnerOrganisation)
class PartnerApiKeyAdmin(OperationsReadOnlyAdmin):
    superusers_only = True
    list_display = (
        "name",
        "kind",
        "region",
        "receives_via",
        "active",
        "api_key_id",
        "api_key_issued_at",
        "api_key_last_used_at",
    )
    list_filter = ("receives_via", "active", "kind")
    search_fields = ("name",)
    # The same columns on the detail page; the secret is left out on purpose.
    fields = list_display
    readonly_fields = fields
