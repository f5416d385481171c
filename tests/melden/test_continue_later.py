"""Continue a draft later (issue 19, item 5): the professional asks for it, a one-time code
goes to their own email through the outbox, the draft stays only on the server,
encrypted, for ONLINE_REPORT_SAVED_DRAFT_DAYS; the code works once, is rate limited and
compared in constant time; a wrong or expired one is refused without revealing anything."""

from __future__ import annotations

import datetime
import logging
import re

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from melden import online
from melden.models import OnlineReportDraft
from outgoing_mail.models import OutgoingEmail
from tests.melden.helpers import fill_steps, reporter, step_url
from tests.melden.test_online_rate_limit import fresh_client

pytestmark = pytest.mark.django_db

CODE = re.compile(r"\b([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})\b")
REFUSED = "Met deze code kunnen we geen melding openen."


def saved_for_later(client: Client) -> str:
    """Steps 1 to 3 filled in, then "Later verder gaan"; returns the code from the email."""
    fill_steps(client, 3)
    response = client.post("/melden/later/")
    assert response.status_code == 200
    mail = OutgoingEmail.objects.get(purpose=OutgoingEmail.Purpose.RESUME_CODE)
    assert mail.recipient == reporter()["email"]
    found = CODE.search(mail.body)
    assert found, "no code in the mail"
    return found.group(1)


def test_a_saved_draft_is_continued_with_the_code_on_another_device(settings):
    first_device = Client()
    code = saved_for_later(first_device)
    page = first_device.get("/melden/").content.decode()
    # This browser holds nothing any more: the start page offers a fresh start.
    assert "Start de melding" in page and "Verder met uw melding" not in page
    assert first_device.get(step_url(2))["Location"] == step_url(1)

    other_device = Client()
    response = other_device.post("/melden/verder/", {"code": code.lower().replace("-", " ")})
    assert response.status_code == 302
    assert response["Location"] == step_url(4)
    step_1 = other_device.get(step_url(1)).content.decode()
    assert 'value="Marieke Jansen"' in step_1
    draft = OnlineReportDraft.objects.get()
    assert draft.resume_id is None and draft.resume_secret_hash == ""
    # Kept for the working session again, no longer for days.
    assert draft.expires_at <= timezone.now() + datetime.timedelta(
        minutes=settings.ONLINE_REPORT_DRAFT_MINUTES
    )


def test_the_mail_has_the_code_and_nothing_of_the_report():
    code = saved_for_later(Client())
    mail = OutgoingEmail.objects.get(purpose=OutgoingEmail.Purpose.RESUME_CODE)
    assert code in mail.body
    assert "/melden/verder/" in mail.body
    for answer in ("Marieke Jansen", "Regenboog", "Vader is agressief", "070-3456789"):
        assert answer not in mail.body and answer not in mail.subject


def test_the_draft_is_kept_encrypted_for_the_set_number_of_days(settings):
    settings.ONLINE_REPORT_SAVED_DRAFT_DAYS = 3
    saved_for_later(Client())
    draft = OnlineReportDraft.objects.get()
    left = draft.expires_at - timezone.now()
    assert datetime.timedelta(days=2, hours=23) < left <= datetime.timedelta(days=3)
    with connection.cursor() as cursor:
        cursor.execute("SELECT data::text FROM reports_onlinereportdraft")
        stored = cursor.fetchone()[0]
    assert "Marieke" not in stored and "Regenboog" not in stored


def test_a_code_works_only_once():
    code = saved_for_later(Client())
    assert Client().post("/melden/verder/", {"code": code}).status_code == 302
    again = Client().post("/melden/verder/", {"code": code})
    assert again.status_code == 400
    assert REFUSED in again.content.decode()


def test_a_draft_continued_the_next_day_keeps_every_answer():
    code = saved_for_later(Client())
    # The next day: the draft was saved 24 hours ago.
    a_day_ago = timezone.now() - datetime.timedelta(days=1)
    OnlineReportDraft.objects.update(
        created_at=a_day_ago,
        updated_at=a_day_ago,
        expires_at=a_day_ago + datetime.timedelta(days=7),
    )
    client = Client()
    assert client.post("/melden/verder/", {"code": code})["Location"] == step_url(4)
    assert "Vader is agressief." in client.get(step_url(3)).content.decode()


def test_an_expired_code_is_refused_with_a_clear_message_and_the_draft_is_gone(caplog):
    code = saved_for_later(Client())
    OnlineReportDraft.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    with caplog.at_level(logging.WARNING, logger="veiligthuis.security"):
        response = Client().post("/melden/verder/", {"code": code})
    page = response.content.decode()
    assert response.status_code == 400
    assert REFUSED in page
    assert "Marieke" not in page
    assert OnlineReportDraft.objects.count() == 0
    assert any("resume refused" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("typed", ["", "ABCD", "ABCD-EFGH-JKLM-NPQR", "<script>", "x" * 40])
def test_a_wrong_code_is_refused_reveals_nothing_and_is_logged(typed, caplog):
    saved_for_later(Client())
    client = Client()
    with caplog.at_level(logging.WARNING, logger="veiligthuis.security"):
        response = client.post("/melden/verder/", {"code": typed})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Marieke" not in page and "Regenboog" not in page
    assert client.get(step_url(2))["Location"] == step_url(1)
    if typed:
        assert REFUSED in page
        assert any("resume refused" in r.getMessage() for r in caplog.records)


def test_five_wrong_tries_at_a_saved_draft_destroy_it_and_are_logged(caplog):
    code = saved_for_later(Client())
    resume_id = online.resume_code_normalised(code)[: online.RESUME_ID_LENGTH]
    wrong = resume_id + "2" * online.RESUME_SECRET_LENGTH
    with caplog.at_level(logging.WARNING, logger="veiligthuis.security"):
        for _ in range(online.RESUME_FAILURES_MAX):
            assert Client().post("/melden/verder/", {"code": wrong}).status_code == 400
    assert OnlineReportDraft.objects.count() == 0
    assert any("destroyed after 5 wrong codes" in r.getMessage() for r in caplog.records)
    # The right code now opens nothing either.
    assert Client().post("/melden/verder/", {"code": code}).status_code == 400


def test_guessing_from_one_address_is_rate_limited_and_logged(settings, caplog):
    settings.ONLINE_REPORT_RESUME_ATTEMPTS_PER_HOUR = 3
    client = fresh_client()
    with caplog.at_level(logging.WARNING, logger="veiligthuis.security"):
        statuses = [
            client.post("/melden/verder/", {"code": f"ABCD-EFGH-JKLM-NPQ{n}"}).status_code
            for n in range(2, 7)
        ]
    assert statuses[:3] == [400, 400, 400]
    assert statuses[3:] == [429, 429]
    assert any("rate limit: kind=resume" in r.getMessage() for r in caplog.records)


def test_saving_for_later_needs_the_first_step_and_mails_nothing_without_it():
    client = Client()
    response = client.post("/melden/later/")
    assert response.status_code == 302
    assert response["Location"] == step_url(1)
    assert OutgoingEmail.objects.count() == 0


def test_the_quick_exit_after_continuing_leaves_nothing_behind():
    code = saved_for_later(Client())
    client = Client()
    client.post("/melden/verder/", {"code": code})
    assert client.post("/melden/snel-weg/").status_code == 204
    assert OnlineReportDraft.objects.count() == 0
