"""What the worker (manage.py run_jobs --loop, the `worker` service in docker-compose) runs,
and how often. Each job is an existing management command, so it can also be run by hand."""

from __future__ import annotations

from dataclasses import dataclass, field

from events.relay import EXIT_EVENTS_WAITING


@dataclass(frozen=True)
class Job:
    command: str
    every_seconds: int
    args: tuple[str, ...] = field(default_factory=tuple)
    # The exit status with which the command says "done for now, work left for next time".
    work_left_exit_code: int | None = None


SCHEDULE: list[Job] = [
    # Dashboards: anything that could not be published (Redis down) goes out again.
    Job("relay_events", every_seconds=5, work_left_exit_code=EXIT_EVENTS_WAITING),
    # Confirmation and feedback mail, with retries and back-off.
    Job("send_outgoing_email", every_seconds=30),
    # Calls whose end never reached us: closed once Twilio says they are over.
    Job("reconcile_calls", every_seconds=5 * 60),
    # Handovers not accepted in time go to the supervisors.
    Job("escalate_handovers", every_seconds=15 * 60),
    # Unfinished online reports, expired sessions, old published events.
    Job("purge_online_drafts", every_seconds=15 * 60),
    Job("clearsessions", every_seconds=60 * 60),
    Job("prune_outbox", every_seconds=24 * 60 * 60),
    # The access log's head, outside the database: verify_access_log checks against it
    # that no rows were cut off at the end. Minutes between exports are what can go unseen.
    Job("export_access_log_head", every_seconds=5 * 60),
    # Files past their retention term, and caller numbers past theirs.
    Job("purge_expired", every_seconds=24 * 60 * 60),
]
