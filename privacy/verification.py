"""Checking the access log's hash chain (manage.py verify_access_log)."""

from __future__ import annotations

from dataclasses import dataclass

from privacy.access_log import GENESIS_HASH
from privacy.models import AccessLogEntry

CHANGED = "changed"
REMOVED = "removed"
REORDERED = "reordered"


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    kind: str
    detail: str


@dataclass(frozen=True)
class ChainReport:
    rows: int
    head_hash: str
    first_break: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.first_break is None


def _diagnose_link(entry: AccessLogEntry, previous_seq: int | None) -> ChainBreak:
    """The row does not chain onto the row before it: moved, or something is missing."""
    # entry_hash is unique and indexed, so this is one cheap lookup, only on a break.
    points_at = (
        AccessLogEntry.objects.filter(entry_hash=entry.previous_hash)
        .values_list("seq", flat=True)
        .first()
    )
    after = f"seq {previous_seq}" if previous_seq is not None else "the start of the log"
    if points_at is not None:
        return ChainBreak(
            entry.seq,
            REORDERED,
            f"row seq {entry.seq} was written after row seq {points_at}, "
            f"but now comes after {after}",
        )
    return ChainBreak(
        entry.seq,
        REMOVED,
        f"the row written before seq {entry.seq} is missing (between {after} "
        f"and seq {entry.seq}), or was changed together with its hash",
    )


def access_log_verify(*, batch_size: int = 2000) -> ChainReport:
    """Walk the chain in seq order and return the first break, if any.

    The log can be large, so rows are read in batches by seq, never all at once.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    previous_hash = GENESIS_HASH
    previous_seq: int | None = None
    rows = 0
    while True:
        query = AccessLogEntry.objects.order_by("seq")
        if previous_seq is not None:
            query = query.filter(seq__gt=previous_seq)
        batch = list(query[:batch_size])
        if not batch:
            break
        for entry in batch:
            if entry.compute_hash() != entry.entry_hash:
                return ChainReport(
                    rows,
                    previous_hash,
                    ChainBreak(
                        entry.seq,
                        CHANGED,
                        f"the content of row seq {entry.seq} no longer matches its hash",
                    ),
                )
            if entry.previous_hash != previous_hash:
                return ChainReport(rows, previous_hash, _diagnose_link(entry, previous_seq))
            previous_hash = entry.entry_hash
            previous_seq = entry.seq
            rows += 1
    return ChainReport(rows, previous_hash, None)
