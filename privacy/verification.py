"""Checking the access log's chain (manage.py verify_access_log).

Rows from before the keyed chain (key_id "") are checked with SHA-256 up to the anchor
that sealed them, rows after it with the HMAC of the key they name (privacy.chain). The
last head exported outside the database (privacy.head) must still be in the chain:
that is what shows rows cut off at the end, which no chain can show by itself.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from privacy.chain import GENESIS_HASH, key_by_id, keyed_link, legacy_link, same
from privacy.head import ExportedHead
from privacy.models import AccessLogAnchor, AccessLogEntry

CHANGED = "changed"
REMOVED = "removed"
REORDERED = "reordered"
TRUNCATED = "truncated"
UNKNOWN_KEY = "unknown key"

CONTENT_FIELDS = (
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
)
COLUMNS = ("seq", *CONTENT_FIELDS, "entry_hash", "key_id")


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
    head_seq: int = 0
    sealed_at_seq: int | None = None  # the anchor's seq; None: not yet cut over
    exported_head: ExportedHead | None = None

    @property
    def intact(self) -> bool:
        return self.first_break is None


@dataclass(frozen=True)
class _Checkpoint:
    seq: int
    entry_hash: str
    what: str


def _diagnose_link(seq: int, previous_hash: str, previous_seq: int | None) -> ChainBreak:
    """The row does not chain onto the row before it: moved, or something is missing."""
    # entry_hash is unique and indexed, so this is one cheap lookup, only on a break.
    points_at = (
        AccessLogEntry.objects.filter(entry_hash=previous_hash)
        .values_list("seq", flat=True)
        .first()
    )
    after = f"seq {previous_seq}" if previous_seq is not None else "the start of the log"
    if points_at is not None:
        return ChainBreak(
            seq,
            REORDERED,
            f"row seq {seq} was written after row seq {points_at}, but now comes after {after}",
        )
    return ChainBreak(
        seq,
        REMOVED,
        f"the row written before seq {seq} is missing (between {after} "
        f"and seq {seq}), or was changed together with its hash",
    )


def _anchor_problem(anchor: AccessLogAnchor) -> ChainBreak | None:
    key = key_by_id(anchor.key_id)
    if key is None:
        return ChainBreak(
            anchor.seq,
            UNKNOWN_KEY,
            f"the cut-over anchor is sealed with key id {anchor.key_id!r}, "
            "which ACCESS_LOG_KEYS does not hold",
        )
    if not same(keyed_link(anchor.content(), key), anchor.mac):
        return ChainBreak(anchor.seq, CHANGED, "the cut-over anchor no longer matches its HMAC")
    return None


def _row_link(row: dict[str, object], anchor: AccessLogAnchor | None) -> str | ChainBreak:
    """The link the row should carry, or why it cannot be checked."""
    seq = cast(int, row["seq"])
    key_id = str(row["key_id"])
    content: dict[str, object] = {name: row[name] for name in CONTENT_FIELDS}
    content["at"] = cast(datetime.datetime, row["at"]).isoformat()
    if not key_id:
        if anchor is not None and seq > anchor.seq:
            return ChainBreak(
                seq,
                CHANGED,
                f"row seq {seq} has no key id, but the rows without one were sealed at "
                f"seq {anchor.seq}: a keyed row was rewritten",
            )
        return legacy_link(content)
    if anchor is None:
        return ChainBreak(
            seq, CHANGED, f"row seq {seq} is keyed, but the cut-over anchor is missing"
        )
    key = key_by_id(key_id)
    if key is None:
        return ChainBreak(
            seq,
            UNKNOWN_KEY,
            f"row seq {seq} is linked with key id {key_id!r}, which ACCESS_LOG_KEYS does "
            "not hold (an old key dropped too early, or a forged row)",
        )
    content["key_id"] = key_id
    return keyed_link(content, key)


def access_log_verify(
    *,
    batch_size: int = 5000,
    head: ExportedHead | None = None,
    progress: Callable[[int], None] | None = None,
    progress_every: int = 100_000,
) -> ChainReport:
    """Walk the chain in seq order and return the first break, if any.

    Rows are read in batches by seq (keyset pagination), as plain values: memory stays
    constant however long the log. `progress(rows)` is called every `progress_every` rows.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    anchor = AccessLogAnchor.objects.first()
    sealed = anchor.seq if anchor is not None else None
    if anchor is not None and (problem := _anchor_problem(anchor)) is not None:
        return ChainReport(0, GENESIS_HASH, problem, sealed_at_seq=sealed, exported_head=head)
    checkpoints = sorted(
        (
            [_Checkpoint(anchor.seq, anchor.entry_hash, "cut-over anchor")]
            if anchor is not None and anchor.seq > 0
            else []
        )
        + ([_Checkpoint(head.seq, head.entry_hash, "exported head")] if head and head.seq else []),
        key=lambda checkpoint: checkpoint.seq,
    )
    previous_hash = GENESIS_HASH
    previous_seq: int | None = None
    rows = 0

    def report(problem: ChainBreak | None) -> ChainReport:
        return ChainReport(
            rows,
            previous_hash,
            problem,
            head_seq=previous_seq or 0,
            sealed_at_seq=sealed,
            exported_head=head,
        )

    while True:
        query = AccessLogEntry.objects.order_by("seq")
        if previous_seq is not None:
            query = query.filter(seq__gt=previous_seq)
        batch = list(query.values(*COLUMNS)[:batch_size])
        if not batch:
            break
        for row in batch:
            seq = int(row["seq"])
            while checkpoints and checkpoints[0].seq < seq:
                missing = checkpoints[0]
                return report(
                    ChainBreak(
                        seq,
                        REMOVED,
                        f"the {missing.what} names row seq {missing.seq} "
                        f"({missing.entry_hash[:16]}...), which is missing",
                    )
                )
            link = _row_link(row, anchor)
            if isinstance(link, ChainBreak):
                return report(link)
            if not same(link, str(row["entry_hash"])):
                return report(
                    ChainBreak(
                        seq, CHANGED, f"the content of row seq {seq} no longer matches its hash"
                    )
                )
            if row["previous_hash"] != previous_hash:
                return report(_diagnose_link(seq, str(row["previous_hash"]), previous_seq))
            if checkpoints and checkpoints[0].seq == seq:
                if not same(checkpoints[0].entry_hash, str(row["entry_hash"])):
                    return report(
                        ChainBreak(
                            seq,
                            CHANGED,
                            f"row seq {seq} no longer has the hash the "
                            f"{checkpoints[0].what} recorded",
                        )
                    )
                checkpoints.pop(0)
            previous_hash = str(row["entry_hash"])
            previous_seq = seq
            rows += 1
            if progress is not None and progress_every > 0 and rows % progress_every == 0:
                progress(rows)
    if checkpoints:
        cut = checkpoints[0]
        end = f"seq {previous_seq}" if previous_seq is not None else "nothing (it is empty)"
        return report(
            ChainBreak(
                cut.seq,
                TRUNCATED,
                f"the {cut.what} names row seq {cut.seq} ({cut.entry_hash[:16]}...), but "
                f"the log ends at {end}: rows were cut off at the end",
            )
        )
    return report(None)
