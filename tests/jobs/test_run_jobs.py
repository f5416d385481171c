"""`manage.py run_jobs` by hand: each periodic job once, in this process; one failing job
never stops the rest. (The worker, `run_jobs --loop`, is in test_workers.py.)"""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from events.models import OutboxEvent
from jobs import schedule
from jobs.schedule import SCHEDULE, Job

pytestmark = pytest.mark.django_db


def test_one_pass_runs_every_scheduled_job():
    out = StringIO()
    call_command("run_jobs", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines == [f"{job.command}: ok" for job in SCHEDULE]


def test_a_failing_job_does_not_stop_the_others(monkeypatch):
    monkeypatch.setattr(
        schedule,
        "SCHEDULE",
        [Job("no_such_command", "* * * * *"), Job("prune_outbox", "* * * * *")],
    )
    monkeypatch.setattr("jobs.management.commands.run_jobs.SCHEDULE", schedule.SCHEDULE)
    out = StringIO()
    call_command("run_jobs", stdout=out)
    assert out.getvalue().splitlines() == ["no_such_command: failed", "prune_outbox: ok"]


def test_prune_outbox_keeps_recent_and_unpublished_events(settings):
    settings.OUTBOX_RETENTION_DAYS = 7
    old = timezone.now() - datetime.timedelta(days=8)
    published_old = OutboxEvent.objects.create(kind="x", region="r", published_at=old)
    unpublished_old = OutboxEvent.objects.create(kind="x", region="r")
    recent = OutboxEvent.objects.create(kind="x", region="r", published_at=timezone.now())
    OutboxEvent.objects.filter(pk__in=[published_old.pk, unpublished_old.pk]).update(created_at=old)
    call_command("prune_outbox", stdout=StringIO())
    assert set(OutboxEvent.objects.values_list("pk", flat=True)) == {
        unpublished_old.pk,
        recent.pk,
    }


def test_prune_outbox_refuses_a_nonsense_period():
    with pytest.raises(SystemExit):
        call_command("prune_outbox", "--days", "0", stdout=StringIO(), stderr=StringIO())


def test_a_page_asking_for_pruned_events_gets_a_fresh_snapshot(operator, settings):
    from dashboard.views import dashboard_since

    settings.OUTBOX_RETENTION_DAYS = 7
    old = timezone.now() - datetime.timedelta(days=8)
    # A kind an operator receives (events.catalogue): `since` leaves out the others.
    kind = "presence.changed"
    first = OutboxEvent.objects.create(kind=kind, region="haaglanden", published_at=old)
    second = OutboxEvent.objects.create(kind=kind, region="haaglanden", published_at=old)
    third = OutboxEvent.objects.create(kind=kind, region="haaglanden")
    OutboxEvent.objects.filter(pk__in=[first.pk, second.pk]).update(created_at=old)
    call_command("prune_outbox", stdout=StringIO())
    assert dashboard_since(user=operator, seq=first.seq)["type"] == "snapshot"
    after_pruned = dashboard_since(user=operator, seq=second.seq)
    assert after_pruned["type"] == "events"
    assert [e["seq"] for e in after_pruned["events"]] == [third.seq]


def test_events_waiting_for_the_channel_layer_are_work_left_not_a_failed_job(monkeypatch, caplog):
    from events import services

    # Redis is down: the relay cannot send, and says so with its own exit status.
    monkeypatch.setattr(services, "_send", lambda event: False)
    OutboxEvent.objects.create(kind="presence.changed", region="haaglanden")
    monkeypatch.setattr(
        schedule, "SCHEDULE", [job for job in SCHEDULE if job.command == "relay_events"]
    )
    monkeypatch.setattr("jobs.management.commands.run_jobs.SCHEDULE", schedule.SCHEDULE)
    out = StringIO()
    with caplog.at_level("INFO", logger="jobs"):
        call_command("run_jobs", stdout=out)
    assert out.getvalue().splitlines() == ["relay_events: ok"]
    assert "failed" not in caplog.text
    assert "job relay_events: work left for its next round" in caplog.text


def test_relay_events_says_events_are_waiting_with_its_own_exit_status(monkeypatch):
    from django.core.management.base import CommandError

    from events import services
    from events.relay import EXIT_EVENTS_WAITING

    monkeypatch.setattr(services, "_send", lambda event: False)
    OutboxEvent.objects.create(kind="presence.changed", region="haaglanden")
    with pytest.raises(CommandError) as raised:
        call_command("relay_events", stdout=StringIO())
    assert raised.value.returncode == EXIT_EVENTS_WAITING


def test_events_another_publisher_is_sending_are_not_waiting(monkeypatch):
    from events import services

    monkeypatch.setattr(services, "_send", lambda event: True)
    # Written and claimed by its own on-commit publish, which is still under way.
    OutboxEvent.objects.create(
        kind="presence.changed",
        region="haaglanden",
        claimed_until=timezone.now() + datetime.timedelta(seconds=10),
    )
    out = StringIO()
    call_command("relay_events", stdout=out)
    assert out.getvalue().strip() == "published 0, waiting 0"
