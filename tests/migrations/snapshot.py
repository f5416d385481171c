"""Read a database without Django: what `make_forward_fixture.py` writes into the manifest
and what `test_migrate_forward.py` compares against it.

Only plain sqlite3 / psycopg here, never the models: the test reads a database migrated
by whatever code is checked out, so it must not depend on that code's app labels.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE_NAME = "main-2026-12-01"
VENDORS = ("sqlite", "postgresql")


def dump_path(vendor: str) -> Path:
    return FIXTURES / f"{FIXTURE_NAME}.{vendor}.sql"


MANIFEST = FIXTURES / f"{FIXTURE_NAME}.manifest.json"

# Tables the app move legitimately rewrites (content types, permissions and the migration
# history): compared through `permissions` and `content_types` instead of row by row.
UNCHECKED_TABLES = frozenset(
    {"django_migrations", "django_content_type", "auth_permission", "auth_group_permissions"}
)

# Fixed development keys (DEVKEY-- prefix: production refuses them) so the fixture's
# encrypted columns and blind indexes stay readable by any later code that migrates it.
FIXTURE_SECRETS = {
    "DJANGO_SECRET_KEY": "dev-insecure-migration-forward-fixture-not-a-secret-0123456789",
    "FIELD_ENCRYPTION_KEYS": "REVWS0VZLS1taWdyYXRpb24tZm9yd2FyZC1maXh0dXI=",
    "BLIND_INDEX_KEY": "REVWS0VZLS1taWdyYXRpb24tZm9yd2FyZC1ibGluZDE=",
    "CHANNEL_LAYER_ENCRYPTION_KEY": "dev-insecure-migration-forward-fixture-channels",
    "TWILIO_AUTH_TOKEN": "dev-insecure-migration-forward-fixture-twilio",
}


def django_env(database_url: str) -> dict[str, str]:
    """The environment for a manage.py subprocess on `database_url`: development settings,
    the fixture's keys, no Redis and no inherited database or settings overrides."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_ENV", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DEV_SECRETS_FILE"}
    }
    env.update(FIXTURE_SECRETS)
    env["DATABASE_URL"] = database_url
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env["PYTHONPATH"] = str(REPO)
    return env


def manage(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `python manage.py ARGS` of the checked-out code; raise with its output on failure."""
    result = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args],
        cwd=REPO,
        env=django_env(database_url),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-8000:]}"
        )
    return result


# --- connecting -----------------------------------------------------------------------------


def postgres_params(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    return {
        "host": parts.hostname or "",
        "port": parts.port or 5432,
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "dbname": unquote(parts.path.lstrip("/")),
    }


def postgres_url(url: str, dbname: str) -> str:
    """`url` with another database name."""
    parts = urlsplit(url)
    return parts._replace(path="/" + dbname).geturl()


def is_postgres_url(url: str) -> bool:
    return urlsplit(url).scheme in {"postgres", "postgresql", "pgsql"}


def connect(vendor: str, target: str) -> Any:
    """A DB-API connection: `target` is a file path (sqlite) or a postgres URL."""
    if vendor == "sqlite":
        return sqlite3.connect(target)
    import psycopg

    params = postgres_params(target)
    return psycopg.connect(**{k: v for k, v in params.items() if v != ""}, autocommit=True)


def postgres_admin(url: str, sql: str) -> None:
    """Run CREATE/DROP DATABASE through the server's `postgres` database."""
    import psycopg

    params = postgres_params(url)
    params["dbname"] = "postgres"
    with psycopg.connect(**{k: v for k, v in params.items() if v != ""}, autocommit=True) as conn:
        conn.execute(sql)


def postgres_load(url: str, dump: Path) -> None:
    params = postgres_params(url)
    env = {**os.environ, "PGPASSWORD": params["password"]} if params["password"] else None
    subprocess.run(
        [
            "psql",
            "-q",
            "-X",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            params["host"] or "localhost",
            "-p",
            str(params["port"]),
            "-U",
            params["user"] or "postgres",
            "-d",
            params["dbname"],
            "-f",
            str(dump),
        ],
        check=True,
        capture_output=True,
        env=env,
    )


def sqlite_load(path: Path, dump: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.executescript(dump.read_text())
    finally:
        conn.close()


# --- reading --------------------------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def tables(vendor: str, conn: Any) -> list[str]:
    if vendor == "sqlite":
        rows = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    else:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        ).fetchall()
    return sorted(row[0] for row in rows)


def columns_and_key(vendor: str, conn: Any, table: str) -> tuple[list[str], list[str]]:
    """All column names (sorted) and the primary key columns (in key order)."""
    if vendor == "sqlite":
        info = conn.execute(f"PRAGMA table_info({_quote(table)})").fetchall()
        columns = sorted(row[1] for row in info)
        key = [row[1] for row in sorted((r for r in info if r[5]), key=lambda r: r[5])]
        return columns, key
    columns = sorted(
        row[0]
        for row in conn.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = %s",
            [table],
        ).fetchall()
    )
    key = [
        row[0]
        for row in conn.execute(
            "SELECT a.attname FROM pg_index i "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = %s::regclass AND i.indisprimary "
            "ORDER BY array_position(i.indkey, a.attnum)",
            [f"public.{_quote(table)}"],
        ).fetchall()
    ]
    return columns, key


def rows(
    vendor: str, conn: Any, table: str, columns: Sequence[str], key: Sequence[str]
) -> list[dict[str, str]]:
    """Each row as {column: text}, ordered by primary key (all columns when there is none).

    Values are compared as text: PostgreSQL casts with ::text (stable when a migration
    rebuilds the table), SQLite gives repr() of the stored value.
    """
    order = list(key) or list(columns)
    if vendor == "sqlite":
        selected = ", ".join(_quote(c) for c in [*order, *columns])
        raw = conn.execute(f"SELECT {selected} FROM {_quote(table)}").fetchall()
        texts = [tuple(repr(v) for v in row[len(order) :]) for row in raw]
    else:
        selected = ", ".join(
            [*(_quote(c) for c in order), *(f"{_quote(c)}::text" for c in columns)]
        )
        raw = conn.execute(f"SELECT {selected} FROM public.{_quote(table)}").fetchall()
        texts = [tuple(repr(v) for v in row[len(order) :]) for row in raw]
    ordered = sorted(
        zip(raw, texts, strict=True), key=lambda pair: _sort_key(pair[0][: len(order)])
    )
    return [dict(zip(columns, text, strict=True)) for _raw, text in ordered]


def _sort_key(values: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(
        (value is None, type(value).__name__, value if value is not None else 0) for value in values
    )


def _sha(lines: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def table_checksums(
    rows_: Sequence[dict[str, str]], columns: Sequence[str]
) -> tuple[str, dict[str, str]]:
    """The checksum over all rows (the given columns, in name order) and one per column.

    A per-column checksum covers that column's value in every row, in key order, so a
    mismatch names the column that changed.
    """
    columns = sorted(columns)
    whole = _sha(repr(tuple((c, row[c]) for c in columns)) for row in rows_)
    # 16 hex digits a column are plenty to notice a change and keep the manifest small.
    per_column = {c: _sha(row[c] for row in rows_)[:16] for c in columns}
    return whole, per_column


def table_snapshot(vendor: str, conn: Any, table: str) -> dict[str, Any]:
    columns, key = columns_and_key(vendor, conn, table)
    content = rows(vendor, conn, table, columns, key)
    whole, per_column = table_checksums(content, columns)
    return {
        "rows": len(content),
        "primary_key": key,
        "checksum": whole,
        "columns": per_column,
    }


def permissions(conn: Any) -> list[list[str]]:
    """[group, "app_label.codename", model] of every permission granted to a group."""
    found = conn.execute(
        "SELECT g.name, ct.app_label, p.codename, ct.model FROM auth_group g "
        "JOIN auth_group_permissions gp ON gp.group_id = g.id "
        "JOIN auth_permission p ON p.id = gp.permission_id "
        "JOIN django_content_type ct ON ct.id = p.content_type_id"
    ).fetchall()
    return sorted([group, f"{label}.{codename}", model] for group, label, codename, model in found)


def content_types(conn: Any) -> list[list[str]]:
    found = conn.execute("SELECT app_label, model FROM django_content_type").fetchall()
    return sorted([label, model] for label, model in found)


def access_log(conn: Any) -> list[list[Any]]:
    """[seq, previous_hash, entry_hash] of every access log row, in chain order."""
    found = conn.execute(
        "SELECT seq, previous_hash, entry_hash FROM privacy_accesslogentry ORDER BY seq"
    ).fetchall()
    return [[int(seq), previous, entry] for seq, previous, entry in found]


def snapshot(vendor: str, conn: Any) -> dict[str, Any]:
    return {
        "tables": {
            table: table_snapshot(vendor, conn, table)
            for table in tables(vendor, conn)
            if table not in UNCHECKED_TABLES
        },
        "permissions": permissions(conn),
        "content_types": content_types(conn),
        "access_log": access_log(conn),
    }
