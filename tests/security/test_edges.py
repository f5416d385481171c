"""Attack replays at the input and request edges: each of these was a finding first.

Region of a take, the client address a socket logs, odd input that used to end in a 500,
the quick exit's cookies, the public form's rate limit for IPv6, and the partner inbox
telling "not yours" apart from "not there".
"""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.test import Client
from django.urls import reverse

from accounts import roles
from accounts.models import User
from handover.models import PartnerOrganisation
from hotline.models import Call, CallState
from privacy.models import AccessLogEntry
from tests.conftest import log_in_fully, make_staff
from tests.handover.conftest import bystander_contact, decided_case, handed_over, make_partner
from tests.handover.test_partner_api import PartnerSystem
from tests.hotline.conftest import TwilioSays, call_params, new_sid
from tests.melden.helpers import fill_steps, reporter, step_url

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def twilio(db: None) -> TwilioSays:
    return TwilioSays(Client())


def operator_of(region: str, username: str) -> User:
    user = make_staff(username, roles.OPERATOR, team=f"Team {region}")
    user.region = region
    user.save(update_fields=["region"])
    return user


# --- (6) an operator takes only calls this deployment serves -----------------------------


def test_an_operator_of_another_region_cannot_take_next(twilio: TwilioSays) -> None:
    call = twilio.queued_call()
    outsider = log_in_fully(Client(), operator_of("utrecht", "ulrike"))
    response = outsider.post(reverse("hotline:take_next"))
    assert response.status_code == 403
    call.refresh_from_db()
    assert call.state == CallState.QUEUED and call.operator is None
    assert AccessLogEntry.objects.filter(allowed=False, target_type="page").exists()


def test_an_operator_of_another_region_cannot_take_a_call(twilio: TwilioSays) -> None:
    call = twilio.queued_call()
    outsider = log_in_fully(Client(), operator_of("utrecht", "ulrike"))
    response = outsider.post(reverse("hotline:take_call", args=[call.pk]))
    assert response.status_code == 403
    call.refresh_from_db()
    assert call.state == CallState.QUEUED and call.operator is None


def test_a_call_of_a_region_without_its_own_number_served_here_can_be_taken(
    twilio: TwilioSays, settings: Any
) -> None:
    # This deployment serves Hollands Midden; Haaglanden has no number of its own in the
    # region data, so a Den Haag caller is answered here and waits in our queue.
    settings.VT_REGION = "hollands-midden"
    first, second = twilio.queued_call(), twilio.queued_call()
    assert {first.region, second.region} == {"haaglanden"}
    ours = log_in_fully(Client(), operator_of("hollands-midden", "hanna"))
    assert ours.post(reverse("hotline:take_next")).json()["call"]["call_id"] == first.pk
    colleague = log_in_fully(Client(), operator_of("hollands-midden", "hidde"))
    response = colleague.post(reverse("hotline:take_call", args=[second.pk]))
    assert response.status_code == 200
    assert set(Call.objects.values_list("state", flat=True)) == {CallState.TAKEN}
    # An operator of the caller's own region (not the one serving it here) may not.
    third = twilio.queued_call()
    theirs = log_in_fully(Client(), operator_of("haaglanden", "hugo"))
    assert theirs.post(reverse("hotline:take_call", args=[third.pk])).status_code == 403


def test_a_caller_served_here_from_a_region_without_a_number_shows_on_the_dashboard(
    twilio: TwilioSays, settings: Any
) -> None:
    # Whoever may take the call must see it: the snapshot follows the same rule.
    from dashboard.views import dashboard_snapshot

    settings.VT_REGION = "hollands-midden"
    waiting = twilio.queued_call()
    assert waiting.region == "haaglanden"
    ours = operator_of("hollands-midden", "hester")
    theirs = operator_of("haaglanden", "henk")
    assert [c["call_id"] for c in dashboard_snapshot(user=ours)["calls"]] == [waiting.pk]
    assert dashboard_snapshot(user=theirs)["calls"] == []


# --- (7) one client-address rule for HTTP and sockets ------------------------------------


def _refused_socket(client: list[Any], forwarded: bytes) -> AccessLogEntry:
    """A socket of a known user without a live session: refused, with an access-log row
    (a stranger gets only a rate-limited security line, privacy.strangers)."""
    from dashboard.consumers import _admit

    user = User.objects.filter(username="sofie").first() or make_staff("sofie", roles.OPERATOR)
    scope = {
        "type": "websocket",
        "user": user,
        "session": None,
        "client": client,
        "headers": [(b"host", b"testserver"), (b"x-forwarded-for", forwarded)],
    }
    reason = _admit(scope)[0]
    assert reason == "not logged in"
    return AccessLogEntry.objects.filter(target_id="ws:dashboard").latest("pk")


def test_a_forwarded_address_from_an_untrusted_peer_is_not_logged_for_a_socket(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="veiligthuis.security")
    settings.TRUSTED_PROXY_COUNT = 0
    entry = _refused_socket(["198.51.100.7", 40000], b"6.6.6.6")
    assert entry.ip_address == "198.51.100.7"
    # Behind one proxy: the proxy appended the real client; what the client wrote before
    # it (6.6.6.6) is theirs to invent.
    settings.TRUSTED_PROXY_COUNT = 1
    entry = _refused_socket(["10.0.0.2", 40000], b"6.6.6.6, 203.0.113.9")
    assert entry.ip_address == "203.0.113.9"
    assert "6.6.6.6" not in caplog.text
    assert not AccessLogEntry.objects.filter(ip_address="6.6.6.6").exists()
    # Daphne's --proxy-headers would replace the peer with the FIRST forwarded address,
    # the one the client invents: our own rule must be the only one.
    for name in ("Dockerfile", "docker-compose.yml"):
        assert "--proxy-headers" not in (ROOT / name).read_text(), name


# --- (8) odd input gets 400, never 500 ---------------------------------------------------


def test_a_huge_sequence_number_gets_400_not_500(twilio: TwilioSays) -> None:
    call = twilio.queued_call()
    for odd in ("99999999999999999999", "2147483648", "²", "-1", "1e3"):
        response = twilio.post(
            "/hotline/twilio/status/",
            call_params(call.sid, CallStatus="ringing", SequenceNumber=odd),
        )
        assert response.status_code == 400, odd
        assert "SequenceNumber" in response.content.decode()
        assert response["Content-Security-Policy"]
    call.refresh_from_db()
    assert call.twilio_sequence == -1
    ok = twilio.post(
        "/hotline/twilio/status/",
        call_params(call.sid, CallStatus="ringing", SequenceNumber="2147483647"),
    )
    assert ok.status_code == 204
    # Our own ids in the webhook URLs are ASCII digits of a sane length too.
    for odd in ("%C2%B2", "9" * 5000):
        connect = twilio.post(f"/hotline/twilio/connect/?call={odd}", call_params(call.sid))
        assert connect.status_code == 400, odd[:10]


def test_an_odd_partner_timestamp_gets_400(operator: User, supervisor: User) -> None:
    case = decided_case(operator, supervisor, "handover_local", contact=bystander_contact())
    handover = handed_over(case, operator)
    system = PartnerSystem(PartnerOrganisation.objects.get(slug="cjg-den-haag"))
    for odd in ("²", "9" * 5000, "\uff11\uff17" + "\uff10" * 8, " 1700000000", "-1"):
        response = system.get(timestamp=odd)
        assert response.status_code == 400, odd[:20]
        assert "timestamp" in response.json()["error"]
        assert response["Content-Security-Policy"]
    nonce = system.get(nonce="n" * 15 + "\u00e9")
    assert nonce.status_code == 400
    key = system.post(
        f"/api/partner/v1/handovers/{handover.pk}/accept",
        {},
        idempotency_key="k\x00" + secrets.token_hex(4),
    )
    assert key.status_code == 400
    assert system.get().status_code == 200


@pytest.mark.parametrize(
    "sid",
    [
        "CA" + "a" * 5000,
        "CA" + "a" * 31 + "\x00",
        "CA\x00" + "a" * 31,
        "CA" + "A" * 32,
        "xx" + "a" * 32,
        "CA" + "a" * 32 + "\n",
    ],
    ids=["long", "nul-at-end", "nul-inside", "upper-case", "no-prefix", "newline"],
)
def test_a_long_or_nul_call_sid_gets_400(twilio: TwilioSays, sid: str) -> None:
    for path in ("/hotline/twilio/voice/", "/hotline/twilio/status/", "/hotline/twilio/wait/"):
        response = twilio.post(path, call_params(sid, CallStatus="ringing"))
        assert response.status_code == 400, path
        assert "CallSid" in response.content.decode()
    assert not Call.objects.exists()
    # Every other stored field is bounded too.
    good = new_sid()
    for field, odd in [
        ("From", "+31" + "7" * 5000),
        ("From", "+3170\x001234567"),
        ("To", "x" * 200),
        ("AccountSid", "AC" + "0" * 5000),
        ("Digits", "1" * 500),
        ("QueuePosition", "9" * 50),
        ("QueueTime", "²"),
    ]:
        response = twilio.post("/hotline/twilio/voice/", call_params(good, **{field: odd}))
        assert response.status_code == 400, (field, odd[:10])
        assert field in response.content.decode()
    assert not Call.objects.exists()
    assert twilio.voice(good).status_code == 200


def test_the_fallback_still_answers_a_caller_whatever_the_fields_say(twilio: TwilioSays) -> None:
    # The fallback stores nothing and is the caller's last line: no field may keep a
    # caller from the backup number.
    response = twilio.post("/hotline/twilio/fallback/", call_params("CA" + "a" * 5000))
    assert response.status_code == 200
    assert "<Response>" in response.content.decode()


def _asgi_get(path: str) -> dict[str, Any]:
    """GET through the ASGI application as Daphne runs it (static files included)."""
    from config.asgi import application

    async def get() -> dict[str, Any]:
        scope = {
            "type": "http",
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": unquote(path),
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": [(b"host", b"testserver")],
            "client": ["127.0.0.1", 50000],
            "server": ["testserver", 80],
        }
        communicator = ApplicationCommunicator(application, scope)
        await communicator.send_input({"type": "http.request", "body": b""})
        start = await communicator.receive_output(5)
        body = b""
        while True:
            message = await communicator.receive_output(5)
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        return {"status": start["status"], "headers": start["headers"], "body": body}

    return async_to_sync(get)()


@pytest.mark.parametrize(
    "path",
    [
        "/static/..%2f..%2f.dev-secrets.json",
        "/static/../../.dev-secrets.json",
        "/static/%2e%2e/%2e%2e/pyproject.toml",
        "/static/css/no-such-file.css",
        "/static/x%00y.css",
    ],
)
def test_a_static_traversal_attempt_answers_with_the_security_headers(path: str) -> None:
    response = _asgi_get(path)
    assert response["status"] in {400, 404}
    headers = {name.decode().lower(): value.decode() for name, value in response["headers"]}
    assert headers["content-security-policy"].startswith("default-src 'self'")
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert "referrer-policy" in headers
    assert "set-cookie" not in headers
    assert b"SECRET" not in response["body"].upper()


def test_a_real_static_file_is_served_with_the_security_headers_too() -> None:
    response = _asgi_get("/static/js/quick_exit.js")
    assert response["status"] == 200
    headers = {name.decode().lower(): value.decode() for name, value in response["headers"]}
    assert headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in headers


# --- (9) quick exit, IPv6 rate limit, partner inbox ---------------------------------------


def test_quick_exit_clears_every_cookie(settings: Any) -> None:
    # Not about the rate limit: the other form tests from 127.0.0.1 share its hourly count.
    settings.ONLINE_REPORT_POSTS_PER_HOUR = 1_000_000
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/melden/"})
    client.get(step_url(1))
    fill_steps(client, 1)
    set_before = set(client.cookies.keys())
    assert {settings.SESSION_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME} <= set_before
    client.cookies[settings.CSRF_COOKIE_NAME] = "x" * 32
    client.cookies["messages"] = "leftover"
    response = client.post("/melden/snel-weg/")
    assert response.status_code == 204
    for name in {
        settings.SESSION_COOKIE_NAME,
        settings.CSRF_COOKIE_NAME,
        settings.LANGUAGE_COOKIE_NAME,
        "messages",
    }:
        cookie = response.cookies.get(name)
        assert cookie is not None, name
        assert cookie.value == "" and str(cookie["max-age"]) == "0", name
    assert '"cookies"' in response["Clear-Site-Data"]
    assert '"storage"' in response["Clear-Site-Data"]
    assert '"cache"' in response["Clear-Site-Data"]


def test_ipv6_addresses_in_one_64_share_a_rate_limit(settings: Any) -> None:
    settings.ONLINE_REPORT_POSTS_PER_HOUR = 2
    prefix = f"2001:db8:{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"
    for host in ("::1", ":ffff:1:2:3"):
        client = Client(REMOTE_ADDR=f"{prefix}{host}")
        assert client.post(step_url(1), reporter(name="")).status_code == 400
    another_in_the_64 = Client(REMOTE_ADDR=f"{prefix}:abcd:ef01:2345:6789")
    assert another_in_the_64.post(step_url(1), reporter(name="")).status_code == 429
    next_64 = f"2001:db8:{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}::1"
    assert Client(REMOTE_ADDR=next_64).post(step_url(1), reporter(name="")).status_code == 400
    # IPv4 is still counted per address.
    v4 = f"198.51.100.{uuid.uuid4().int % 250 + 1}"
    assert Client(REMOTE_ADDR=v4).post(step_url(1), reporter(name="")).status_code in {400, 429}


def without_token_and_path(html: bytes) -> bytes:
    """A page without its CSRF token (masked anew for every response), the language
    switch's return path (the URL asked for, which holds the id) and the idle clock's
    seconds left (a second may pass between the two requests)."""
    html = re.sub(rb'name="(csrfmiddlewaretoken|next)" value="[^"]*"', b"", html)
    return re.sub(rb'data-idle-seconds="\d+"', b"", html)


def test_the_partner_inbox_answers_the_same_for_not_yours_and_not_found(
    operator: User, supervisor: User, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="veiligthuis.security")
    jbw_client = log_in_fully(Client(), make_partner("jan", "jeugdbescherming-west"))
    case = decided_case(operator, supervisor, "handover_local", contact=bystander_contact())
    handover = handed_over(case, operator, "cjg-den-haag")
    missing = handover.pk + 1000
    for name, extra in [
        ("partner:handover", {}),
        ("partner:accept", {}),
        ("partner:reject", {"reason": "Nee"}),
    ]:
        send = jbw_client.get if name == "partner:handover" else jbw_client.post
        not_yours = send(reverse(name, args=[handover.pk]), extra)
        not_found = send(reverse(name, args=[missing]), extra)
        assert not_yours.status_code == not_found.status_code == 404, name
        assert without_token_and_path(not_yours.content) == without_token_and_path(
            not_found.content
        ), name
    # Still on record: the refusal of another organisation's handover, with a security line.
    assert (
        AccessLogEntry.objects.filter(
            target_type="handover.handover", target_id=str(handover.pk), allowed=False
        ).count()
        == 3
    )
    assert "handover of another organisation" in caplog.text
    handover.refresh_from_db()
    assert handover.status == handover.Status.PENDING
