"""Where the task queue runs, and the worker around it.

On PostgreSQL (production, CI, `DATABASE_URL` set) jobs live in procrastinate's tables and
`manage.py run_jobs --loop` is the worker; any number of them may run. On the embedded
default (SQLite, `make run`) procrastinate's in-memory connector holds the jobs and a thread
inside the Daphne process runs procrastinate's own worker with the same tasks: nothing but
the process. Jobs queued there are lost when the process stops; the outbox rows they were
about are not, and the periodic sweeps pick them up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, connections
from procrastinate import App, manager
from procrastinate.testing import InMemoryConnector

logger = logging.getLogger(__name__)


def queue_on_postgres() -> bool:
    return connection.vendor == "postgresql"


def on_app_ready(app: App) -> None:
    """PROCRASTINATE_ON_APP_READY: procrastinate needs PostgreSQL; on anything else the
    jobs are held in memory, for the embedded worker of this process."""
    if not queue_on_postgres():
        in_memory = InMemoryConnector()
        app.connector = in_memory
        app.job_manager = manager.JobManager(in_memory)


class TaskQueueOnPostgresOnly:
    """Database router: procrastinate's migrations are PostgreSQL (PL/pgSQL); on SQLite
    they are recorded as applied and do nothing."""

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        if app_label == "procrastinate":
            return connections[db].vendor == "postgresql"
        return None


def task_in_own_connection(call_next: Callable[[], Any], context: Any, worker: Any) -> Any:
    """Task middleware: a sync task runs in a thread of the worker's pool; its database
    connection goes back to the pool when it ends, so a long-running worker never holds
    one per thread or keeps one the database has closed."""
    close_old_connections()
    try:
        return call_next()
    finally:
        connections.close_all()


def worker_options(**overrides: Any) -> dict[str, Any]:
    options: dict[str, Any] = {
        "name": f"worker-{os.getpid()}",
        # Sync jobs each run in a thread of their own: the nightly verify_access_log (minutes
        # on a large log) never holds up the mail or the relay. Each task's lock still
        # keeps its own jobs one at a time.
        "concurrency": settings.WORKER_CONCURRENCY,
        "fetch_job_polling_interval": settings.WORKER_POLL_SECONDS,
        "update_heartbeat_interval": settings.WORKER_HEARTBEAT_SECONDS,
        "stalled_worker_timeout": settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS,
        # After SIGTERM the running job gets this long to finish; a job killed after it
        # (or with the worker) stays "doing" and jobs.tasks.retry_stalled_jobs retries it
        # once the worker's heartbeat is stale.
        "shutdown_graceful_timeout": float(settings.WORKER_SHUTDOWN_SECONDS),
        "task_middleware": [task_in_own_connection],
    }
    if not queue_on_postgres():
        options["listen_notify"] = False
    options.update(overrides)
    return options


def heartbeat_file() -> Path:
    return Path(settings.WORKER_HEARTBEAT_FILE)


async def worker_run(app: App, *, install_signal_handlers: bool = True, **overrides: Any) -> None:
    """Run procrastinate's worker until it is stopped (SIGTERM/SIGINT with the handlers
    installed), writing its worker id to the heartbeat file for `manage.py worker_health`."""
    worker = app._worker(  # the public run_worker_async hides the worker and its id
        install_signal_handlers=install_signal_handlers, **worker_options(**overrides)
    )
    marker = asyncio.create_task(_heartbeat_marker(worker), name="heartbeat-file")
    logger.info("worker %s starting", worker.worker_name)
    try:
        await worker.run()
        logger.info("worker %s stopped cleanly", worker.worker_name)
    finally:
        marker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await marker
        with contextlib.suppress(FileNotFoundError):
            heartbeat_file().unlink()


async def _heartbeat_marker(worker: Any) -> None:
    # The database holds the heartbeat (procrastinate_workers.last_heartbeat, written by the
    # worker's own loop); the file only says which worker row is this process's.
    path = heartbeat_file()
    while True:
        if worker.worker_id is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"{worker.worker_id}\n")
        await asyncio.sleep(settings.WORKER_HEARTBEAT_SECONDS)


_embedded: threading.Thread | None = None


def embedded_worker_start() -> threading.Thread | None:
    """The embedded default's worker: a daemon thread of this process with its own event
    loop. Does nothing on PostgreSQL, where the worker service runs the jobs."""
    global _embedded
    if queue_on_postgres() or not settings.WORKER_IN_PROCESS:
        return None
    if _embedded is not None and _embedded.is_alive():
        return _embedded

    def run() -> None:
        from procrastinate.contrib.django import app

        try:
            asyncio.run(worker_run(app, install_signal_handlers=False))
        except Exception:
            logger.exception("the embedded worker stopped")

    _embedded = threading.Thread(target=run, name="embedded-worker", daemon=True)
    _embedded.start()
    logger.info("jobs run in this process (SQLite: the embedded default)")
    return _embedded
