"""Hooks through which domain apps tell privacy which records are about a person.

privacy does not know the case models; reports (and hotline) register a resolver that
turns blind indexes into (target_type, target_id) pairs, so an inspection request
("who looked at my file?") can be answered without decrypting anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from privacy import blind_index

# Called with keyword arguments bsn_index and phone_index (either may be ""); returns
# the (target_type, target_id) of every record about that person, e.g. ("cases.case", 7).
PersonResolver = Callable[..., Iterable[tuple[str, str | int]]]

_person_resolvers: list[PersonResolver] = []


class PersonLookupError(ValueError):
    """The person cannot be looked up; the message says why and carries no personal data."""


def register_person_resolver(resolver: PersonResolver) -> PersonResolver:
    """Register (usable as a decorator); registering the same resolver twice is harmless."""
    if resolver not in _person_resolvers:
        _person_resolvers.append(resolver)
    return resolver


def unregister_person_resolver(resolver: PersonResolver) -> None:
    if resolver in _person_resolvers:
        _person_resolvers.remove(resolver)


def person_targets(*, bsn: str = "", phone: str = "") -> list[tuple[str, str]]:
    """Every record about the person with this BSN and/or phone number, without duplicates."""
    bsn_index = phone_index = ""
    if bsn:
        bsn_index = blind_index.bsn_index(bsn)
        if not bsn_index:
            raise PersonLookupError("This BSN fails the 11-test.")
    if phone:
        phone_index = blind_index.phone_index(phone)
        if not phone_index:
            raise PersonLookupError("This is not a phone number that can be looked up.")
    if not (bsn_index or phone_index):
        raise PersonLookupError("Give a BSN or a phone number.")
    if not _person_resolvers:
        raise PersonLookupError("No app has registered a person resolver.")
    found: dict[tuple[str, str], None] = {}
    for resolver in _person_resolvers:
        for target_type, target_id in resolver(bsn_index=bsn_index, phone_index=phone_index):
            found[(target_type, str(target_id))] = None
    return list(found)
