"""Running queued send tasks inside a test's transaction, as the worker would."""

from __future__ import annotations

import json
from typing import Any

from procrastinate.contrib.django import app

from outgoing_mail.tasks import outgoing_email_send


def _arguments(job: Any) -> dict[str, Any]:
    # Through Django's connection a jsonb column comes back as its text (Django parses
    # JSON itself); the worker's own connection gives a dict.
    kwargs = job.task_kwargs
    return json.loads(kwargs) if isinstance(kwargs, str) else kwargs


def _waiting() -> list[Any]:
    return list(app.job_manager.list_jobs(task="outgoing_email_send", status="todo"))


def mail_tasks_waiting() -> list[int]:
    """The outbox rows whose send task waits in the queue."""
    return sorted(_arguments(job)["pk"] for job in _waiting())


def run_mail_tasks() -> int:
    """Do what the worker does with each waiting send task, in this thread (so in the
    test's own transaction); each task is taken off the queue as it is done."""
    jobs = _waiting()
    for job in jobs:
        outgoing_email_send(**_arguments(job))
        assert job.id is not None
        app.job_manager.cancel_job_by_id(job.id)
    return len(jobs)
