"""Which case records concern a person, for an inspection export (privacy.registry).

Through the blind indexes only: the person's BSN finds the people-involved rows and their
cases; a phone number finds contacts (as caller or as safe callback number) and their cases.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from cases.models import Contact, Person
from privacy.registry import register_person_resolver


@register_person_resolver
def case_records_of_person(*, bsn_index: str, phone_index: str) -> Iterable[tuple[str, int]]:
    targets: list[tuple[str, int]] = []
    if bsn_index:
        for person_id, case_id in Person.objects.filter(bsn_index=bsn_index).values_list(
            "pk", "case_id"
        ):
            targets += [("cases.person", person_id), ("cases.case", case_id)]
    if phone_index:
        contacts = Contact.objects.filter(
            Q(phone_index=phone_index) | Q(safe_number_index=phone_index)
        )
        for contact_id, case_id in contacts.values_list("pk", "case_id"):
            targets += [("cases.contact", contact_id), ("cases.case", case_id)]
    return targets
