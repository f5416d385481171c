from __future__ import annotations

import logging
import time
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from jobs.schedule import SCHEDULE, Job
from observability.metrics import job_failed

logger = logging.getLogger(__name__)


def run_job(job: Job) -> bool:
    """Run one job; a failure is logged (without its output, which may hold no data but
    could) and never stops the others."""
    try:
        call_command(job.command, *job.args, stdout=StringIO(), stderr=StringIO())
    except CommandError as error:
        # call_command raises a command's CommandError (only the command line turns it into
        # SystemExit): relay_events says "events are still waiting" with its own status.
        if job.work_left_exit_code is not None and error.returncode == job.work_left_exit_code:
            logger.info("job %s: work left for its next round", job.command)
            return True
        logger.warning("job %s failed: %s", job.command, type(error).__name__)
        job_failed(job.command)
        return False
    except SystemExit as exit_:
        if exit_.code in (0, None):
            return True
        logger.warning("job %s failed: exit status %s", job.command, exit_.code)
        job_failed(job.command)
        return False
    except Exception as error:
        logger.warning("job %s failed: %s", job.command, type(error).__name__)
        job_failed(job.command)
        return False
    return True


class Command(BaseCommand):
    help = "Run the periodic jobs (jobs/schedule.py): once, or forever with --loop."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep running (the worker)")
        parser.add_argument("--tick", type=float, default=1.0, help="seconds between checks")

    def handle(self, *args: Any, **options: Any) -> None:
        next_run = {job.command: 0.0 for job in SCHEDULE}
        while True:
            if options["loop"]:
                # A worker runs for weeks: drop connections the database has closed.
                close_old_connections()
            now = time.monotonic()
            for job in SCHEDULE:
                if now >= next_run[job.command]:
                    ok = run_job(job)
                    next_run[job.command] = now + job.every_seconds
                    self.stdout.write(f"{job.command}: {'ok' if ok else 'failed'}")
            if not options["loop"]:
                return
            time.sleep(options["tick"])
