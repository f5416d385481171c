"""The periodic tasks on procrastinate: each job of the schedule is one, with a lock,
retries with backoff where a failure can pass, and loud but data-free failures."""

from __future__ import annotations

import datetime
import logging
from io import StringIO
from types import SimpleNamespace
from typing import cast

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connection
from procrastinate import JobContext
from procrastinate.contrib.django import app, procrastinate_app
from procrastinate.jobs import Job as Job_
from procrastinate.periodic import PeriodicRegistry
from procrastinate.testing import InMemoryConnector

from jobs.failures import job_failures_by_task
from jobs.queue import TaskQueueOnPostgresOnly
from jobs.schedule import SCHEDULE, Job
from jobs.tasks import JOB_RETRY, JobFailed, job_run

pytestmark = pytest.mark.django_db

MARKER = "seq 42 (changed): Marieke Jansen 06-12345678"


def test_every_scheduled_job_is_a_periodic_task_that_runs_once_at_a_time():
    periodic = {
        task.name: p
        for (task_name, _id), p in app.periodic_registry.periodic_tasks.items()
        for task in [p.task]
    }
    for job in SCHEDULE:
        task = app.tasks[job.command]
        assert periodic[job.command].cron == job.cron
        assert task.lock == job.command and task.queueing_lock == job.command
        assert (task.retry_strategy is not None) == job.retry
    assert "verify_access_log" in periodic and "export_access_log_head" in periodic
    assert not app.tasks["verify_access_log"].retry_strategy


def test_the_backoff_between_retries_grows_exponentially(monkeypatch):
    now = datetime.datetime(2026, 12, 1, 3, 0, tzinfo=datetime.UTC)
    monkeypatch.setattr("procrastinate.utils.utcnow", lambda: now)

    def retry_in(attempts: int) -> float | None:
        job = Job_(id=1, queue="periodic", lock=None, queueing_lock=None, task_name="x")
        decision = JOB_RETRY.get_retry_decision(
            exception=OperationalError(), job=job.evolve(attempts=attempts)
        )
        if decision is None:
            return None
        assert decision.retry_at is not None
        return (decision.retry_at - now).total_seconds()

    assert [retry_in(attempts) for attempts in range(5)] == [4, 16, 64, 256, 1024]
    assert retry_in(5) is None  # given up: its next period runs it again


def test_a_failing_job_is_retried_later_by_the_worker(monkeypatch, caplog):
    def database_restarting(command, **kwargs):
        raise OperationalError("the database system is starting up")

    monkeypatch.setattr("jobs.tasks.call_command", database_restarting)
    # Only the job deferred here, not every periodic one the worker would defer at start.
    monkeypatch.setattr(procrastinate_app.current_app, "periodic_registry", PeriodicRegistry())
    queue = InMemoryConnector()
    with app.replace_connector(queue):
        app.tasks["reconcile_calls"].defer(timestamp=0)
        before = datetime.datetime.now(datetime.UTC)
        with caplog.at_level(logging.WARNING, logger="jobs"):
            app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False)
    (job,) = queue.jobs.values()
    assert job["status"] == "todo" and job["attempts"] == 1
    assert job["scheduled_at"] > before
    assert "job reconcile_calls failed: OperationalError" in caplog.text


def test_a_job_that_fails_for_good_is_counted_as_a_job_failure(monkeypatch):
    def broken(command, **kwargs):
        raise RuntimeError("broken")

    monkeypatch.setattr("jobs.tasks.call_command", broken)
    monkeypatch.setattr(procrastinate_app.current_app, "periodic_registry", PeriodicRegistry())
    queue = InMemoryConnector()
    with app.replace_connector(queue):
        app.tasks["relay_events"].defer(timestamp=0)  # no retries: its next round is 5 s away
        app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False)
    (job,) = queue.jobs.values()
    assert job["status"] == "failed"


def test_a_failed_access_log_verification_is_an_error_that_names_no_data(monkeypatch, caplog):
    def broken_chain(command, **kwargs):
        raise CommandError(f"Access log broken at {MARKER}.")

    monkeypatch.setattr("jobs.tasks.call_command", broken_chain)
    with caplog.at_level(logging.INFO), pytest.raises(JobFailed) as failed:
        job_run(Job("verify_access_log", "37 2 * * *", retry=False))
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and "ACCESS LOG VERIFICATION FAILED (CommandError)" in errors[0].getMessage()
    assert str(failed.value) == "job verify_access_log failed: CommandError"
    assert failed.value.__suppress_context__
    assert "Marieke" not in caplog.text and "06-" not in caplog.text and "42" not in caplog.text


def test_an_intact_access_log_passes_the_scheduled_verification():
    job = next(job for job in SCHEDULE if job.command == "verify_access_log")
    assert "Access log intact" in job_run(job)


def test_the_job_failure_count_is_per_task_from_the_queue():
    if connection.vendor != "postgresql":
        # The embedded queue is in memory: nothing to count across processes.
        assert job_failures_by_task() == {}
        return
    with connection.cursor() as cursor:
        for task_name, status in [
            ("reconcile_calls", "failed"),
            ("reconcile_calls", "failed"),
            ("purge_expired", "failed"),
            ("purge_expired", "succeeded"),
        ]:
            cursor.execute(
                "INSERT INTO procrastinate_jobs (queue_name, task_name, status, args) "
                "VALUES ('periodic', %s, %s, '{}')",
                [task_name, status],
            )
    assert job_failures_by_task() == {"purge_expired": 1, "reconcile_calls": 2}


def test_the_queue_tables_are_made_on_postgresql_only():
    router = TaskQueueOnPostgresOnly()
    assert router.allow_migrate("default", "procrastinate") is (connection.vendor == "postgresql")
    assert router.allow_migrate("default", "cases") is None


def test_each_job_can_still_be_run_by_hand():
    out = StringIO()
    call_command("purge_online_drafts", stdout=out)
    call_command("run_jobs", stdout=out)
    assert "verify_access_log: ok" in out.getvalue()


def test_finished_jobs_are_removed_after_the_retention_days(settings):
    from asgiref.sync import async_to_sync

    from jobs.tasks import remove_old_jobs

    settings.JOB_RETENTION_DAYS = 7
    assert ("remove_old_jobs", "remove_old_jobs") in app.periodic_registry.periodic_tasks
    if connection.vendor != "postgresql":
        return  # the embedded queue is in memory and goes with the process
    with connection.cursor() as cursor:
        ids = {}
        for name, status in [("old", "succeeded"), ("old_failed", "failed"), ("new", "succeeded")]:
            cursor.execute(
                "INSERT INTO procrastinate_jobs (queue_name, task_name, status, args) "
                "VALUES ('periodic', %s, 'todo', '{}') RETURNING id",
                [name],
            )
            ids[name] = cursor.fetchone()[0]
            cursor.execute(
                "UPDATE procrastinate_jobs SET status = 'doing' WHERE id = %s", [ids[name]]
            )
            cursor.execute(
                "UPDATE procrastinate_jobs SET status = %s WHERE id = %s", [status, ids[name]]
            )
        cursor.execute(
            "UPDATE procrastinate_events SET at = now() - interval '8 days' WHERE job_id = ANY(%s)",
            [[ids["old"], ids["old_failed"]]],
        )
    # The task needs only the context's app.
    context = cast(JobContext, SimpleNamespace(app=app))
    async_to_sync(remove_old_jobs.func)(context, timestamp=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT task_name FROM procrastinate_jobs WHERE id = ANY(%s)", [list(ids.values())]
        )
        assert [row[0] for row in cursor.fetchall()] == ["new"]
