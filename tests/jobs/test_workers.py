"""Real workers (`manage.py run_jobs --loop`) as separate processes on the test database:
two of them run each period of each periodic job once; SIGTERM lets the running job
finish; the health check follows the heartbeat.

On PostgreSQL (CI) these are real processes. The embedded default (SQLite) is one process
with one worker by design and its queue in memory; procrastinate's in-memory connector does
not promise one run per period (it can defer a period again), so there the test checks
that the process's own worker runs the periodic jobs, each of which is safe to repeat.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from procrastinate.contrib.django import app

from jobs.queue import worker_run
from outgoing_mail.models import OutgoingEmail
from outgoing_mail.sending import email_queue
from tests.browser.test_dashboard_in_the_browser import database_url_for_the_server

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
WORKER_APPLICATION_NAME = "veiligthuis-test-worker"


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


def worker_env(**overrides: str) -> dict[str, str]:
    """The environment of a worker that shares this test's database and secrets."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TWILIO_", "DJANGO_", "DATABASE_", "REDIS_", "WORKER_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_SECRET_KEY": django_settings.SECRET_KEY,
            "FIELD_ENCRYPTION_KEYS": ",".join(django_settings.FIELD_ENCRYPTION_KEYS),
            "BLIND_INDEX_KEY": django_settings.BLIND_INDEX_KEY,
            "CHANNEL_LAYER_ENCRYPTION_KEY": django_settings.CHANNEL_LAYER_ENCRYPTION_KEY,
            "TWILIO_AUTH_TOKEN": django_settings.TWILIO_AUTH_TOKEN,
            "DATABASE_URL": database_url_for_the_server(WORKER_APPLICATION_NAME),
        }
    )
    env.update(overrides)
    return env


class Worker:
    """`manage.py run_jobs --loop` in its own process group."""

    def __init__(self, tmp_path: Path, number: int) -> None:
        self.heartbeat = tmp_path / f"worker-{number}.heartbeat"
        self.log = tmp_path / f"worker-{number}.log"
        env = worker_env(
            WORKER_HEARTBEAT_FILE=str(self.heartbeat),
            WORKER_POLL_SECONDS="1",
            WORKER_HEARTBEAT_SECONDS="1",
            WORKER_HEARTBEAT_MAX_AGE_SECONDS="5",
            LOG_LEVEL="INFO",
        )
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                [sys.executable, "manage.py", "run_jobs", "--loop"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def terminate(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)

    def wait(self, timeout: float = 60) -> int:
        return self.popen.wait(timeout=timeout)

    def kill(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)


@pytest.fixture
def start_worker(tmp_path):
    if on_postgres():
        # The queue's tables are not Django models that a test's flush empties: start from
        # an empty queue, whatever earlier tests left in it.
        with connection.cursor() as cursor:
            for table in ("periodic_defers", "events", "jobs", "workers"):
                cursor.execute(f"DELETE FROM procrastinate_{table}")
    started: list[Worker] = []

    def start() -> Worker:
        worker = Worker(tmp_path, len(started) + 1)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.kill()


def rows(sql: str, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def wait_until(condition, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting: {what}")
        time.sleep(0.2)


def relay_periods_done() -> int:
    return rows(
        "SELECT count(*) FROM procrastinate_jobs "
        "WHERE task_name = 'relay_events' AND status = 'succeeded'"
    )[0][0]


def test_two_workers_run_each_period_of_each_periodic_job_once(start_worker):
    if not on_postgres():
        return the_embedded_worker_runs_the_periodic_jobs()
    first, second = start_worker(), start_worker()
    wait_until(lambda: relay_periods_done() >= 6, "six relay rounds")
    for worker in (first, second):
        worker.terminate()
    assert [first.wait(), second.wait()] == [0, 0]

    runs = Counter(
        (task_name, json.loads(args)["timestamp"] if isinstance(args, str) else args["timestamp"])
        for task_name, args in rows(
            "SELECT task_name, args FROM procrastinate_jobs WHERE args ? 'timestamp'"
        )
    )
    assert runs, "no periodic job ran"
    assert {key: count for key, count in runs.items() if count > 1} == {}
    tasks = {task_name for task_name, _period in runs}
    assert {"relay_events", "send_outgoing_email", "export_access_log_head"} <= tasks
    # Both workers registered and took part in deferring and running.
    logs = first.log.read_text() + second.log.read_text()
    assert logs.count("starting") == 2 and logs.count("stopped cleanly") == 2
    assert rows("SELECT count(*) FROM procrastinate_workers") == [(0,)]  # both signed off


def the_embedded_worker_runs_the_periodic_jobs() -> None:
    from procrastinate.testing import InMemoryConnector

    queue = InMemoryConnector()

    async def one_worker() -> None:
        async with app.open_async():
            runs = [asyncio.create_task(worker_run(app, install_signal_handlers=False))]
            while sum(1 for job in queue.jobs.values() if job["task_name"] == "relay_events") < 3:
                await asyncio.sleep(0.2)
            for run in runs:
                run.cancel()
            await asyncio.gather(*runs, return_exceptions=True)

    with app.replace_connector(queue):
        asyncio.run(asyncio.wait_for(one_worker(), timeout=90))
    ran = {job["task_name"] for job in queue.jobs.values() if job["status"] == "succeeded"}
    assert {"relay_events", "send_outgoing_email", "export_access_log_head"} <= ran


def test_a_worker_given_sigterm_finishes_its_job_and_exits_cleanly(start_worker):
    if not on_postgres():
        return a_stopped_embedded_worker_loses_no_mail()
    with transaction.atomic():
        email = email_queue(purpose="confirmation", recipient="a@example.nl", subject="s", body="b")
    # Hold the mail's row, so the send task is caught in the middle of its work.
    with psycopg.connect(database_url_for_the_server("veiligthuis-test-lock")) as holder:
        holder.execute("SELECT id FROM reports_outgoingemail WHERE id = %s FOR UPDATE", [email.pk])
        worker = start_worker()
        wait_until(
            lambda: (
                rows(
                    "SELECT status FROM procrastinate_jobs WHERE task_name = 'outgoing_email_send'"
                )
                == [("doing",)]
            ),
            "the send task to start",
        )
        worker.terminate()
        # The worker waits for its job rather than leaving it half done.
        with pytest.raises(subprocess.TimeoutExpired):
            worker.wait(timeout=2)
        holder.rollback()
    assert worker.wait() == 0
    assert rows(
        "SELECT status FROM procrastinate_jobs WHERE task_name = 'outgoing_email_send'"
    ) == [("succeeded",)]
    email.refresh_from_db()
    assert email.sent_at is not None and email.attempts == 1
    assert not worker.heartbeat.exists()
    assert "stopped cleanly" in worker.log.read_text()


def a_stopped_embedded_worker_loses_no_mail() -> None:
    # In memory the queue goes with the process; the outbox row stays and the sweep sends it.
    with transaction.atomic():
        email = email_queue(purpose="confirmation", recipient="a@example.nl", subject="s", body="b")
    call_command("send_outgoing_email", stdout=StringIO())
    email.refresh_from_db()
    assert email.sent_at is not None


def test_a_job_left_by_a_killed_worker_is_retried_by_another(start_worker):
    if not on_postgres():
        return  # the embedded queue dies with its one process: nothing is left behind
    with transaction.atomic():
        email = email_queue(purpose="confirmation", recipient="a@example.nl", subject="s", body="b")
    with psycopg.connect(database_url_for_the_server("veiligthuis-test-lock")) as holder:
        holder.execute("SELECT id FROM reports_outgoingemail WHERE id = %s FOR UPDATE", [email.pk])
        killed = start_worker()
        wait_until(
            lambda: (
                rows(
                    "SELECT status FROM procrastinate_jobs WHERE task_name = 'outgoing_email_send'"
                )
                == [("doing",)]
            ),
            "the send task to start",
        )
        killed.kill()
        holder.rollback()
    # The killed worker's database sessions end once they find their client gone (the
    # blocked UPDATE claiming the mail still completes first).
    wait_until(
        lambda: (
            rows(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                [WORKER_APPLICATION_NAME],
            )
            == [(0,)]
        ),
        "the killed worker's sessions to end",
    )
    # The dead task's claim on the row (CLAIM_SECONDS) runs out at once for this test.
    OutgoingEmail.objects.filter(pk=email.pk).update(next_attempt_at=email.next_attempt_at)
    other = start_worker()
    wait_until(
        lambda: (
            rows("SELECT status FROM procrastinate_jobs WHERE task_name = 'outgoing_email_send'")
            == [("succeeded",)]
        ),
        "the stalled send task to be retried and succeed",
        # retry_stalled_jobs runs once a minute, and the killed worker may have run this
        # minute's round already.
        timeout=150,
    )
    email.refresh_from_db()
    assert email.sent_at is not None
    assert "(outgoing_email_send) was left by a stopped worker; retried" in other.log.read_text()


def test_the_health_check_follows_the_workers_heartbeat(start_worker, settings, tmp_path):
    settings.WORKER_HEARTBEAT_FILE = str(tmp_path / "worker-1.heartbeat")
    with pytest.raises(CommandError, match="No worker is running here"):
        call_command("worker_health", stdout=StringIO())
    if not on_postgres():
        return embedded_worker_health(settings)
    worker = start_worker()
    wait_until(worker.heartbeat.exists, "the worker's heartbeat")
    out = StringIO()
    call_command("worker_health", stdout=out)
    assert "heartbeat" in out.getvalue()
    # A worker that hangs (stopped here) stops beating, and is reported.
    os.killpg(worker.popen.pid, signal.SIGSTOP)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '5 minutes'"
        )
    with pytest.raises(CommandError, match="no heartbeat for"):
        call_command("worker_health", stdout=StringIO())
    os.killpg(worker.popen.pid, signal.SIGCONT)
    worker.terminate()
    assert worker.wait() == 0
    with pytest.raises(CommandError, match="No worker is running here"):
        call_command("worker_health", stdout=StringIO())


def embedded_worker_health(settings) -> None:
    path = Path(settings.WORKER_HEARTBEAT_FILE)
    path.write_text("1\n")
    call_command("worker_health", stdout=StringIO())
    stale = path.stat().st_mtime - 10 * settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS
    os.utime(path, (stale, stale))
    with pytest.raises(CommandError, match="no heartbeat for"):
        call_command("worker_health", stdout=StringIO())


def test_compose_runs_the_worker_with_init_a_grace_period_and_its_health_check():
    import yaml

    worker = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["worker"]
    assert worker["command"][-2:] == ["run_jobs", "--loop"]
    assert worker["init"] is True
    grace = int(worker["stop_grace_period"].removesuffix("s"))
    assert grace > int(worker["environment"]["WORKER_SHUTDOWN_SECONDS"].split(":-")[1][:-1])
    assert worker["healthcheck"]["test"][-2:] == ["manage.py", "worker_health"]
