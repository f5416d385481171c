"""An inspection request ("who looked at my file?") finds a person's records by BSN or phone
through the resolvers reports and hotline register, without decrypting anything."""

from __future__ import annotations

import csv
from io import StringIO

import pytest
from django.core.management import call_command

from hotline.services import call_receive
from privacy.access_log import access_record
from privacy.blind_index import bsn_index
from privacy.registry import person_targets
from tests.cases.factories import register_case

pytestmark = pytest.mark.django_db


def export(*args: str) -> list[dict[str, str]]:
    out = StringIO()
    call_command("export_access_log", *args, stdout=out, stderr=StringIO())
    return list(csv.DictReader(StringIO(out.getvalue())))


def test_a_bsn_finds_the_person_and_their_case(operator):
    case = register_case(operator)
    person = case.people.get(bsn_index=bsn_index("111222333"))
    targets = person_targets(bsn="111 222 333")
    assert ("cases.case", str(case.pk)) in targets
    assert ("cases.person", str(person.pk)) in targets


def test_a_phone_number_finds_contacts_cases_and_calls(operator):
    case = register_case(operator)
    call, _ = call_receive(sid="CA" + "1" * 32, from_number="+31701234567", account_sid="AC")
    targets = person_targets(phone="070-1234567")
    assert ("cases.case", str(case.pk)) in targets
    assert ("cases.contact", str(case.contacts.get().pk)) in targets
    assert ("hotline.call", str(call.pk)) in targets


def test_the_export_for_a_person_lists_who_looked_at_their_case(operator, other_operator):
    case = register_case(operator)
    unrelated = register_case(other_operator, people=[], contact=None)
    access_record(actor=operator, action="view", target_type="cases.case", target_id=case.pk)
    access_record(
        actor=other_operator, action="view", target_type="cases.case", target_id=unrelated.pk
    )
    rows = export("--person-bsn", "111222333")
    looked = {(r["actor_username"], r["target_id"]) for r in rows if r["action"] == "view"}
    assert (operator.username, str(case.pk)) in looked
    assert all(r["target_id"] != str(unrelated.pk) for r in rows)
