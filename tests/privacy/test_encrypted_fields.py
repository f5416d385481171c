"""Encrypted model fields: what goes in comes out, and the database only ever sees tokens."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import FieldError

from privacy import crypto
from privacy.crypto import DecryptionError
from tests.privacy.conftest import KEY_A, KEY_B, raw_rows

MARKER = "MARKER-7513"


@pytest.fixture
def key_a(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]


def test_each_field_type_round_trips(secret_table, key_a):
    people = [{"naam": "Jan", "rol": "vader"}, {"naam": "Émile", "leeftijd": 4}]
    secret = secret_table.objects.create(
        narrative="Buren horen geschreeuw.",
        name="Jan de Vries",
        born_on=datetime.date(2019, 2, 28),
        people=people,
    )
    again = secret_table.objects.get(pk=secret.pk)
    assert again.narrative == "Buren horen geschreeuw."
    assert again.name == "Jan de Vries"
    assert again.born_on == datetime.date(2019, 2, 28)
    assert again.people == people


def test_none_stays_none_and_is_stored_as_null(secret_table, key_a):
    secret = secret_table.objects.create()
    again = secret_table.objects.get(pk=secret.pk)
    assert (again.narrative, again.name, again.born_on, again.people) == (None, None, None, None)
    assert raw_rows("privacy_test_secret", ["narrative", "name", "born_on", "people"]) == [
        (None, None, None, None)
    ]


def test_raw_database_rows_contain_no_plaintext(secret_table, key_a):
    secret_table.objects.create(
        narrative=f"verhaal {MARKER}",
        name=f"naam {MARKER}",
        born_on=datetime.date(2015, 7, 1),
        people=[{"naam": MARKER}],
    )
    (row,) = raw_rows("privacy_test_secret", ["narrative", "name", "born_on", "people"])
    for stored in row:
        assert MARKER not in stored
        assert "2015" not in stored
        assert stored.startswith("gAAAAA")  # a Fernet token


def test_the_same_value_encrypts_differently_each_time(secret_table, key_a):
    secret_table.objects.create(name="Jan")
    secret_table.objects.create(name="Jan")
    first, second = raw_rows("privacy_test_secret", ["name"])
    assert first != second


@pytest.mark.parametrize("lookup", ["name", "name__iexact", "name__contains", "born_on__gt"])
def test_lookups_other_than_isnull_are_refused(secret_table, key_a, lookup):
    with pytest.raises(FieldError):
        list(secret_table.objects.filter(**{lookup: "Jan"}))


def test_isnull_lookups_work(secret_table, key_a):
    secret_table.objects.create(name="Jan")
    secret_table.objects.create()
    assert secret_table.objects.filter(name__isnull=True).count() == 1
    assert secret_table.objects.filter(name__isnull=False).count() == 1


def test_a_removed_key_raises_a_decryption_error_naming_the_column_and_not_the_data(
    secret_table, settings
):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    secret_table.objects.create(narrative=f"geheim {MARKER}")
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    with pytest.raises(DecryptionError) as error:
        secret_table.objects.get()
    assert "privacy.Secret.narrative" in str(error.value)
    assert MARKER not in str(error.value)
    assert "gAAAA" not in str(error.value)


def test_a_corrupted_token_raises_a_decryption_error_instead_of_returning_ciphertext(
    secret_table, key_a
):
    from django.db import connection

    secret = secret_table.objects.create(name="Jan")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE privacy_test_secret SET name = %s", ["gAAAAAbroken"])
    with pytest.raises(DecryptionError, match=r"privacy\.Secret\.name"):
        secret_table.objects.get(pk=secret.pk)


def test_a_value_encrypted_with_an_older_listed_key_still_decrypts(secret_table, settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    secret_table.objects.create(name="Jan")
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    assert secret_table.objects.get().name == "Jan"


def test_new_values_are_encrypted_with_the_first_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    token = crypto.encrypt_text("hallo")
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    assert crypto.decrypt_text(token, column="x") == "hallo"


def test_rotate_token_moves_a_value_to_the_newest_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    old = crypto.encrypt_text("hallo")
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    new = crypto.rotate_token(old, column="x")
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    assert crypto.decrypt_text(new, column="x") == "hallo"


def test_rotate_token_refuses_a_value_no_key_can_read(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    old = crypto.encrypt_text("hallo")
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    with pytest.raises(DecryptionError, match=r"tbl\.col"):
        crypto.rotate_token(old, column="tbl.col")


def test_json_field_refuses_data_that_is_not_json(secret_table, key_a):
    from django.core.exceptions import ValidationError
    from django.db import transaction

    with pytest.raises(ValidationError), transaction.atomic():
        secret_table.objects.create(people={"when": datetime.datetime.now()})
    assert secret_table.objects.count() == 0


def test_registry_lists_only_the_projects_real_models():
    from django.apps import apps

    from privacy.fields import ENCRYPTED_FIELDS_REGISTRY, EncryptedFieldMixin

    assert ENCRYPTED_FIELDS_REGISTRY
    for field in ENCRYPTED_FIELDS_REGISTRY:
        assert isinstance(field, EncryptedFieldMixin)
        # Not the test model, and no historical copies rendered by migrations.
        assert apps.get_model(field.model._meta.label) is field.model
