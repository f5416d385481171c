"""Caller numbers are wiped from call records after CALL_NUMBER_RETENTION_DAYS."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from hotline.models import Call
from hotline.services import call_receive
from privacy.models import Tombstone

pytestmark = pytest.mark.django_db


def ended_call(sid: str, days_ago: int) -> Call:
    call, _ = call_receive(sid=sid, from_number="+31612345678", account_sid="AC")
    Call.objects.filter(pk=call.pk).update(
        ended_at=timezone.now() - datetime.timedelta(days=days_ago)
    )
    return Call.objects.get(pk=call.pk)


def test_an_old_callers_number_is_wiped_and_the_call_row_kept(settings):
    settings.CALL_NUMBER_RETENTION_DAYS = 90
    old = ended_call("CA" + "a" * 32, days_ago=91)
    recent = ended_call("CA" + "b" * 32, days_ago=10)
    out = StringIO()
    call_command("purge_expired", stdout=out)
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.caller_number, old.caller_index) == ("", "")
    assert old.role and old.ended_at  # the row stays for the service-level figures
    assert recent.caller_number == "+31612345678"
    assert Tombstone.objects.filter(reference=f"call {old.pk}").exists()


def test_a_dry_run_lists_the_call_and_wipes_nothing(settings):
    settings.CALL_NUMBER_RETENTION_DAYS = 30
    old = ended_call("CA" + "c" * 32, days_ago=31)
    out = StringIO()
    call_command("purge_expired", "--dry-run", stdout=out)
    assert f"call {old.pk}" in out.getvalue()
    old.refresh_from_db()
    assert old.caller_number == "+31612345678"
