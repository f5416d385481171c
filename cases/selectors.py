"""Reads on cases and contacts. Every read of case data starts from
`Case.objects.visible_to(user)` (need-to-know)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field, fields

from django.contrib.auth.models import AnonymousUser
from django.db.models import Case as When_
from django.db.models import F, IntegerField, Max, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cases.models import Case, Contact, Person
from privacy.blind_index import (
    NotIndexable,
    address_index,
    bsn_index,
    date_of_birth_index,
    name_index,
    phone_index,
)

# What a screen calls each reason for a radar match: words, never the code.
MATCH_LABELS = {
    "phone": _("telefoonnummer"),
    "name": _("naam"),
    "address": _("adres"),
    "bsn": _("BSN"),
    "date_of_birth": _("geboortedatum"),
}


@dataclass
class RadarMatch:
    """An earlier case that shares a phone number, address, name or BSN with this intake."""

    case: Case
    matched_on: set[str] = field(default_factory=set)
    visible: bool = True

    @property
    def matched_on_labels(self) -> list[str]:
        return [str(MATCH_LABELS.get(reason, reason)) for reason in sorted(self.matched_on)]


def radar_matches(
    *,
    user: User,
    phones: Sequence[str] = (),
    address: dict[str, str] | None = None,
    names: Sequence[str] = (),
    bsns: Sequence[str] = (),
    exclude_case_id: int | None = None,
    phone_indexes: Sequence[str] = (),
) -> list[RadarMatch]:
    """Prior cases matching through the blind indexes, without decrypting anything.

    Matches outside the user's need-to-know are reported (the operator must know VT was
    involved before) but only by reference, so nothing of their content shows.
    `phone_indexes` are numbers known only by their blind index (a caller's own number).
    """
    phone_hashes = {h for h in (phone_index(p) for p in phones if p) if h}
    phone_hashes |= {h for h in phone_indexes if h}
    name_hashes = {h for h in (name_index(n) for n in names if n) if h}
    bsn_hashes = {h for h in (bsn_index(b) for b in bsns if b) if h}
    address_hash = (
        address_index(
            address.get("postcode", ""),
            address.get("house_number", ""),
            address.get("addition", ""),
        )
        if address
        else ""
    )
    found: dict[int, set[str]] = {}

    def note(case_ids: list[int], reason: str) -> None:
        for case_id in case_ids:
            found.setdefault(case_id, set()).add(reason)

    if phone_hashes:
        note(
            list(
                Contact.objects.filter(
                    Q(phone_index__in=phone_hashes) | Q(safe_number_index__in=phone_hashes)
                ).values_list("case_id", flat=True)
            ),
            "phone",
        )
    if address_hash:
        note(
            list(Case.objects.filter(address_index=address_hash).values_list("pk", flat=True)),
            "address",
        )
    if name_hashes:
        note(
            list(
                Person.objects.filter(name_index__in=name_hashes).values_list("case_id", flat=True)
            ),
            "name",
        )
        note(
            list(
                Contact.objects.filter(name_index__in=name_hashes).values_list("case_id", flat=True)
            ),
            "name",
        )
    if bsn_hashes:
        note(
            list(Person.objects.filter(bsn_index__in=bsn_hashes).values_list("case_id", flat=True)),
            "bsn",
        )
    if exclude_case_id is not None:
        found.pop(exclude_case_id, None)
    if not found:
        return []
    visible_ids = set(
        Case.objects.visible_to(user).filter(pk__in=found).values_list("pk", flat=True)
    )
    cases = Case.objects.filter(pk__in=found).order_by("-reported_at")
    return [
        RadarMatch(case=case, matched_on=found[case.pk], visible=case.pk in visible_ids)
        for case in cases
    ]


def radar_for_case(*, case: Case, user: User) -> list[RadarMatch]:
    people = list(case.people.all())
    contacts = list(case.contacts.all())
    return radar_matches(
        user=user,
        phones=[c.phone for c in contacts] + [c.safe_number for c in contacts],
        address=case.address,
        names=[p.name for p in people],
        bsns=[p.bsn for p in people],
        exclude_case_id=case.pk,
    )


def _acute_first(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Acute cases waiting for their first safety action first (the earliest hour clock,
    so the most overdue, on top), then other acute cases, then by deadline."""
    return cases.annotate(
        acute_waiting=When_(
            When(acute=True, acute_handled_at__isnull=True, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        # The clock of a case still waiting for its first safety action; none otherwise.
        waiting_since=When_(
            When(acute=True, acute_handled_at__isnull=True, then=F("acute_since")),
            default=None,
        ),
    ).order_by(
        "acute_waiting",
        F("waiting_since").asc(nulls_last=True),
        "-acute",
        "assessment_due",
        "-reported_at",
    )


def cases_for(user: User, *, state: str | None = None) -> QuerySet[Case]:
    """The cases the user may see in one phase, or without a phase every open case (the
    work; closed files are the phase "Gesloten"), acute and most urgent first. A query,
    not a list: the case list pages through it and counts it."""
    cases = Case.objects.visible_to(user).select_related("team", "assigned_to")
    cases = cases.filter(state=state) if state else cases.open()
    return _acute_first(cases).only(
        "pk",
        "reference",
        "case_type",
        "state",
        "acute",
        "acute_since",
        "acute_handled_at",
        "reported_at",
        "assessment_due",
        "team__name",
        "assigned_to__username",
    )


# --- the live radar: while the caller is on the line, before anything is saved -------------


@dataclass(frozen=True)
class RadarQuery:
    """What the operator typed so far (nothing is stored), and numbers known only by
    their blind index (the caller's own number, when it was not withheld)."""

    phones: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    bsns: tuple[str, ...] = ()
    dates_of_birth: tuple[datetime.date, ...] = ()
    postcode: str = ""
    house_number: str = ""
    addition: str = ""
    phone_indexes: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return not (
            self.phones
            or self.names
            or self.bsns
            or self.phone_indexes
            or (self.postcode and self.house_number)
        )


@dataclass(frozen=True)
class RadarRow:
    """One match as the intake page shows it. The same for every match, seen or not: the
    reference, the state, the team, the owner and the date of the last contact, enough to
    ask the owner; never a name, an address or the narrative of the other case. Only a
    case the operator may know gets its id (a link, "add to this case")."""

    reference: str
    state: str
    team: str
    owner: str
    last_contact: datetime.date | None
    matched_on: tuple[str, ...]
    visible: bool
    case_id: int | None
    case: Case


def _dates_of_birth_match(
    case_ids: set[int], names: Sequence[str], dates: Sequence[datetime.date]
) -> set[int]:
    """Cases where one person has one of `names` and one of `dates` as date of birth, by
    their blind indexes. A date alone is too common to be a match."""
    name_hashes = {h for h in (name_index(n) for n in names if n) if h}
    dob_hashes = {h for h in (date_of_birth_index(d) for d in dates) if h}
    if not (name_hashes and dob_hashes and case_ids):
        return set()
    people = Person.objects.filter(
        case_id__in=case_ids, name_index__in=name_hashes, dob_index__in=dob_hashes
    )
    return set(people.values_list("case_id", flat=True))


def radar_live(*, user: User, query: RadarQuery) -> list[RadarRow]:
    """The radar for an intake in progress, with need-to-know applied row by row."""
    if query.is_empty():
        return []
    address = (
        {"postcode": query.postcode, "house_number": query.house_number, "addition": query.addition}
        if query.postcode and query.house_number
        else None
    )
    try:
        matches = radar_matches(
            user=user,
            phones=query.phones,
            address=address,
            names=query.names,
            bsns=query.bsns,
            phone_indexes=query.phone_indexes,
        )
    except NotIndexable:
        return []
    if not matches:
        return []
    ids = {m.case.pk for m in matches}
    born = _dates_of_birth_match(ids, query.names, query.dates_of_birth)
    details = {
        case.pk: case
        for case in Case.objects.filter(pk__in=ids)
        .select_related("team", "assigned_to")
        .annotate(last_contact_at=Max("contacts__created_at"))
    }
    rows = []
    for match in matches:
        case = details[match.case.pk]
        owner = case.assigned_to
        last = getattr(case, "last_contact_at", None)
        matched_on = set(match.matched_on) | ({"date_of_birth"} if case.pk in born else set())
        rows.append(
            RadarRow(
                reference=case.reference,
                state=str(case.get_state_display()),
                team=case.team.name if case.team else "",
                owner=(owner.get_full_name() or owner.get_username()) if owner else "",
                last_contact=timezone.localdate(last) if last else None,
                matched_on=tuple(sorted(matched_on)),
                visible=match.visible,
                case_id=case.pk if match.visible else None,
                case=case,
            )
        )
    return rows


SEARCH_LIMIT = 200


@dataclass(frozen=True)
class CaseSearch:
    """What to look for, as blind indexes only: the plain values never reach a query."""

    name_index: str = ""
    phone_index: str = ""
    postcode_house_index: str = ""
    postcode_index: str = ""
    dob_index: str = ""
    bsn_index: str = ""

    @property
    def kinds(self) -> list[str]:
        """The kinds searched for ("name", "dob", ...): safe to log, unlike the values."""
        return [f.name.removesuffix("_index") for f in fields(self) if getattr(self, f.name)]


def case_search(
    user: User | AnonymousUser, search: CaseSearch, *, limit: int = SEARCH_LIMIT
) -> list[Case]:
    """Cases the user may see that match every given index.

    Name, date of birth and BSN must belong to the same person; a name alone also finds a
    contact (the reporter) by that name. Phone numbers match a contact's number or safe
    number; a postcode with house number ignores the addition.
    """
    if not search.kinds:
        return []
    cases = Case.objects.visible_to(user)
    person = {
        key: value
        for key, value in (
            ("name_index", search.name_index),
            ("dob_index", search.dob_index),
            ("bsn_index", search.bsn_index),
        )
        if value
    }
    if person:
        found = Q(pk__in=Person.objects.filter(**person).values("case_id"))
        if set(person) == {"name_index"}:
            contacts = Contact.objects.filter(name_index=search.name_index)
            found |= Q(pk__in=contacts.values("case_id"))
        cases = cases.filter(found)
    if search.phone_index:
        phones = Contact.objects.filter(
            Q(phone_index=search.phone_index) | Q(safe_number_index=search.phone_index)
        )
        cases = cases.filter(pk__in=phones.values("case_id"))
    if search.postcode_house_index:
        cases = cases.filter(postcode_house_index=search.postcode_house_index)
    if search.postcode_index:
        cases = cases.filter(postcode_index=search.postcode_index)
    cases = cases.select_related("team", "assigned_to")
    return list(_acute_first(cases)[:limit])


def cases_with_reference_part(
    user: User | AnonymousUser, part: str, *, limit: int = SEARCH_LIMIT
) -> list[Case]:
    """Cases the user may see whose reference contains `part` (references are not secret)."""
    if not part:
        return []
    cases = Case.objects.visible_to(user).filter(reference__contains=part.upper())
    cases = cases.select_related("team", "assigned_to")
    return list(_acute_first(cases)[:limit])
