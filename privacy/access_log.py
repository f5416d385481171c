"""Writing the access log. Every view, create, change, export and refusal on a case,
contact or person goes through `access_record`. Views do not call it to read a record:
they load protected records through privacy.gate, which checks need-to-know and logs."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, cast

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.security import client_ip
from privacy.chain import GENESIS_HASH, ChainKey, newest_key
from privacy.models import AccessLogAnchor, AccessLogEntry

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

__all__ = ["GENESIS_HASH", "access_record", "access_record_request", "target_of"]
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


def _seal_legacy_rows(last_seq: int | None, last_hash: str, key: ChainKey) -> None:
    """The cut-over, once: seal the rows from before the keyed chain under an anchor.

    Those rows keep their plain SHA-256 links (the table refuses UPDATE); the anchor's HMAC
    over the last one's hash is what anyone rewriting them can no longer recompute. Runs
    inside the append's transaction, under the chain lock.
    """
    if AccessLogAnchor.objects.exists():
        return
    anchor = AccessLogAnchor(
        seq=last_seq or 0, entry_hash=last_hash, key_id=key.key_id, sealed_at=timezone.now()
    )
    anchor.mac = anchor.compute_mac()
    anchor.save(force_insert=True)


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
    """Append one row to the hash-chained access log, linked under the newest key.

    For identified users and systems only (NEN 7513): a request that proves no identity
    is refused without a row (privacy.strangers).
    """
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    # The actor is a User when authenticated; anything else (None, a system) has no id.
    user = cast("AbstractBaseUser", actor) if is_user else None
    key = newest_key()
    with transaction.atomic():
        _lock_chain()
        last = (
            AccessLogEntry.objects.order_by("-seq")
            .values_list("seq", "entry_hash", "key_id")
            .first()
        )
        last_seq, last_hash, last_key_id = last if last is not None else (None, GENESIS_HASH, "")
        if not last_key_id:
            _seal_legacy_rows(last_seq, last_hash, key)
        entry = AccessLogEntry(
            at=timezone.now(),
            actor_id=user.pk if user is not None else None,
            actor_username=user.get_username() if user is not None else "",
            role=role if role is not None else (getattr(actor, "role", "") if is_user else ""),
            on_behalf_of=on_behalf_of,
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            ip_address=_normalise_ip(ip_address),
            allowed=allowed,
            reason=reason[:200],
            previous_hash=last_hash,
            key_id=key.key_id,
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
