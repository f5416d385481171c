"""The worker's tasks: every job of jobs/schedule.py as a periodic procrastinate task.

Found by procrastinate's Django app (it imports each app's `tasks` module). Each period is
deferred once however many workers run: the periodic deferrer records every deferral in
procrastinate_periodic_defers under a unique (task, period) key, `queueing_lock` keeps a
second job of a task out of the queue while one waits, and `lock` lets only one job of a
task run at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from procrastinate import JobContext, RetryStrategy
from procrastinate.contrib.django import app
from procrastinate.exceptions import UniqueViolation
from procrastinate.jobs import Status

from jobs.schedule import SCHEDULE, Job

logger = logging.getLogger(__name__)

# 4 s, 16 s, 64 s, 256 s, 1,024 s after the failures: a database restart or a Twilio
# hiccup passes within the first few, and the job has not given up before its next
# period (5 minutes or more for every job that retries).
JOB_RETRY = RetryStrategy(max_attempts=5, exponential_wait=4)
QUEUE = "periodic"


class JobFailed(Exception):
    """A job failed. Its message names the job and the kind of error only: a command's own
    message may quote data and goes neither into the log nor into procrastinate's tables."""


def job_run(job: Job) -> str:
    """Run one job's command in this process; the command's output is returned, its
    failure raised as JobFailed."""
    out = StringIO()
    try:
        call_command(job.command, stdout=out, stderr=StringIO())
    except CommandError as error:
        # call_command raises a command's CommandError (only the command line turns it into
        # SystemExit): relay_events says "events are still waiting" with its own status.
        if job.work_left_exit_code is not None and error.returncode == job.work_left_exit_code:
            logger.info("job %s: work left for its next round", job.command)
            return out.getvalue()
        raise _failed(job, error) from None
    except SystemExit as exit_:
        if exit_.code in (0, None):
            return out.getvalue()
        raise _failed(job, exit_) from None
    except Exception as error:
        raise _failed(job, error) from None
    return out.getvalue()


def _failed(job: Job, error: BaseException) -> JobFailed:
    if job.command == "verify_access_log":
        # Loud, and without the break's details: `manage.py verify_access_log` by hand
        # names the row.
        logger.error(
            "ACCESS LOG VERIFICATION FAILED (%s): rows were changed, removed, reordered or "
            "cut off, or the exported head cannot be read. Run manage.py verify_access_log.",
            type(error).__name__,
        )
    else:
        logger.warning("job %s failed: %s", job.command, type(error).__name__)
    return JobFailed(f"job {job.command} failed: {type(error).__name__}")


def _periodic_task(job: Job) -> Callable[[int], None]:
    def run(timestamp: int) -> None:
        # `timestamp` is the period this run is for (procrastinate passes it).
        job_run(job)

    run.__name__ = run.__qualname__ = job.command
    task = app.task(
        name=job.command,
        queue=QUEUE,
        lock=job.command,
        queueing_lock=job.command,
        retry=JOB_RETRY if job.retry else False,
    )(run)
    app.periodic(cron=job.cron, periodic_id=job.command)(task)
    return run


PERIODIC_TASKS = {job.command: _periodic_task(job) for job in SCHEDULE}


@app.periodic(cron="* * * * *", periodic_id="retry_stalled_jobs")
@app.task(
    name="retry_stalled_jobs",
    queue=QUEUE,
    lock="retry_stalled_jobs",
    queueing_lock="retry_stalled_jobs",
    pass_context=True,
)
async def retry_stalled_jobs(context: JobContext, timestamp: int) -> None:
    """Jobs left "doing" by a worker that died or was killed mid-job (its heartbeat went
    stale) go back in the queue: abandoned, never lost."""
    job_manager = context.app.job_manager
    stalled = await job_manager.get_stalled_jobs(
        seconds_since_heartbeat=settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS
    )
    for job in stalled:
        assert job.id is not None
        try:
            await job_manager.retry_job(job)
        except UniqueViolation:
            # A periodic job whose next period already waits in the queue (its queueing
            # lock): that one does the work; this run is given up so its lock frees.
            await job_manager.finish_job_by_id_async(job.id, status=Status.FAILED, delete_job=False)
            logger.warning(
                "job %s (%s) was left by a stopped worker; its next run is queued",
                job.id,
                job.task_name,
            )
        else:
            logger.warning(
                "job %s (%s) was left by a stopped worker; retried", job.id, job.task_name
            )


@app.periodic(cron="27 4 * * *", periodic_id="remove_old_jobs")
@app.task(
    name="remove_old_jobs",
    queue=QUEUE,
    lock="remove_old_jobs",
    queueing_lock="remove_old_jobs",
    pass_context=True,
)
async def remove_old_jobs(context: JobContext, timestamp: int) -> None:
    """Finished jobs are kept JOB_RETENTION_DAYS (a relay round every 5 s is 17,280 rows a
    day); failed ones as long, then they go too."""
    await context.app.job_manager.delete_old_jobs(
        nb_hours=24 * settings.JOB_RETENTION_DAYS,
        include_failed=True,
        include_cancelled=True,
        include_aborted=True,
    )
