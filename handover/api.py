"""The partner API: partner systems list their organisation's handovers and accept or
reject them. Authenticated per organisation by an HMAC signature (handover.signing), not
by a session, so /api/partner/ is a public path for the 2FA middleware and exempt from
CSRF. Writes are idempotent through the Idempotency-Key header."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.security import client_ip
from handover import selectors, services
from handover.models import ApiIdempotencyRecord, Handover, PartnerOrganisation
from handover.signing import SignatureRefused, idempotency_key_valid, verify_request
from privacy.access_log import access_record
from privacy.strangers import stranger_line_allowed

security_log = logging.getLogger("veiligthuis.security")
API_ROLE = "partner-api"


def _refuse(
    request: HttpRequest,
    *,
    status: int,
    reason: str,
    organisation: PartnerOrganisation | None = None,
    target_id: str | int = "",
    message: str = "",
) -> JsonResponse:
    """Answer a refusal and log it: the access log and the security log, no request data."""
    access_record(
        actor=None,
        action="change" if request.method == "POST" else "view",
        target_type="handover.handover" if target_id else "page",
        target_id=target_id or request.path[:100],
        allowed=False,
        reason=f"partner api: {reason}",
        ip_address=client_ip(request) or None,
        on_behalf_of=organisation.slug if organisation else "",
        role=API_ROLE,
    )
    security_log.warning(
        "partner api refused: organisation=%s method=%s path=%s ip=%s reason=%s",
        organisation.slug if organisation else "-",
        request.method,
        request.path,
        client_ip(request),
        reason,
    )
    return JsonResponse({"error": message or reason}, status=status)


def _log(
    request: HttpRequest, organisation: PartnerOrganisation, *, action: str, target: str
) -> None:
    access_record(
        actor=None,
        action=action,
        target_type="handover.handover",
        target_id=target,
        ip_address=client_ip(request) or None,
        on_behalf_of=organisation.slug,
        role=API_ROLE,
    )


def signed(view: Callable[..., JsonResponse]) -> Callable[..., JsonResponse]:
    """Only requests signed by a partner organisation's key reach the view."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        try:
            organisation = verify_request(request)
        except SignatureRefused as refusal:
            # Not (yet) a partner's system: no access-log row, a rate-limited security line.
            ip = client_ip(request)
            if stranger_line_allowed(ip):
                security_log.warning(
                    "partner api refused: organisation=%s method=%s path=%s ip=%s reason=%s",
                    refusal.organisation.slug if refusal.organisation else "-",
                    request.method,
                    request.path,
                    ip,
                    refusal,
                )
            # A malformed header is named (400); a refused signature says no more (401).
            if refusal.status == 400:
                return JsonResponse({"error": str(refusal)}, status=400)
            return JsonResponse({"error": "request not authenticated"}, status=401)
        return view(request, organisation, *args, **kwargs)

    return csrf_exempt(never_cache(wrapped))


def _handover_json(handover: Handover) -> dict[str, Any]:
    return {
        "id": handover.pk,
        "reference": handover.case.reference,
        "status": handover.status,
        "created_at": handover.created_at.isoformat(),
        "accept_due": handover.accept_due.isoformat(),
        "decided_at": handover.decided_at.isoformat() if handover.decided_at else None,
        "package": handover.package,
    }


@signed
@require_GET
def handover_list(request: HttpRequest, organisation: PartnerOrganisation) -> JsonResponse:
    handovers = selectors.handovers_for_organisation(organisation)
    if request.GET.get("status", "open") == "open":
        handovers = handovers.filter(status__in=Handover.OPEN_STATUSES)
    rows = list(handovers)
    _log(
        request,
        organisation,
        action="view",
        target=",".join(str(handover.pk) for handover in rows)[:100] or "-",
    )
    return JsonResponse({"handovers": [_handover_json(handover) for handover in rows]})


def _request_hash(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    for part in (request.method or "", request.get_full_path(), ""):
        digest.update(part.encode() + b"\n")
    digest.update(request.body)
    return digest.hexdigest()


def _idempotent(
    request: HttpRequest,
    organisation: PartnerOrganisation,
    handle: Callable[[], tuple[int, dict[str, Any]]],
) -> JsonResponse:
    """The same Idempotency-Key with the same request gives the same answer and no second
    effect; with a different request it is a conflict."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not idempotency_key_valid(key):
        return JsonResponse(
            {"error": "an Idempotency-Key header (1-100 printable ASCII characters) is required"},
            status=400,
        )
    request_hash = _request_hash(request)
    with transaction.atomic():
        # A concurrent retry with the same key waits here until the first has claimed it.
        record, created = ApiIdempotencyRecord.objects.select_for_update().get_or_create(
            organisation=organisation, key=key, defaults={"request_hash": request_hash}
        )
        if not created:
            if record.request_hash != request_hash:
                return JsonResponse(
                    {"error": "this Idempotency-Key was used for a different request"},
                    status=409,
                )
            if record.status_code is None:
                return JsonResponse(
                    {"error": "a request with this Idempotency-Key is still being handled"},
                    status=409,
                )
            response = JsonResponse(record.response, status=record.status_code)
            response["Idempotent-Replayed"] = "true"
            return response
    # The answer is a case action: its own durable transaction, not nested in this one.
    try:
        status, body = handle()
    except BaseException:
        record.delete()
        raise
    record.status_code = status
    record.response = body
    record.save(update_fields=["status_code", "response"])
    return JsonResponse(body, status=status)


def _json_body(request: HttpRequest) -> dict[str, Any] | None:
    if not request.body:
        return {}
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _decide(
    request: HttpRequest, organisation: PartnerOrganisation, handover_id: int, *, accept: bool
) -> JsonResponse:
    if not selectors.handovers_for_organisation(organisation).filter(pk=handover_id).exists():
        exists = Handover.objects.filter(pk=handover_id).exists()
        return _refuse(
            request,
            status=404,
            reason="another organisation's handover" if exists else "no such handover",
            organisation=organisation,
            target_id=handover_id,
            message="no such handover",
        )
    data = _json_body(request)
    if data is None:
        return JsonResponse({"error": "the body must be a JSON object"}, status=400)

    def handle() -> tuple[int, dict[str, Any]]:
        try:
            if accept:
                handover = services.handover_accept(
                    handover_id=handover_id, organisation=organisation, by=None, via="api"
                )
            else:
                handover = services.handover_reject(
                    handover_id=handover_id,
                    organisation=organisation,
                    by=None,
                    via="api",
                    reason=str(data.get("reason") or ""),
                )
        except services.HandoverError as refusal:
            body: dict[str, Any] = {"error": str(refusal)}
            if refusal.field:
                body["field"] = refusal.field
            return refusal.status, body
        return 200, {"id": handover.pk, "status": handover.status}

    return _idempotent(request, organisation, handle)


@signed
@require_POST
def handover_accept(
    request: HttpRequest, organisation: PartnerOrganisation, handover_id: int
) -> JsonResponse:
    return _decide(request, organisation, handover_id, accept=True)


@signed
@require_POST
def handover_reject(
    request: HttpRequest, organisation: PartnerOrganisation, handover_id: int
) -> JsonResponse:
    return _decide(request, organisation, handover_id, accept=False)
