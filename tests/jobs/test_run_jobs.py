"""The worker's periodic jobs: each one runs, and one failing job never stops the rest."""

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
    monkeypatch.setattr(schedule, "SCHEDULE", [Job("no_such_command", 60), Job("prune_outbox", 60)])
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
