"""Access-log rows for changes to staff accounts made by someone else.

accounts does not import privacy; it sends `staff_account_changed` (accounts.services)
and this receiver, connected in privacy/apps.py, writes the row.
"""

from __future__ import annotations

from typing import Any

from privacy.access_log import access_record, target_of


def staff_account_changed(
    sender: Any,
    *,
    actor: Any,
    member: Any,
    reason: str,
    ip_address: str | None = None,
    **kwargs: Any,
) -> None:
    target_type, target_id = target_of(member)
    access_record(
        actor=actor,
        action="change",
        target_type=target_type,
        target_id=target_id,
        reason=reason,
        ip_address=ip_address,
    )
