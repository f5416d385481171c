"""Writes in privacy: exports of the access log (each logged) and destruction of records."""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone

from privacy.access_log import access_record
from privacy.crypto import DecryptionError
from privacy.models import Tombstone
from privacy.retention import TombstoneData, policies, policy_for
from privacy.selectors import access_log_head_seq, access_log_matching

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

EXPORT_COLUMNS = [
    "seq",
    "at",
    "actor_id",
    "actor_username",
    "role",
    "on_behalf_of",
    "action",
    "target_type",
    "target_id",
    "ip_address",
    "allowed",
    "reason",
    "previous_hash",
    "entry_hash",
]


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet would run a cell starting with = + - @ as a formula (CSV injection).
    if text[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + text
    return text


def access_log_export(
    *,
    out: SupportsWrite[str],
    by: Any | None,
    actor_username: str = "",
    targets: Iterable[tuple[str, str | int]] = (),
    ip_address: str | None = None,
    on_behalf_of: str = "",
    role: str | None = None,
) -> int:
    """Write matching access log rows as CSV to `out`; return how many rows were written.

    The export is logged first (one `export` row per record or member of staff exported),
    and the rows are cut off where the log stood before that: an export that fails halfway
    is still on record, and an export never contains its own log rows.
    """
    targets = [(t, str(i)) for t, i in targets]
    up_to = access_log_head_seq()
    logged = [*targets]
    if actor_username:
        logged.append(("accounts.user", actor_username))
    for target_type, target_id in logged:
        access_record(
            actor=by,
            action="export",
            target_type=target_type,
            target_id=target_id,
            ip_address=ip_address,
            on_behalf_of=on_behalf_of,
            reason="toegangslog geëxporteerd",
            role=role,
        )
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    written = 0
    rows = access_log_matching(actor_username=actor_username, targets=targets, up_to_seq=up_to)
    for row in rows.values_list(*EXPORT_COLUMNS).iterator(chunk_size=2000):
        writer.writerow([_cell(value) for value in row])
        written += 1
    return written


# --- retention -----------------------------------------------------------------------


class DestructionError(ValueError):
    """A record cannot be destroyed; the message is fit for the person asking."""


@dataclass
class PurgeReport:
    destroyed: list[tuple[str, TombstoneData]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def record_destroy(
    *,
    target_type: str,
    target_id: str | int,
    reason: str,
    by: Any | None,
    ip_address: str | None = None,
    role: str | None = None,
) -> Tombstone:
    """Destroy one record through its retention policy, leave a tombstone, log `destroy`.

    All in one transaction: the content is gone and the tombstone and log row exist, or
    nothing happened.
    """
    policy = policy_for(target_type)
    if policy is None:
        raise DestructionError(f"Nothing of kind {target_type!r} can be destroyed.")
    if reason not in Tombstone.Reason.values:
        raise DestructionError(f"Unknown reason {reason!r}.")
    with transaction.atomic():
        record = policy.visible_to(by).select_for_update().filter(pk=target_id).first()
        if record is None:
            raise DestructionError(f"{target_type} {target_id} does not exist or is not yours.")
        if reason == Tombstone.Reason.UNFOUNDED_ON_REQUEST:
            refusal = policy.refuse_on_request(record)
            if refusal:
                raise DestructionError(refusal)
        try:
            with transaction.atomic():
                data = policy.destroy(record)
        except (ProtectedError, RestrictedError) as error:
            # Another app still holds on to the record (e.g. a safety assessment): keep it
            # whole rather than destroy half of it, and say which kind of record blocks.
            held_by = (
                error.protected_objects
                if isinstance(error, ProtectedError)
                else error.restricted_objects
            )
            blocking = sorted({obj._meta.label for obj in held_by})
            raise DestructionError(
                f"{target_type} {target_id} is still referenced by {', '.join(blocking)}."
            ) from None
        tombstone = Tombstone.objects.create(
            target_type=target_type,
            target_id=str(target_id),
            reference=data.reference,
            opened_on=data.opened_on,
            closed_on=data.closed_on,
            destroyed_at=timezone.now(),
            reason=reason,
            destroyed_by_id=by.pk if by is not None else None,
        )
        access_record(
            actor=by,
            action="destroy",
            target_type=target_type,
            target_id=target_id,
            reason=reason,
            ip_address=ip_address,
            role=role,
        )
    return tombstone


def purge_expired(*, today: datetime.date, dry_run: bool, role: str | None = None) -> PurgeReport:
    """Destroy (or with dry_run only list) every record whose retention term has ended.

    A record that cannot be checked or destroyed (an unreadable value, a protected
    relation) is reported and kept; the others still go.
    """
    report = PurgeReport()
    for policy in policies():
        for record in policy.candidates(today):
            try:
                if policy.retained_until(record) > today:
                    continue
                data = policy.describe(record)
                if not dry_run:
                    record_destroy(
                        target_type=policy.target_type,
                        target_id=record.pk,
                        reason=Tombstone.Reason.RETENTION_EXPIRED,
                        by=None,
                        role=role,
                    )
                report.destroyed.append((policy.target_type, data))
            except (DecryptionError, DestructionError, DatabaseError) as error:
                # The class name only: messages from the database can quote values.
                report.failures.append(
                    f"{policy.target_type} {record.pk}: not destroyed ({type(error).__name__})"
                )
    return report
