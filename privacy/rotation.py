"""Re-encrypting every encrypted column under the newest key (manage.py rotate_encryption_keys).

Works on raw column values with SQL, never through from_db_value: a row whose value cannot
be decrypted must be reported and skipped, not abort the model's whole queryset, and
tokens are re-encrypted as they are (MultiFernet.rotate keeps the original timestamp).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction

from privacy.crypto import DecryptionError, rotate_token
from privacy.fields import EncryptedFieldMixin


@dataclass(frozen=True)
class EncryptedTable:
    label: str
    table: str
    pk_column: str
    columns: tuple[str, ...]


@dataclass
class RotationReport:
    rotated: int = 0
    already_current: int = 0
    undecryptable: list[str] = field(default_factory=list)


def encrypted_tables(
    model_list: Iterable[type[models.Model]] | None = None,
) -> list[EncryptedTable]:
    """Every concrete table with encrypted columns; each table once, even under inheritance."""
    found: dict[str, EncryptedTable] = {}
    for model in model_list if model_list is not None else installed_models():
        meta = model._meta
        if meta.proxy or not meta.managed or meta.abstract:
            continue
        # A concrete field always has a column; the stubs allow None for the others.
        columns = tuple(
            cast(str, f.column)
            for f in meta.local_concrete_fields
            if isinstance(f, EncryptedFieldMixin)
        )
        if columns and meta.db_table not in found:
            found[meta.db_table] = EncryptedTable(
                label=meta.label,
                table=meta.db_table,
                pk_column=cast(str, meta.pk.column),
                columns=columns,
            )
    return sorted(found.values(), key=lambda t: t.table)


def installed_models() -> list[type[models.Model]]:
    return list(apps.get_models())


def _is_current(token: str) -> bool:
    """Already encrypted under the newest key: a re-run (after an interruption) skips it."""
    try:
        Fernet(settings.FIELD_ENCRYPTION_KEYS[0].encode()).decrypt(token.encode("ascii"))
    except (InvalidToken, ValueError):
        return False
    return True


def _count(table: EncryptedTable) -> int:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {qn(table.table)}")  # noqa: S608 - names, not input
        return cursor.fetchone()[0]


def _rotate_batch(
    table: EncryptedTable, *, after: object, batch_size: int, report: RotationReport
) -> tuple[object, int]:
    """Rotate one batch of rows in one transaction; returns the last pk seen and rows read."""
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in table.columns)
    where = f"WHERE {qn(table.pk_column)} > %s" if after is not None else ""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    select = (
        f"SELECT {qn(table.pk_column)}, {cols} FROM {qn(table.table)} {where} "  # noqa: S608
        f"ORDER BY {qn(table.pk_column)} LIMIT %s{lock}"
    )
    params: list[Any] = [after, batch_size] if after is not None else [batch_size]
    last = after
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(select, params)
        rows = cursor.fetchall()
        for pk, *values in rows:
            last = pk
            changes: dict[str, str] = {}
            for column, token in zip(table.columns, values, strict=True):
                if token is None or token == "":
                    continue
                if _is_current(token):
                    report.already_current += 1
                    continue
                try:
                    changes[column] = rotate_token(token, column=f"{table.table}.{column}")
                except DecryptionError:
                    # Name the place, never the value: this line goes to the operator's terminal.
                    report.undecryptable.append(
                        f"{table.table}.{column} {table.pk_column}={pk}: cannot be decrypted "
                        "with any key in FIELD_ENCRYPTION_KEYS"
                    )
            if changes:
                assignments = ", ".join(f"{qn(c)} = %s" for c in changes)
                cursor.execute(
                    f"UPDATE {qn(table.table)} SET {assignments} "  # noqa: S608
                    f"WHERE {qn(table.pk_column)} = %s",
                    [*changes.values(), pk],
                )
                report.rotated += len(changes)
    return last, len(rows)


def keys_rotate(
    *,
    batch_size: int = 500,
    model_list: Iterable[type[models.Model]] | None = None,
    progress: Callable[[EncryptedTable, int, int], None] | None = None,
) -> RotationReport:
    """Re-encrypt every encrypted value under the first key of FIELD_ENCRYPTION_KEYS.

    Each batch commits on its own, so an interrupted run keeps what it did; running again
    skips values already under the newest key. A value no key can decrypt is reported and
    left as it is, so nothing is ever lost.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    report = RotationReport()
    for table in encrypted_tables(model_list):
        total = _count(table)
        done = 0
        after: object = None
        if progress:
            progress(table, done, total)
        while True:
            after, read = _rotate_batch(table, after=after, batch_size=batch_size, report=report)
            if not read:
                break
            done += read
            if progress:
                progress(table, min(done, total), max(total, done))
    return report
