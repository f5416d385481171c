"""Who may see the operational pages of the admin, and that they only look.

The admin is for superusers configuring the system. The outgoing mail and the event
outbox are also what a teamleider on call checks when mail or dashboards lag, so staff
members of the admin (is_staff) who supervise may view them; nobody adds, changes or
deletes there: those rows carry guarantees (each event sent once, each mail retried until
sent) that only the code keeps. A refusal is logged like any other refused page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from accounts import roles
from accounts.security import log_refusal


class OperationsReadOnlyAdmin(admin.ModelAdmin):
    """Viewed by superusers and supervising staff; never added, changed or deleted."""

    superusers_only = False
    actions = None

    def may_view(self, request: HttpRequest) -> bool:
        user: Any = request.user
        if not (user.is_active and user.is_staff):
            return False
        if user.is_superuser:
            return True
        return not self.superusers_only and user.has_perm(roles.SUPERVISE)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.may_view(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may_view(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _refuse_unless_allowed(self, request: HttpRequest) -> None:
        if not self.may_view(request):
            log_refusal(request, reason=f"admin {self.opts.label_lower}: role may not view")

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self._refuse_unless_allowed(request)
        return super().changelist_view(request, extra_context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        self._refuse_unless_allowed(request)
        return super().change_view(request, object_id, form_url, extra_context)
