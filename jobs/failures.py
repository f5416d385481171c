"""Job failures, for monitoring (the /metrics endpoint's "job failures" counter)."""

from __future__ import annotations

from django.db import connection

from jobs.queue import queue_on_postgres


def job_failures_by_task() -> dict[str, int]:
    """How many jobs failed for good (retries used up, or a job without retries), per
    task, over the jobs still kept (JOB_RETENTION_DAYS). Empty on the embedded default,
    whose queue is in memory."""
    if not queue_on_postgres():
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT task_name, count(*) FROM procrastinate_jobs "
            "WHERE status = 'failed' GROUP BY task_name ORDER BY task_name"
        )
        return {task_name: count for task_name, count in cursor.fetchall()}
