"""Model fields that store case data encrypted (Fernet tokens in a text column).

Only `isnull` lookups work on them: comparing ciphertexts would silently match nothing,
so equality lookups go through a blind index (privacy.blind_index) instead.
"""

from __future__ import annotations

import datetime
import json
from typing import TYPE_CHECKING, Any

from django.apps import apps as global_apps
from django.core.exceptions import ValidationError
from django.db import models

from privacy.crypto import decrypt_text, encrypt_text

ENCRYPTED_FIELDS_REGISTRY: list[models.Field] = []

if TYPE_CHECKING:
    # To the type checker the mixin is the Field it is always mixed into.
    _FieldBase = models.Field[Any, Any]
else:
    _FieldBase = object


class EncryptedFieldMixin(_FieldBase):
    """Encrypts on the way into the database and decrypts on the way out."""

    def contribute_to_class(
        self, cls: type[models.Model], name: str, private_only: bool = False, **kwargs: Any
    ) -> None:
        super().contribute_to_class(cls, name, private_only=private_only, **kwargs)
        # Only the project's real models: migrations render historical copies of every
        # model (and SQLite's table rebuilds temporary "new__" ones) in their own registry.
        if not cls._meta.abstract and cls._meta.apps is global_apps:
            ENCRYPTED_FIELDS_REGISTRY.append(self)

    def get_internal_type(self) -> str:
        return "TextField"

    def db_type(self, connection: Any) -> str | None:
        return models.TextField().db_type(connection)

    @property
    def column_label(self) -> str:
        return f"{self.model._meta.label}.{self.name}"

    def to_plain(self, value: Any) -> str:
        return str(value)

    def from_plain(self, plain: str) -> Any:
        return plain

    def get_prep_value(self, value: Any) -> Any:
        value = self.to_python(value)
        if value is None:
            return None
        plain = self.to_plain(value)
        if plain == "":
            # Nothing to hide; storing "" keeps blank defaults (also those written by data
            # migrations) readable under any key set. A Fernet token is never empty.
            return ""
        return encrypt_text(plain)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        if value == "":
            return ""
        return self.from_plain(decrypt_text(value, column=self.column_label))

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)


class EncryptedTextField(EncryptedFieldMixin, models.TextField):
    pass


class EncryptedCharField(EncryptedFieldMixin, models.CharField):
    """A CharField whose max_length limits the plaintext; the column is unbounded text."""

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        return str(value)


class EncryptedDateField(EncryptedFieldMixin, models.DateField):
    def to_plain(self, value: datetime.date) -> str:
        return value.isoformat()

    def from_plain(self, plain: str) -> datetime.date:
        return datetime.date.fromisoformat(plain)


class EncryptedJSONField(EncryptedFieldMixin, models.TextField):
    """Structured data (lists of people, answers) encrypted as one JSON document."""

    # Whatever JSON holds, not the str of a TextField (read by django-stubs' plugin).
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def to_python(self, value: Any) -> Any:
        return value

    def to_plain(self, value: Any) -> str:
        try:
            return json.dumps(value, ensure_ascii=False, sort_keys=True)
        except TypeError as error:
            raise ValidationError(f"{self.name} holds data that is not JSON: {error}") from None

    def from_plain(self, plain: str) -> Any:
        return json.loads(plain)

    def value_to_string(self, obj: models.Model) -> str:
        return self.to_plain(self.value_from_object(obj))
