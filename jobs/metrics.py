"""Failed background jobs as /metrics shows them (read at scrape time by
observability.collector): the worker serves no HTTP, so its failures are read where they
are kept, in procrastinate's table, whichever worker process ran the job."""

from __future__ import annotations

from collections.abc import Iterable

from jobs.failures import job_failures_by_task
from jobs.schedule import SCHEDULE
from observability.collector import Reading


def job_failure_readings() -> Iterable[Reading]:
    """Per scheduled job: jobs that failed for good and are still kept (JOB_RETENTION_DAYS).
    Every job is always there (0 when none failed), so an alert never loses its series."""
    failed = job_failures_by_task()
    for name in sorted({job.command for job in SCHEDULE} | set(failed)):
        yield Reading(
            "jobs_failed",
            "Background jobs that failed for good (retries used up), by job, over the jobs kept",
            failed.get(name, 0),
            {"job": name},
        )
