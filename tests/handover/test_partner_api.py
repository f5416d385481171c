"""The partner API: HMAC-signed per organisation, fresh, never replayed, idempotent."""

from __future__ import annotations

import datetime
import json
import secrets
import time

import pytest
from django.test import Client

from cases.codes import Decision
from cases.models import State
from handover.models import Handover, PartnerOrganisation
from handover.services import partner_api_key_issue
from handover.signing import sign
from privacy.models import AccessLogEntry
from tests.handover.conftest import bystander_contact, decided_case, handed_over

pytestmark = pytest.mark.django_db

API = "/api/partner/v1/handovers/"


class PartnerSystem:
    """A partner's system: signs its requests the way the README describes."""

    def __init__(self, organisation: PartnerOrganisation) -> None:
        self.key_id, self.secret = partner_api_key_issue(organisation=organisation)
        self.client = Client()

    def headers(self, method, path, body=b"", *, timestamp=None, nonce=None, secret=None):
        timestamp = str(int(time.time()) if timestamp is None else timestamp)
        nonce = nonce or secrets.token_hex(16)
        signature = sign(secret or self.secret, method, path, timestamp, nonce, body)
        return {
            "X-VT-Key-Id": self.key_id,
            "X-VT-Timestamp": timestamp,
            "X-VT-Nonce": nonce,
            "X-VT-Signature": signature,
        }

    def get(self, path=API, **signing):
        return self.client.get(path, headers=self.headers("GET", path, **signing))

    def post(self, path, data=None, *, idempotency_key=None, raw=None, **signing):
        body = raw if raw is not None else json.dumps(data or {}).encode()
        headers = self.headers("POST", path, body, **signing)
        headers["Idempotency-Key"] = idempotency_key or secrets.token_hex(8)
        return self.client.post(path, body, content_type="application/json", headers=headers)


@pytest.fixture
def cjg_system(cjg) -> PartnerSystem:
    return PartnerSystem(cjg)


@pytest.fixture
def jbw_system(jbw) -> PartnerSystem:
    return PartnerSystem(jbw)


@pytest.fixture
def handover(operator, supervisor) -> Handover:
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL, contact=bystander_contact())
    return handed_over(case, operator, "cjg-den-haag")


def accept_path(handover: Handover) -> str:
    return f"{API}{handover.pk}/accept"


def reject_path(handover: Handover) -> str:
    return f"{API}{handover.pk}/reject"


def api_refusals():
    return AccessLogEntry.objects.filter(allowed=False, role="partner-api")


def refused_as_stranger(caplog, reason: str) -> bool:
    """A request that proves no partner's identity: a security-log line, no access-log row
    (privacy.strangers; tests/security/test_strangers.py)."""
    lines = [r.getMessage() for r in caplog.records if r.name == "veiligthuis.security"]
    return any(reason in line for line in lines) and not api_refusals().exists()


# --- it works -----------------------------------------------------------------------------


def test_a_partner_system_lists_its_open_handovers_with_the_package(cjg_system, handover):
    response = cjg_system.get()
    assert response.status_code == 200, response.content
    rows = response.json()["handovers"]
    assert [row["id"] for row in rows] == [handover.pk]
    assert rows[0]["package"]["safety_conditions"][0].startswith("Geen geweld")
    assert "Henk Buurman" not in response.content.decode()
    assert AccessLogEntry.objects.filter(
        role="partner-api", on_behalf_of="cjg-den-haag", allowed=True, action="view"
    ).exists()


def test_a_partner_system_accepts_a_handover(cjg_system, handover):
    response = cjg_system.post(accept_path(handover))
    assert response.status_code == 200, response.content
    assert response.json() == {"id": handover.pk, "status": "accepted"}
    handover.refresh_from_db()
    handover.case.refresh_from_db()
    assert handover.decided_via == "api"
    assert handover.case.state == State.MONITORING


def test_a_partner_system_rejects_a_handover_and_the_case_returns_to_decision(cjg_system, handover):
    response = cjg_system.post(reject_path(handover), {"reason": "Geen passend aanbod."})
    assert response.status_code == 200, response.content
    handover.case.refresh_from_db()
    assert handover.case.state == State.DECISION


def test_the_path_with_its_query_string_is_what_is_signed(cjg_system, handover):
    response = cjg_system.get(f"{API}?status=all")
    assert response.status_code == 200
    assert len(response.json()["handovers"]) == 1


# --- bad input ------------------------------------------------------------------------------


def test_a_rejection_without_a_reason_is_refused_naming_the_field(cjg_system, handover):
    response = cjg_system.post(reject_path(handover), {"reason": ""})
    assert response.status_code == 400
    assert response.json()["field"] == "reason"
    handover.refresh_from_db()
    assert handover.status == Handover.Status.PENDING


def test_a_body_that_is_not_json_is_refused(cjg_system, handover):
    response = cjg_system.post(reject_path(handover), raw=b"reason=nee")
    assert response.status_code == 400
    handover.refresh_from_db()
    assert handover.status == Handover.Status.PENDING


def test_a_write_without_an_idempotency_key_is_refused(cjg_system, handover):
    body = b"{}"
    headers = cjg_system.headers("POST", accept_path(handover), body)
    response = cjg_system.client.post(
        accept_path(handover), body, content_type="application/json", headers=headers
    )
    assert response.status_code == 400
    handover.refresh_from_db()
    assert handover.status == Handover.Status.PENDING


def test_accepting_a_handover_that_was_already_decided_is_a_conflict(cjg_system, handover):
    cjg_system.post(accept_path(handover))
    response = cjg_system.post(reject_path(handover), {"reason": "Toch niet."})
    assert response.status_code == 409


# --- the wrong organisation, forged, replayed or stale --------------------------------------


def test_a_partner_system_does_not_see_another_organisations_handovers(jbw_system, handover):
    response = jbw_system.get(f"{API}?status=all")
    assert response.status_code == 200
    assert response.json()["handovers"] == []


def test_a_partner_system_cannot_accept_another_organisations_handover_and_it_is_logged(
    jbw_system, handover, caplog
):
    response = jbw_system.post(accept_path(handover))
    assert response.status_code == 404
    handover.refresh_from_db()
    assert handover.status == Handover.Status.PENDING
    refusal = api_refusals().get(target_id=str(handover.pk))
    assert refusal.on_behalf_of == "jeugdbescherming-west"
    assert "another organisation" in refusal.reason
    assert "partner api refused" in caplog.text


def test_a_forged_signature_is_refused_and_logged(cjg_system, handover, caplog):
    response = cjg_system.post(accept_path(handover), secret="not-the-secret")
    assert response.status_code == 401
    handover.refresh_from_db()
    assert handover.status == Handover.Status.PENDING
    assert refused_as_stranger(caplog, "signature does not match")


def test_a_signature_over_another_body_is_refused(cjg_system, handover):
    path = reject_path(handover)
    headers = cjg_system.headers("POST", path, b'{"reason": "A"}')
    headers["Idempotency-Key"] = "k1"
    response = cjg_system.client.post(
        path, b'{"reason": "B"}', content_type="application/json", headers=headers
    )
    assert response.status_code == 401


def test_an_unknown_key_id_is_refused(cjg_system, handover, caplog):
    cjg_system.key_id = "vt_nobody_000000"
    assert cjg_system.get().status_code == 401
    assert refused_as_stranger(caplog, "unknown key id")


def test_a_request_without_signature_headers_is_refused(handover, caplog):
    response = Client().get(API)
    assert response.status_code == 401
    assert refused_as_stranger(caplog, "missing signature headers")


def test_a_replayed_request_is_refused_and_logged(cjg_system, handover, caplog):
    path = accept_path(handover)
    body = b"{}"
    headers = cjg_system.headers("POST", path, body)
    headers["Idempotency-Key"] = "replay-1"
    first = cjg_system.client.post(path, body, content_type="application/json", headers=headers)
    again = cjg_system.client.post(path, body, content_type="application/json", headers=headers)
    assert first.status_code == 200
    assert again.status_code == 401
    assert refused_as_stranger(caplog, "replayed nonce")


def test_a_stale_request_is_refused_and_logged(cjg_system, handover, caplog):
    six_minutes_ago = int(time.time()) - 6 * 60
    response = cjg_system.post(accept_path(handover), timestamp=six_minutes_ago)
    assert response.status_code == 401
    handover.refresh_from_db()
    assert handover.status == Handover.Status.PENDING
    assert refused_as_stranger(caplog, "stale")


def test_a_request_from_the_future_is_refused_too(cjg_system, handover):
    assert cjg_system.get(timestamp=int(time.time()) + 10 * 60).status_code == 401


def test_a_request_within_the_clock_skew_is_accepted(cjg_system, handover):
    assert cjg_system.get(timestamp=int(time.time()) - 4 * 60).status_code == 200


def test_a_rotated_key_stops_the_old_secret(cjg_system, cjg, handover):
    old_secret = cjg_system.secret
    cjg_system.key_id, cjg_system.secret = partner_api_key_issue(organisation=cjg)
    assert cjg_system.get(secret=old_secret).status_code == 401
    assert cjg_system.get().status_code == 200


def test_the_secret_is_stored_encrypted(cjg_system, cjg):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT api_secret FROM routing_partnerorganisation WHERE id = %s", [cjg.pk])
        assert cursor.fetchone()[0] != cjg_system.secret


def test_old_nonces_are_forgotten_once_they_can_no_longer_be_replayed(cjg_system, cjg, handover):
    from handover.models import ApiNonce

    cjg_system.get()
    ApiNonce.objects.update(expires_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    cjg_system.get()
    assert ApiNonce.objects.count() == 1


# --- idempotency ------------------------------------------------------------------------------


def test_a_retry_with_the_same_key_and_body_gets_the_same_answer_and_no_second_effect(
    cjg_system, handover
):
    from events.models import OutboxEvent

    first = cjg_system.post(accept_path(handover), idempotency_key="accept-77")
    retry = cjg_system.post(accept_path(handover), idempotency_key="accept-77")
    assert first.status_code == retry.status_code == 200
    assert first.json() == retry.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert (
        OutboxEvent.objects.filter(kind="case.changed", payload__action="handover_accepted").count()
        == 1
    )


def test_the_same_key_with_another_body_is_a_conflict(cjg_system, handover):
    cjg_system.post(reject_path(handover), {"reason": "A"}, idempotency_key="reject-1")
    response = cjg_system.post(reject_path(handover), {"reason": "B"}, idempotency_key="reject-1")
    assert response.status_code == 409


def test_the_api_needs_no_session_or_csrf_token(cjg_system, handover):
    cjg_system.client = Client(enforce_csrf_checks=True)
    assert cjg_system.post(accept_path(handover)).status_code == 200
