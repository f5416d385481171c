"""A surge of webhooks never opens more database connections than the pool's cap.

Daphne runs each sync view in a thread of its own, with no cap on the threads. Before the
pool (issue 18) every thread had its own connection: a surge of calls took PostgreSQL to
"too many clients" and webhooks failed. Now a process opens at most
DATABASE_POOL_MAX_SIZE connections; a request that finds them all busy waits its turn,
and only one that waits longer than DATABASE_POOL_TIMEOUT gets a 503 (after which Twilio
calls the fallback URL, which needs no database). Daphne runs as deployed, on this test's
database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import psycopg
import pytest
from django.db import connection, transaction

from hotline.models import Call
from tests.browser.test_dashboard_in_the_browser import database_url_for_the_server
from tests.faults.conftest import free_port

# silent_postgres is a fixture: imported so this module's tests can ask for it.
from tests.faults.test_postgres_unreachable import post_signed, silent_postgres  # noqa: F401
from tests.hotline.conftest import call_params, new_sid

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]

CAP = 4
WEBHOOKS = 60
SERVER_NAME = "vt-pool-fault-test"
BACKUP = "+31701112222"


def on_postgresql() -> bool:
    """The pool is PostgreSQL's (CI). SQLite, the embedded default, has neither a pool nor
    connections to count, and one writer at a time: there the same webhooks go one after
    another, which still checks that none of them fails."""
    return connection.vendor == "postgresql"


def server_database_url() -> str:
    """This test's database, with a name on the server's connections so they can be
    counted apart from the test's own."""
    return database_url_for_the_server(SERVER_NAME)


class ConnectionCounter:
    """Samples pg_stat_activity for the server's connections until stopped."""

    def __init__(self) -> None:
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ConnectionCounter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        with psycopg.connect(database_url_for_the_server(), autocommit=True) as counting:
            while not self._stop.is_set():
                row = counting.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                    [SERVER_NAME],
                ).fetchone()
                self.peak = max(self.peak, row[0] if row else 0)
                self.samples += 1
                self._stop.wait(0.005)


def wait_for_a_server_connection_stuck_on_a_lock() -> None:
    with psycopg.connect(database_url_for_the_server(), autocommit=True) as watching:
        for _ in range(1000):
            row = watching.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE application_name = %s AND wait_event_type = 'Lock'",
                [SERVER_NAME],
            ).fetchone()
            if row and row[0]:
                return
            threading.Event().wait(0.01)
    pytest.fail("the server's webhook never reached the locked table")


def all_at_once(targets: list[Callable[[], None]]) -> None:
    start = threading.Barrier(len(targets))

    def run(target: Callable[[], None]) -> None:
        start.wait(timeout=30)
        target()

    threads = [threading.Thread(target=run, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a webhook never came back"


def test_a_surge_of_webhooks_all_succeed_without_opening_more_connections_than_the_cap(
    daphne_factory,
):
    server = daphne_factory(
        DATABASE_URL=server_database_url(),
        DATABASE_POOL_MIN_SIZE="1",
        DATABASE_POOL_MAX_SIZE=str(CAP),
        # Room to wait on a machine busy with other test runs: the point is that they wait.
        DATABASE_POOL_TIMEOUT="10",
    )
    statuses: list[int] = []
    lock = threading.Lock()

    def voice() -> None:
        status, _body, _took = post_signed(
            server.url, "/hotline/twilio/voice/", call_params(new_sid())
        )
        with lock:
            statuses.append(status)

    if on_postgresql():
        with ConnectionCounter() as counter:
            all_at_once([voice] * WEBHOOKS)
        print(
            f"{WEBHOOKS} webhooks at once: peak {counter.peak} server connections "
            f"(cap {CAP}) over {counter.samples} samples"
        )
        assert counter.samples > 0
        assert 1 <= counter.peak <= CAP
    else:
        for _ in range(WEBHOOKS):
            voice()
    assert statuses == [200] * WEBHOOKS
    assert Call.objects.count() == WEBHOOKS


def test_a_webhook_that_waits_too_long_for_a_connection_gets_a_503_while_the_fallback_answers(
    daphne_factory, request
):
    """Every pooled connection stays busy longer than DATABASE_POOL_TIMEOUT.

    On PostgreSQL the server's one connection is held by a webhook stuck behind a table
    lock this test takes. On SQLite there is no pool of its own to fill, so the server is
    pointed at a PostgreSQL that never answers, where its pool can never hand out a
    connection: the same timeout, reached another way.
    """
    if on_postgresql():
        database_url = server_database_url()
    else:
        silent = request.getfixturevalue("silent_postgres")
        database_url = f"postgres://postgres@127.0.0.1:{silent}/unreachable"
    server = daphne_factory(
        DATABASE_URL=database_url,
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        HOTLINE_BACKUP_NUMBER=BACKUP,
        DATABASE_POOL_MIN_SIZE="1",
        DATABASE_POOL_MAX_SIZE="1",
        DATABASE_POOL_TIMEOUT="1",
        LOG_LEVEL="WARNING",
    )
    first: dict[str, tuple[int, str, float]] = {}
    holder = threading.Thread(
        target=lambda: first.setdefault(
            "result", post_signed(server.url, "/hotline/twilio/voice/", call_params(new_sid()))
        )
    )
    if on_postgresql():
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {Call._meta.db_table} IN ACCESS EXCLUSIVE MODE")
            holder.start()
            # The holder's webhook has the only connection and waits for our lock.
            wait_for_a_server_connection_stuck_on_a_lock()
            waited = post_signed(server.url, "/hotline/twilio/voice/", call_params(new_sid()))
            fallback = post_signed(server.url, "/hotline/twilio/fallback/", call_params(new_sid()))
            assert holder.is_alive(), "the first webhook finished before the lock was released"
        holder.join(timeout=30)
        assert first["result"][0] == 200, "the webhook that held the connection still answers"
    else:
        waited = post_signed(server.url, "/hotline/twilio/voice/", call_params(new_sid()))
        fallback = post_signed(server.url, "/hotline/twilio/fallback/", call_params(new_sid()))

    status, body, _took = waited
    assert status == 503
    assert body.startswith("Database busy")
    status, body, _took = fallback
    assert status == 200
    assert f"<Dial>{BACKUP}</Dial>" in body
    assert "database pool exhausted" in server.log.read_text()
