"""A small model with every kind of encrypted field, in its own app registry.

It lives outside the project's registry (so makemigrations and the real apps never see
it) and its table is created inside each test's transaction, so it vanishes afterwards.
"""

from __future__ import annotations

from typing import ClassVar

import pytest
from cryptography.fernet import Fernet
from django.apps.registry import Apps
from django.db import connection, models

from privacy.fields import (
    EncryptedCharField,
    EncryptedDateField,
    EncryptedJSONField,
    EncryptedTextField,
)

isolated_apps = Apps(["privacy"])


class Secret(models.Model):
    narrative = EncryptedTextField(null=True, blank=True)
    name = EncryptedCharField(max_length=100, null=True, blank=True)
    born_on = EncryptedDateField(null=True, blank=True)
    people = EncryptedJSONField(null=True, blank=True)

    # Declared: the stubs' plugin adds `objects` only to models in the project's registry.
    objects: ClassVar[models.Manager[Secret]] = models.Manager()

    class Meta:
        app_label = "privacy"
        apps = isolated_apps
        db_table = "privacy_test_secret"

    def __str__(self) -> str:
        return f"Secret {self.pk}"


KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
KEY_C = Fernet.generate_key().decode()


@pytest.fixture
def secret_table(db):
    sql, params = connection.schema_editor().table_sql(Secret)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    return Secret


def raw_rows(table: str, columns: list[str], order_by: str = "id") -> list[tuple]:
    qn = connection.ops.quote_name
    names = ", ".join(qn(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {names} FROM {qn(table)} ORDER BY {qn(order_by)}")
        return cursor.fetchall()
