"""manage.py run_jobs: the worker (--loop), or every scheduled job once, here and now.

run_jobs --loop      # the worker service: procrastinate's worker until SIGTERM
run_jobs             # each job of jobs/schedule.py once, in this process (by hand)
"""

from __future__ import annotations

import asyncio
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from procrastinate import PsycopgConnector
from procrastinate.contrib.django import app
from procrastinate.contrib.django.utils import connector_params

from jobs.queue import queue_on_postgres, worker_run
from jobs.schedule import SCHEDULE
from jobs.tasks import JobFailed, job_run


class Command(BaseCommand):
    help = (
        "Run the worker (--loop: periodic jobs and mail, until SIGTERM), or each periodic "
        "job once in this process."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop", action="store_true", help="run the worker until SIGTERM or Ctrl-C"
        )

    def handle(self, *args: Any, loop: bool, **options: Any) -> None:
        if loop:
            asyncio.run(self._worker())
            return
        for job in SCHEDULE:
            try:
                job_run(job)
            except JobFailed:
                self.stdout.write(f"{job.command}: failed")
            else:
                self.stdout.write(f"{job.command}: ok")

    async def _worker(self) -> None:
        if not queue_on_postgres():
            # SQLite: the queue is in this process's memory, so this worker serves only
            # itself (the periodic jobs); the server runs its own (jobs.queue).
            await worker_run(app)
            return
        # The worker's own async connections (LISTEN/NOTIFY, fetching jobs, heartbeats):
        # at most 4, beside the tasks' own from Django's pool as everywhere else.
        worker_connector = PsycopgConnector(kwargs=connector_params(), min_size=1, max_size=4)
        with app.replace_connector(worker_connector):
            async with app.open_async():
                await worker_run(app)
