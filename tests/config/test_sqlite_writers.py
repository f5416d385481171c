"""The embedded default (SQLite) lets concurrent writers take turns instead of failing.

Two webhooks at the same moment are two transactions that each read, then write. In
SQLite's default (DEFERRED transactions) the second to write finds the first in the way
and fails at once with "database is locked" (busy timeout or not); with the project's
settings (config.env.sqlite_database: IMMEDIATE transactions, WAL, a busy timeout) it waits
for the write lock and both succeed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db.utils import ConnectionHandler

from config.env import parse_database_url, sqlite_database

# How long the first writer keeps its transaction open after reading, so the second
# certainly arrives while it is open (the outcome does not depend on the exact time).
FIRST_WRITER_HOLDS_SECONDS = 0.5


@pytest.fixture(autouse=True)
def own_files_allowed(django_db_blocker) -> Iterator[None]:
    """These tests open SQLite files of their own, never the test database."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def connections(tmp_path: Path) -> Iterator[ConnectionHandler]:
    handler = ConnectionHandler({"default": sqlite_database(tmp_path / "writers.sqlite3")})
    with handler["default"].cursor() as cursor:
        cursor.execute("CREATE TABLE calls (id INTEGER PRIMARY KEY, sid TEXT)")
    handler["default"].close()
    yield handler
    handler.close_all()


def read_then_write(
    handler: ConnectionHandler,
    sid: str,
    errors: list[BaseException],
    inside: threading.Event | None = None,
) -> None:
    """A webhook's transaction: look the call up, then insert it. In its own thread, so
    on its own connection; begun the way transaction.atomic() begins one on SQLite."""
    connection = handler["default"]
    try:
        connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM calls WHERE sid = %s", [sid])
            if inside is not None:
                inside.set()
                # Keep the transaction open while the second writer arrives.
                threading.Event().wait(FIRST_WRITER_HOLDS_SECONDS)
            cursor.execute("INSERT INTO calls (sid) VALUES (%s)", [sid])
        connection.commit()
    except BaseException as error:
        errors.append(error)
        connection.rollback()
    finally:
        connection.set_autocommit(True)
        connection.close()


def run_two_writers(handler: ConnectionHandler) -> list[BaseException]:
    errors: list[BaseException] = []
    first_inside = threading.Event()
    first = threading.Thread(target=read_then_write, args=(handler, "CA1", errors, first_inside))
    second = threading.Thread(target=read_then_write, args=(handler, "CA2", errors))
    first.start()
    assert first_inside.wait(10)
    second.start()
    first.join(30)
    second.join(30)
    return errors


def count_rows(handler: ConnectionHandler) -> int:
    with handler["default"].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM calls")
        row: Any = cursor.fetchone()
    handler["default"].close()
    return int(row[0])


def test_two_concurrent_writers_on_a_sqlite_file_both_succeed(connections):
    assert run_two_writers(connections) == []
    assert count_rows(connections) == 2


def test_without_immediate_transactions_the_second_writer_would_fail(tmp_path):
    """The other half of the proof: SQLite's default transactions fail this way."""
    deferred = sqlite_database(tmp_path / "deferred.sqlite3")
    deferred["OPTIONS"]["transaction_mode"] = "DEFERRED"
    handler = ConnectionHandler({"default": deferred})
    with handler["default"].cursor() as cursor:
        cursor.execute("CREATE TABLE calls (id INTEGER PRIMARY KEY, sid TEXT)")
    handler["default"].close()
    errors = run_two_writers(handler)
    assert len(errors) == 1
    assert "locked" in str(errors[0]) or "busy" in str(errors[0]).lower()
    assert count_rows(handler) == 1


def test_the_database_url_form_of_sqlite_gets_the_same_settings(tmp_path):
    path = tmp_path / "bench.sqlite3"
    assert parse_database_url(f"sqlite://{path}") == sqlite_database(str(path))
