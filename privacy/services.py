"""Writes in privacy: exports of the access log (each export is itself logged)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

from privacy.access_log import access_record
from privacy.selectors import access_log_head_seq, access_log_matching

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
    out: TextIO,
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
