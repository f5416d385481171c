"""The event outbox in the admin: how far behind the dashboards' events are.

Counts and ages, and per event its kind, region and times; never the payload (what a
dashboard shows of a call or case). Read-only: an event is sent once, by whoever claimed
it (events.services), and a hand-made change would break that.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts.admin_access import OperationsReadOnlyAdmin
from events.models import OutboxEvent


def outbox_backlog() -> dict[str, Any]:
    """What is waiting for the channel layer: how many, and for how long the oldest."""
    now = timezone.now()
    waiting = OutboxEvent.objects.filter(published_at__isnull=True)
    oldest = waiting.order_by("seq").values_list("created_at", flat=True).first()
    return {
        "waiting": waiting.count(),
        "claimed": waiting.filter(claimed_until__gt=now).count(),
        "oldest_waiting_seconds": int((now - oldest).total_seconds()) if oldest else None,
        "stored": OutboxEvent.objects.count(),
    }


@admin.register(OutboxEvent)
class OutboxEventAdmin(OperationsReadOnlyAdmin):
    list_display = ("seq", "kind", "region", "created_at", "published_at", "claimed_until")
    list_filter = ("kind", "region", ("published_at", admin.EmptyFieldListFilter))
    ordering = ("-seq",)
    # The payload is left out on purpose.
    fields = ("seq", "kind", "region", "created_at", "published_at", "claimed_until")
    readonly_fields = fields
    show_full_result_count = False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {**(extra_context or {})}
        if self.may_view(request):
            context["backlog"] = outbox_backlog()
        return super().changelist_view(request, context)
