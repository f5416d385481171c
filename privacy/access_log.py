"""Writing the access log. Every view, create, change, export and refusal on a case,
contact or person goes through `access_record`."""

from __future__ import annotations

import ipaddress

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from privacy.models import AccessLogEntry

GENESIS_HASH = "0" * 64
# Any constant works; it only has to be the same for every writer of the log.
_CHAIN_LOCK_ID = 7513


def _lock_chain() -> None:
    """Serialise appends so two writers never chain onto the same previous row."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_ID])


def _normalise_ip(address: str | None) -> str | None:
    """The address as the database will return it, so the hash still matches when re-read.

    PostgreSQL's inet type rewrites IPv6 (2001:DB8:0::1 -> 2001:db8::1); hashing the
    unnormalised form would make verify_access_log report an untouched row as changed.
    A value that is not an address (a forged X-Forwarded-For) is not stored.
    """
    if not address:
        return None
    try:
        ipaddress.ip_address(address.strip())
        return AccessLogEntry._meta.get_field("ip_address").to_python(address)
    except (ValueError, ValidationError):
        return None


def target_of(obj: models.Model) -> tuple[str, str]:
    return obj._meta.label_lower, str(obj.pk)


def access_record(
    *,
    actor: object | None,
    action: str,
    target_type: str,
    target_id: str | int,
    allowed: bool = True,
    reason: str = "",
    ip_address: str | None = None,
    on_behalf_of: str = "",
    role: str | None = None,
) -> AccessLogEntry:
    """Append one row to the hash-chained access log."""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    with transaction.atomic():
        _lock_chain()
        last = AccessLogEntry.objects.order_by("-seq").values_list("entry_hash", flat=True).first()
        entry = AccessLogEntry(
            at=timezone.now(),
            actor_id=actor.pk if is_user else None,  # type: ignore[union-attr]
            actor_username=actor.get_username() if is_user else "",  # type: ignore[union-attr]
            role=role if role is not None else (getattr(actor, "role", "") if is_user else ""),
            on_behalf_of=on_behalf_of,
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            ip_address=_normalise_ip(ip_address),
            allowed=allowed,
            reason=reason[:200],
            previous_hash=last or GENESIS_HASH,
        )
        entry.entry_hash = entry.compute_hash()
        entry.save()
    return entry


def access_record_request(
    request: HttpRequest,
    *,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    allowed: bool = True,
    reason: str = "",
) -> AccessLogEntry:
    """`access_record` for a request: the actor and address come from the request."""
    from accounts.security import client_ip

    if target is not None:
        target_type, target_id = target_of(target)
    return access_record(
        actor=getattr(request, "user", None),
        action=action,
        target_type=target_type,
        target_id=target_id,
        allowed=allowed,
        reason=reason,
        ip_address=client_ip(request) or None,
    )


def record_or_refuse(
    request: HttpRequest,
    *,
    visible: models.QuerySet,
    pk: int,
    action: str,
    refused_reason: str,
    refused_log_reason: str,
) -> models.Model:
    """The record if `visible` (the user's need-to-know queryset) holds it, with the access
    logged; otherwise the refusal logged and 403, or 404 when the record does not exist.

    The one way views load protected records, so none can forget the log or the check.
    """
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from accounts.security import log_refusal

    record = visible.filter(pk=pk).first()
    if record is None:
        model = visible.model
        exists = model._default_manager.filter(pk=pk).exists()
        access_record_request(
            request,
            action=action,
            target_type=model._meta.label_lower,
            target_id=pk,
            allowed=False,
            reason=refused_reason if exists else f"no such {model._meta.model_name}",
        )
        if exists:
            log_refusal(request, reason=refused_log_reason)
            raise PermissionDenied
        raise Http404
    access_record_request(request, action=action, target=record)
    return record
