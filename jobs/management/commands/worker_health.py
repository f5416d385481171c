"""manage.py worker_health: exit 0 while this machine's worker has a fresh heartbeat, 1
otherwise (compose's healthcheck for the worker service)."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from jobs.queue import heartbeat_file, queue_on_postgres


class Command(BaseCommand):
    help = "Exit 1 unless the worker of this machine (its heartbeat file) has a fresh heartbeat."

    def handle(self, *args: Any, **options: Any) -> None:
        path = heartbeat_file()
        max_age = settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS
        try:
            worker_id = int(path.read_text().strip())
        except FileNotFoundError:
            raise CommandError(f"No worker is running here ({path} is missing).") from None
        except ValueError:
            raise CommandError(f"{path} does not hold a worker id.") from None
        if not queue_on_postgres():
            # The embedded queue keeps its heartbeats in memory; the file is rewritten at
            # every heartbeat.
            age = time.time() - path.stat().st_mtime
            if age > max_age:
                raise CommandError(f"Worker {worker_id}: no heartbeat for {int(age)} s.")
            self.stdout.write(f"Worker {worker_id}: heartbeat {int(age)} s ago.")
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT EXTRACT(EPOCH FROM now() - last_heartbeat) "
                "FROM procrastinate_workers WHERE id = %s",
                [worker_id],
            )
            row = cursor.fetchone()
        if row is None:
            raise CommandError(f"Worker {worker_id} is not registered (stopped or pruned).")
        age = float(row[0])
        if age > max_age:
            raise CommandError(f"Worker {worker_id}: no heartbeat for {int(age)} s.")
        self.stdout.write(f"Worker {worker_id}: heartbeat {int(age)} s ago.")
