"""What the worker runs, and how often. Each job is an existing management command, so it
can also be run by hand; jobs/tasks.py makes each one a periodic procrastinate task."""

from __future__ import annotations

from dataclasses import dataclass

from events.relay import EXIT_EVENTS_WAITING


@dataclass(frozen=True)
class Job:
    command: str
    # procrastinate's cron, with an optional sixth field for seconds.
    cron: str
    # Retried with exponential backoff when it fails: jobs that meet a database, Twilio or
    # a file system that may be away for a moment. A job without retries runs again at
    # its next period anyway.
    retry: bool = True
    # The exit status with which the command says "done for now, work left for next time".
    work_left_exit_code: int | None = None


SCHEDULE: list[Job] = [
    # Dashboards: anything that could not be published (Redis down) goes out again.
    # Every 5 s: its next period is sooner than any backoff.
    Job("relay_events", "* * * * * */5", retry=False, work_left_exit_code=EXIT_EVENTS_WAITING),
    # Confirmation and feedback mail that its on-commit send task missed; each mail has
    # its own retries with backoff (outgoing_mail.sending).
    Job("send_outgoing_email", "* * * * * */30", retry=False),
    # Calls whose end never reached us: closed once Twilio says they are over.
    Job("reconcile_calls", "*/5 * * * *"),
    # Handovers not accepted in time go to the supervisors.
    Job("escalate_handovers", "*/15 * * * *"),
    # Unfinished online reports, expired sessions, old published events.
    Job("purge_online_drafts", "*/15 * * * *"),
    Job("clearsessions", "7 * * * *"),
    Job("prune_outbox", "17 3 * * *"),
    # The access log's head, outside the database: verify_access_log checks against it
    # that no rows were cut off at the end. Minutes between exports are what can go unseen.
    Job("export_access_log_head", "*/5 * * * *"),
    # The whole chain against the last exported head, nightly. A break is a finding, not a
    # passing fault: no retry, an ERROR in the log (jobs.tasks).
    Job("verify_access_log", "37 2 * * *", retry=False),
    # Files past their retention term, and caller numbers past theirs.
    Job("purge_expired", "47 3 * * *"),
]
