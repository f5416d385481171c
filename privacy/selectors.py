"""Reads on the access log."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from privacy.models import AccessLogEntry, AccessLogQuerySet
from privacy.renamed_labels import current_target_type, target_type_and_old_names


def access_history(*, target_type: str, target_id: str | int) -> AccessLogQuerySet:
    """Every access to one record, newest first."""
    return AccessLogEntry.objects.for_target(target_type, target_id).order_by("-seq")


def access_log_matching(
    *,
    actor_username: str = "",
    targets: Iterable[tuple[str, str | int]] = (),
    up_to_seq: int | None = None,
) -> AccessLogQuerySet:
    """Rows by one member of staff and/or about the given records, oldest first."""
    condition = Q()
    if actor_username:
        condition |= Q(actor_username=actor_username)
    for target_type, target_id in targets:
        # Rows written before an app was renamed carry its old label (privacy.renamed_labels).
        names = target_type_and_old_names(current_target_type(target_type))
        condition |= Q(target_type__in=names, target_id=str(target_id))
    if not condition:
        return AccessLogEntry.objects.none()
    rows = AccessLogEntry.objects.filter(condition)
    if up_to_seq is not None:
        rows = rows.filter(seq__lte=up_to_seq)
    return rows.order_by("seq")


def access_log_head_seq() -> int:
    return AccessLogEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
