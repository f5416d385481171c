from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from privacy.models import AccessLogEntry, Tombstone


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never added, changed or deleted, by anyone (superusers included)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "seq",
        "at",
        "actor_username",
        "role",
        "action",
        "target_type",
        "target_id",
        "ip_address",
        "allowed",
    )
    list_filter = ("action", "allowed", "target_type")
    search_fields = ("=actor_username", "=target_id")
    actions = None


@admin.register(Tombstone)
class TombstoneAdmin(ReadOnlyAdmin):
    list_display = (
        "target_type",
        "target_id",
        "reference",
        "opened_on",
        "closed_on",
        "destroyed_at",
        "reason",
    )
    list_filter = ("reason", "target_type")
    search_fields = ("=reference",)
    actions = None
