"""rotate_encryption_keys over the project's own models, with no test doubles."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from cases.models import Case, Contact, Person
from privacy.fields import ENCRYPTED_FIELDS_REGISTRY, EncryptedFieldMixin
from privacy.rotation import encrypted_tables
from tests.cases.factories import register_case
from tests.privacy.conftest import KEY_A, KEY_B


def test_every_model_with_an_encrypted_field_is_covered():
    tables = {t.table: set(t.columns) for t in encrypted_tables()}
    for field in ENCRYPTED_FIELDS_REGISTRY:
        assert isinstance(field, EncryptedFieldMixin)
        assert field.column in tables[field.model._meta.db_table], field.column_label
    assert {"reports_case", "reports_contact", "reports_person"} <= set(tables)


@pytest.mark.django_db
def test_a_case_written_with_key_a_reads_back_after_rotating_to_key_b(settings, operator):
    staff_keys = list(settings.FIELD_ENCRYPTION_KEYS)  # the operator's authenticator's
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    case = register_case(operator)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A, *staff_keys]
    call_command("rotate_encryption_keys", "--batch-size", "1", stdout=StringIO())
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    again = Case.objects.get(pk=case.pk)
    assert again.account == "Buren horen al weken geschreeuw en klappen."
    assert again.address["postcode"] == "2511 AB"
    assert Contact.objects.get(case=again).phone == "070-1234567"
    assert {p.name for p in Person.objects.filter(case=again)} == {"Noor de Vries", "Kees Bakker"}


@pytest.mark.django_db
def test_raw_case_rows_hold_no_plaintext(operator):
    register_case(operator)
    with connection.cursor() as cursor:
        cursor.execute("SELECT account, address FROM reports_case")
        rows = repr(cursor.fetchall())
        cursor.execute("SELECT name, phone FROM reports_contact")
        rows += repr(cursor.fetchall())
        cursor.execute("SELECT name, bsn, date_of_birth FROM reports_person")
        rows += repr(cursor.fetchall())
    for plaintext in ("geschreeuw", "2511", "Sanne", "1234567", "Noor", "111222333", "2016"):
        assert plaintext not in rows
