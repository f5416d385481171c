"""Fill the search indexes added in 0004 for the cases and people that already exist.

The encrypted columns are read as their raw tokens (a Cast to text skips the field's
decryption) and decrypted here one value at a time: a value no configured key can decrypt
is skipped with a line naming the table and id, never the value, instead of aborting the
whole migration. Such a row keeps an empty index and is simply not found by search.
"""

import datetime
import json
import sys

from django.db import migrations, models
from django.db.models.functions import Cast

from privacy.blind_index import date_of_birth_index, postcode_house_index, postcode_index
from privacy.crypto import DecryptionError, decrypt_text

BATCH = 500


def _plain(token, *, column, pk):
    if token is None or token == "":
        return None
    try:
        return decrypt_text(token, column=column)
    except DecryptionError:
        sys.stderr.write(f"  {column} id={pk}: cannot be decrypted, search index left empty\n")
        return None


def _raw_batches(model, column):
    """Lists of (pk, raw token), a batch at a time in pk order (keyset pagination: SQLite
    gives no isolation between a running read and the writes to the same table)."""
    rows = model.objects.annotate(raw=Cast(column, output_field=models.TextField()))
    last = None
    while True:
        batch = rows.filter(pk__gt=last) if last is not None else rows
        batch = list(batch.order_by("pk").values_list("pk", "raw")[:BATCH])
        if not batch:
            return
        last = batch[-1][0]
        yield batch


def address_indexes(plain):
    """(postcode_house_index, postcode_index) of a decrypted address JSON document."""
    if not plain:
        return "", ""
    try:
        address = json.loads(plain)
    except ValueError:
        return "", ""
    if not isinstance(address, dict):
        return "", ""
    postcode = str(address.get("postcode") or "")
    return (
        postcode_house_index(postcode, str(address.get("house_number") or "")),
        postcode_index(postcode),
    )


def fill_case_indexes(Case):
    for batch in _raw_batches(Case, "address"):
        changed = []
        for pk, token in batch:
            house, code = address_indexes(_plain(token, column="reports_case.address", pk=pk))
            changed.append(Case(pk=pk, postcode_house_index=house, postcode_index=code))
        Case.objects.bulk_update(changed, ["postcode_house_index", "postcode_index"])


def dob_index_of(plain):
    try:
        return date_of_birth_index(datetime.date.fromisoformat(plain)) if plain else ""
    except ValueError:
        return ""


def fill_person_indexes(Person):
    for batch in _raw_batches(Person, "date_of_birth"):
        changed = [
            Person(pk=pk, dob_index=dob_index_of(_plain(token, column="reports_person.date_of_birth", pk=pk)))
            for pk, token in batch
        ]
        Person.objects.bulk_update(changed, ["dob_index"])


def fill_search_indexes(apps, schema_editor):
    fill_case_indexes(apps.get_model("cases", "Case"))
    fill_person_indexes(apps.get_model("cases", "Person"))


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_search_indexes"),
    ]

    operations = [
        migrations.RunPython(fill_search_indexes, migrations.RunPython.noop, elidable=False),
    ]
