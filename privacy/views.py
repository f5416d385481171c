from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.roles import SUPERVISE
from accounts.security import client_ip, log_refusal, permission_required
from privacy.access_log import access_record_request
from privacy.forms import DestroyOnRequestForm
from privacy.models import Tombstone
from privacy.retention import policy_for
from privacy.selectors import access_history
from privacy.services import DestructionError, access_log_export, record_destroy

# Long histories are read in full through the CSV export.
HISTORY_PAGE_ROWS = 500


def _known_target_type(target_type: str) -> str:
    """Only app.model labels of installed models; anything else is a 404, not an empty page."""
    try:
        return apps.get_model(target_type)._meta.label_lower
    except (LookupError, ValueError):
        raise Http404(_("Onbekende soort gegeven.")) from None


def _region_lookup(model: type[models.Model]) -> str | None:
    """How a record of `model` knows its region: its own field, or its case's."""
    for lookup in ("region", "case__region"):
        try:
            field = model._meta.get_field(lookup.split("__")[0])
        except FieldDoesNotExist:
            continue
        if lookup == "region" or field.is_relation:
            return lookup
    return None


def _refuse_other_region(request: HttpRequest, target_type: str, target_id: int) -> None:
    """A supervisor reads the history of staff and records of their own region only.

    A record of another region is refused (403, security log and access log). A record
    that no longer exists (destroyed: only its history is left) or that has no region
    stays readable, as before.
    """
    user = request.user
    if user.is_superuser:
        return
    model = apps.get_model(target_type)
    lookup = "region" if model is get_user_model() else _region_lookup(model)
    if lookup is None:
        return
    region = getattr(user, "region", None)
    record = model._default_manager.filter(pk=target_id)
    if lookup == "case__region" and record.filter(case__isnull=True).exists():
        return  # not (yet) linked to a case: no region to hold it to
    if record.filter(**{lookup: ""}).exists():
        return  # region not known (a call before routing)
    if record.exists() and not record.filter(**{lookup: region}).exists():
        access_record_request(
            request,
            action="view",
            target_type=target_type,
            target_id=target_id,
            allowed=False,
            reason="toegangsgeschiedenis: andere regio",
        )
        log_refusal(request, reason="record of another region", page_row=False)
        raise PermissionDenied


@never_cache
@permission_required(SUPERVISE)
@require_GET
def access_history_view(request: HttpRequest, target_type: str, target_id: int) -> HttpResponse:
    target_type = _known_target_type(target_type)
    _refuse_other_region(request, target_type, target_id)
    # Who looked at a file says something about the file: that view is logged too.
    access_record_request(
        request,
        action="view",
        target_type=target_type,
        target_id=target_id,
        reason="toegangsgeschiedenis bekeken",
    )
    entries = list(
        access_history(target_type=target_type, target_id=target_id)[: HISTORY_PAGE_ROWS + 1]
    )
    return render(
        request,
        "privacy/access_history.html",
        {
            "target_type": target_type,
            "target_id": target_id,
            "entries": entries[:HISTORY_PAGE_ROWS],
            "truncated": len(entries) > HISTORY_PAGE_ROWS,
        },
    )


@never_cache
@permission_required(SUPERVISE)
@require_GET
def access_history_export(request: HttpRequest, target_type: str, target_id: int) -> HttpResponse:
    target_type = _known_target_type(target_type)
    _refuse_other_region(request, target_type, target_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"toegangslog-{target_type.replace('.', '-')}-{target_id}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    access_log_export(
        out=response,
        by=request.user,
        targets=[(target_type, target_id)],
        ip_address=client_ip(request) or None,
    )
    return response


@never_cache
@permission_required(SUPERVISE)
@require_http_methods(["GET", "POST"])
def destroy_on_request(request: HttpRequest, target_type: str, target_id: int) -> HttpResponse:
    """A supervisor destroys a file on request because the suspicion proved unfounded."""
    policy = policy_for(_known_target_type(target_type))
    if policy is None:
        raise Http404(_("Dit soort gegeven kan niet worden vernietigd."))
    record = policy.visible_to(request.user).filter(pk=target_id).first()
    if record is None:
        raise Http404(_("Dit dossier bestaat niet of is niet van jouw regio."))
    data = policy.describe(record)
    form = DestroyOnRequestForm(request.POST or None, expected_reference=data.reference)
    refusal = policy.refuse_on_request(record)
    if request.method == "POST" and not refusal and form.is_valid():
        try:
            record_destroy(
                target_type=policy.target_type,
                target_id=target_id,
                reason=Tombstone.Reason.UNFOUNDED_ON_REQUEST,
                by=request.user,
                ip_address=client_ip(request) or None,
            )
        except DestructionError:
            # A failed attempt on a file is on record like any other (NEN 7513).
            access_record_request(
                request,
                action="destroy",
                target_type=policy.target_type,
                target_id=target_id,
                allowed=False,
                reason="vernietiging mislukt: nog in gebruik",
            )
            refusal = _("Dit dossier kan nu niet worden vernietigd.")
        else:
            messages.success(
                request, _("Dossier %(reference)s is vernietigd.") % {"reference": data.reference}
            )
            return redirect("home")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "privacy/destroy_on_request.html",
        {"form": form, "data": data, "refusal": refusal, "target_type": policy.target_type},
        status=status,
    )
