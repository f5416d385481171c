"""The admin shows the mail queue, the event outbox's backlog and the partner API keys:
where things stand, never content, addresses, payloads or secrets; read-only; only for
superusers and for admin staff who supervise (the keys: superusers only)."""

from __future__ import annotations

import io
import logging

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.models import User
from events.models import OutboxEvent
from handover.models import PartnerOrganisation
from handover.services import partner_api_key_issue
from outgoing_mail.models import OutgoingEmail
from tests.conftest import PASSWORD, log_in_fully, make_staff
from tests.handover.test_partner_api import PartnerSystem

pytestmark = pytest.mark.django_db

SUBJECT = "Ontvangstbevestiging SUBJECT-MARKER"
BODY = "BODY-MARKER: wat de melder schreef"
PAYLOAD = "PAYLOAD-MARKER"


def admin_member(username: str, role: str, *, superuser: bool = False) -> Client:
    user = make_staff(username, role)
    user.is_staff = True
    user.is_superuser = superuser
    user.save(update_fields=["is_staff", "is_superuser"])
    return log_in_fully(Client(), user)


@pytest.fixture
def superuser_client() -> Client:
    return admin_member("root", roles.SUPERVISOR, superuser=True)


@pytest.fixture
def teamleider_client() -> Client:
    return admin_member("tessa", roles.SUPERVISOR)


@pytest.fixture
def operator_staff_client() -> Client:
    return admin_member("oscar", roles.OPERATOR)


@pytest.fixture
def mail() -> OutgoingEmail:
    return OutgoingEmail.objects.create(
        purpose=OutgoingEmail.Purpose.CONFIRMATION,
        recipient="Melder.Naam@Voorbeeld.NL",
        subject=SUBJECT,
        body=BODY,
        attempts=2,
        last_error="SMTPServerDisconnected",
    )


@pytest.fixture
def waiting_event() -> OutboxEvent:
    return OutboxEvent.objects.create(
        kind="call.queued", region="haaglanden", payload={"note": PAYLOAD}
    )


def test_the_mail_queue_shows_domain_status_and_attempts_never_the_address_or_content(
    superuser_client, mail
):
    pages = [
        superuser_client.get(reverse("admin:outgoing_mail_outgoingemail_changelist")),
        superuser_client.get(reverse("admin:outgoing_mail_outgoingemail_change", args=[mail.pk])),
    ]
    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        assert "voorbeeld.nl" in html
        assert "Opnieuw proberen" in html
        assert "SMTPServerDisconnected" in html
        for secret in ("Melder.Naam", "melder.naam", "SUBJECT-MARKER", "BODY-MARKER"):
            assert secret not in html


def test_the_outbox_shows_its_backlog_and_never_a_payload(superuser_client, waiting_event):
    OutboxEvent.objects.create(
        kind="call.ended",
        region="haaglanden",
        payload={"note": PAYLOAD},
        published_at=timezone.now(),
    )
    listing = superuser_client.get(reverse("admin:events_outboxevent_changelist"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "<dd data-waiting>1</dd>" in html
    assert "<dd data-stored>2</dd>" in html
    assert "seconde" in html
    assert "call.queued" in html
    assert PAYLOAD not in html
    detail = superuser_client.get(
        reverse("admin:events_outboxevent_change", args=[waiting_event.pk])
    )
    assert detail.status_code == 200
    assert PAYLOAD not in detail.content.decode()


def test_partner_keys_show_when_issued_and_last_used_never_the_secret(superuser_client):
    cjg = PartnerOrganisation.objects.get(slug="cjg-den-haag")
    system = PartnerSystem(cjg)
    cjg.refresh_from_db()
    assert cjg.api_key_issued_at is not None
    assert cjg.api_key_last_used_at is None
    assert system.get().status_code == 200
    cjg.refresh_from_db()
    assert cjg.api_key_last_used_at is not None
    for url in (
        reverse("admin:handover_partnerorganisation_changelist"),
        reverse("admin:handover_partnerorganisation_change", args=[cjg.pk]),
    ):
        page = superuser_client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert system.key_id in html
        assert system.secret not in html


def test_nothing_there_can_be_changed_or_deleted_even_by_a_superuser(
    superuser_client, mail, waiting_event
):
    change = reverse("admin:events_outboxevent_change", args=[waiting_event.pk])
    response = superuser_client.post(change, {"kind": "forged", "published_at": "2026-01-01"})
    assert response.status_code == 403
    waiting_event.refresh_from_db()
    assert waiting_event.kind == "call.queued" and waiting_event.published_at is None
    delete = reverse("admin:outgoing_mail_outgoingemail_delete", args=[mail.pk])
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    assert OutgoingEmail.objects.filter(pk=mail.pk).exists()
    cjg = PartnerOrganisation.objects.get(slug="cjg-den-haag")
    partner_api_key_issue(organisation=cjg)
    add = reverse("admin:handover_partnerorganisation_add")
    assert superuser_client.get(add).status_code == 403


def test_a_teamleider_on_the_admin_sees_mail_and_outbox_but_not_the_partner_keys(
    teamleider_client, mail, waiting_event, caplog
):
    assert (
        teamleider_client.get(reverse("admin:outgoing_mail_outgoingemail_changelist")).status_code
        == 200
    )
    assert teamleider_client.get(reverse("admin:events_outboxevent_changelist")).status_code == 200
    with caplog.at_level(logging.WARNING, logger="veiligthuis.security"):
        refused = teamleider_client.get(reverse("admin:handover_partnerorganisation_changelist"))
    assert refused.status_code == 403
    assert any(
        "access refused" in record.getMessage()
        and "admin handover.partnerorganisation" in record.getMessage()
        for record in caplog.records
    )
    index = teamleider_client.get(reverse("admin:index")).content.decode()
    assert "partnerorganisatie" not in index.lower()


def test_an_operator_on_the_admin_is_refused_and_the_refusal_is_logged(
    operator_staff_client, mail, waiting_event, caplog
):
    with caplog.at_level(logging.WARNING, logger="veiligthuis.security"):
        for url in (
            reverse("admin:outgoing_mail_outgoingemail_changelist"),
            reverse("admin:outgoing_mail_outgoingemail_change", args=[mail.pk]),
            reverse("admin:events_outboxevent_changelist"),
            reverse("admin:handover_partnerorganisation_changelist"),
        ):
            response = operator_staff_client.get(url)
            assert response.status_code == 403
            assert "voorbeeld.nl" not in response.content.decode()
    refusals = [r.getMessage() for r in caplog.records if "access refused" in r.getMessage()]
    assert len(refusals) == 4
    assert all("role=operator" in line for line in refusals)


def test_staff_outside_the_admin_are_sent_to_its_login(supervisor_client, mail):
    response = supervisor_client.get(reverse("admin:outgoing_mail_outgoingemail_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_first_superuser_is_made_with_createstaff_and_opens_the_admin_with_2fa(mail):
    call_command(
        "createstaff",
        "--role",
        "supervisor",
        "--username",
        "beheer",
        "--admin",
        "superuser",
        "--no-qr",
        stdout=io.StringIO(),
    )
    user = User.objects.get(username="beheer")
    assert user.is_staff and user.is_superuser
    # Without the second factor the admin stays shut.
    half = Client()
    half.force_login(user)
    assert half.get(reverse("admin:outgoing_mail_outgoingemail_changelist")).status_code == 302
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    full = log_in_fully(Client(), user)
    assert full.get(reverse("admin:handover_partnerorganisation_changelist")).status_code == 200
