"""Which call records concern a person, for an inspection export (privacy.registry)."""

from __future__ import annotations

from collections.abc import Iterable

from hotline.models import Call
from privacy.registry import register_person_resolver


@register_person_resolver
def calls_of_person(*, bsn_index: str, phone_index: str) -> Iterable[tuple[str, int]]:
    if not phone_index:
        return []
    return [
        ("hotline.call", pk)
        for pk in Call.objects.filter(caller_index=phone_index).values_list("pk", flat=True)
    ]
