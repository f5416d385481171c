"""The operator's softphone in Chromium: Twilio's real Voice JS SDK, as the page serves it.

Only the SDK's connection to Twilio is replaced: Playwright answers its signalling socket
(wss://voice-js.<edge>.twilio.com/signal) with the messages Twilio's gateway sends (the
protocol of the SDK's lib/twilio/pstream.ts: listen -> connected, register -> ready,
invite, answer, hangup). The caller's side of the call is an RTCPeerConnection in a second
page; the microphone is Chromium's fake device. Everything else is the project: Daphne on
Redis, the token endpoint, the webhooks (signed as Twilio signs them), and a local stand-in
for Twilio's REST API.
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode, urlsplit

import jwt
import pytest
from django.conf import settings
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Response,
    WebSocketRoute,
    expect,
)
from twilio.request_validator import RequestValidator

from accounts.models import User
from hotline.models import Call, CallState
from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS, save_screenshot
from tests.browser.test_dashboard_in_the_browser import (
    DEN_HAAG,
    REDIS_URL,
    DaphneServer,
    database_url_for_the_server,
    free_port,
    log_in,
)
from tests.hotline.conftest import ACCOUNT_SID, FakeTwilioApi, _handler_for, new_sid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

API_KEY_SID = "SK" + "b" * 32
API_KEY_SECRET = "a-softphone-api-key-secret-of-32-bytes-or-more"
TWIML_APP_SID = "AP" + "c" * 32
SIGNALLING = re.compile(r"^wss://voice-js\.[a-z0-9-]+\.twilio\.com/signal$")
# The first token "expires" 11 s after it is handed out: the SDK warns 10 s before, so the
# page has to fetch a new one within the test.
FIRST_TTL_SECONDS = 11


@dataclass
class TwilioSignalling:
    """Twilio's signalling gateway, as far as a registered, answering Device needs it."""

    received: list[dict[str, Any]] = field(default_factory=list)
    identities: list[str] = field(default_factory=list)
    sockets: list[WebSocketRoute] = field(default_factory=list)

    def attach(self, ws: WebSocketRoute) -> None:
        self.sockets.append(ws)
        ws.on_message(lambda message: self.receive(ws, message))

    def receive(self, ws: WebSocketRoute, message: str | bytes) -> None:
        if not isinstance(message, str) or not message.strip():
            return  # the SDK's heartbeat is a bare newline
        msg = json.loads(message)
        self.received.append(msg)
        payload = msg.get("payload") or {}
        if msg["type"] == "listen":
            # Twilio checks the token's signature; so do we.
            claims = jwt.decode(payload["token"], API_KEY_SECRET, algorithms=["HS256"])
            identity = claims["grants"]["identity"]
            self.identities.append(identity)
            ttl = FIRST_TTL_SECONDS if len(self.identities) == 1 else 600
            self.send(
                "connected",
                {"region": "ie1", "edge": "dublin", "token": {"identity": identity, "ttl": ttl}},
                ws,
            )
        elif msg["type"] == "register":
            self.send("ready", {}, ws)

    def send(self, type_: str, payload: dict[str, Any], ws: WebSocketRoute | None = None) -> None:
        (ws or self.sockets[-1]).send(json.dumps({"type": type_, "payload": payload}))

    def of_type(self, type_: str) -> list[dict[str, Any]]:
        return [m["payload"] for m in self.received if m["type"] == type_]


@pytest.fixture(scope="module")
def chromium_with_microphone() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            # A fake microphone; the page still needs the permission (granted per context).
            args=[*CHROMIUM_FLAGS, "--use-fake-device-for-media-stream"],
        )
        yield browser
        browser.close()


@pytest.fixture
def twilio_api() -> Iterator[FakeTwilioApi]:
    fake = FakeTwilioApi()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(fake))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def server(transactional_db, tmp_path, twilio_api) -> Iterator[DaphneServer]:
    """Daphne with a Twilio account configured: the token endpoint hands out real tokens."""
    parts = urlsplit(REDIS_URL)
    try:
        socket.create_connection((parts.hostname, parts.port or 6379), timeout=1).close()
    except OSError:
        pytest.fail(f"The softphone browser test needs Redis at {REDIS_URL}.")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "DJANGO_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url_for_the_server(),
            "REDIS_URL": REDIS_URL,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
            "BLIND_INDEX_KEY": settings.BLIND_INDEX_KEY,
            "CHANNEL_LAYER_ENCRYPTION_KEY": settings.CHANNEL_LAYER_ENCRYPTION_KEY,
            "TWILIO_AUTH_TOKEN": settings.TWILIO_AUTH_TOKEN,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_API_KEY_SID": API_KEY_SID,
            "TWILIO_API_KEY_SECRET": API_KEY_SECRET,
            "TWILIO_TWIML_APP_SID": TWIML_APP_SID,
            "TWILIO_API_BASE_URL": twilio_api.url,
            "LOG_LEVEL": "WARNING",
        }
    )
    daphne = DaphneServer(port, env, tmp_path / "daphne.log")
    daphne.start()
    yield daphne
    daphne.stop()


def operator_page(
    browser: Browser, signalling: TwilioSignalling, *, microphone: bool
) -> tuple[BrowserContext, Page]:
    context = browser.new_context(
        locale="nl-NL",
        viewport={"width": 1280, "height": 900},
        permissions=["microphone"] if microphone else [],
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.route_web_socket(SIGNALLING, signalling.attach)
    # Whatever the SDK loads beyond its socket must come from our own origin.
    page.add_init_script(
        """document.addEventListener("securitypolicyviolation", (e) => {
            (window.cspViolations = window.cspViolations || []).push(e.blockedURI);
        });"""
    )
    return context, page


def caller_offer(context: BrowserContext) -> tuple[Page, str]:
    """The caller's side as Twilio's media server would offer it: one audio stream."""
    caller = context.new_page()
    sdp = caller.evaluate(
        """async () => {
            const pc = new RTCPeerConnection();
            pc.addTransceiver("audio", { direction: "sendrecv" });
            await pc.setLocalDescription(await pc.createOffer());
            await new Promise((resolve) => {
                if (pc.iceGatheringState === "complete") return resolve();
                pc.addEventListener("icegatheringstatechange", () => {
                    if (pc.iceGatheringState === "complete") resolve();
                });
                setTimeout(resolve, 3000);
            });
            window.pc = pc;
            return pc.localDescription.sdp;
        }"""
    )
    return caller, sdp


def invite(signalling: TwilioSignalling, sdp: str, callsid: str) -> None:
    signalling.send(
        "invite",
        {
            "callsid": callsid,
            "sdp": sdp,
            "parameters": {
                "CallSid": callsid,
                "AccountSid": ACCOUNT_SID,
                "To": signalling.identities[-1],
                "From": "+318002000",
            },
        },
    )


def real_call(server: DaphneServer) -> Call:
    """A Den Haag caller through the menu into the queue, on our Twilio account."""
    sid = new_sid()
    params = {"CallSid": sid, "AccountSid": ACCOUNT_SID, "From": DEN_HAAG, "To": "+318002000"}
    server.post_twilio("/hotline/twilio/voice/", params)
    server.post_twilio("/hotline/twilio/menu/?step=role", {**params, "Digits": "1"})
    server.post_twilio("/hotline/twilio/menu/?step=acute", {**params, "Digits": "2"})
    call = Call.objects.get(sid=sid)
    assert not call.simulated
    return call


def status_callback(server: DaphneServer, params: dict[str, str]) -> None:
    """Twilio's status callback, signed; it is answered with 204 No Content."""
    url = f"{server.url}/hotline/twilio/status/"
    signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(url, params)
    request = urllib.request.Request(
        url, data=urlencode(params).encode(), headers={"X-Twilio-Signature": signature}
    )
    with urllib.request.urlopen(request, timeout=15) as response:
        assert response.status == 204


def wait_for(
    page: Page, condition: Callable[[], object], what: str, timeout_ms: int = 10_000
) -> None:
    waited = 0
    while not condition():
        if waited >= timeout_ms:
            pytest.fail(f"waited {timeout_ms} ms for {what}")
        page.wait_for_timeout(100)
        waited += 100


def test_the_softphone_registers_rings_for_the_taken_call_answers_and_hangs_up(
    server: DaphneServer,
    twilio_api: FakeTwilioApi,
    chromium_with_microphone: Browser,
    operator: User,
) -> None:
    signalling = TwilioSignalling()
    context, page = operator_page(chromium_with_microphone, signalling, microphone=True)
    try:
        tokens: list[Response] = []
        page.on(
            "response", lambda r: tokens.append(r) if r.url.endswith("/hotline/token/") else None
        )
        log_in(page, server.url, operator)
        response = page.goto(f"{server.url}/hotline/")
        assert response is not None
        # Only this page may open the SDK's signalling socket to Twilio.
        assert (
            "connect-src 'self' wss://*.twilio.com;" in response.headers["content-security-policy"]
        )

        # The page asked for a token and registered the SDK with it under our client name.
        state = page.locator("#softphone-state")
        expect(state).to_have_text("Telefoon: klaar voor gesprekken")
        assert signalling.identities[0] == f"operator-{operator.pk}"
        assert signalling.of_type("register")
        # The first token runs out: the page fetches another and hands it to the SDK.
        wait_for(page, lambda: len(signalling.identities) >= 2, "a refreshed token")
        assert len(tokens) >= 2
        expect(state).to_have_text("Telefoon: klaar voor gesprekken")

        # A caller waits; the operator takes the call; Twilio's REST API moves it.
        call = real_call(server)
        page.locator(f'#queue li[data-call-id="{call.pk}"] button.take').click()
        expect(page.locator(f'#in-hand [data-call-id="{call.pk}"]')).to_be_visible()
        wait_for(
            page,
            lambda: any(call.sid in r["path"] for r in twilio_api.requests),
            "the REST redirect of the caller",
        )
        # Twilio fetches the bridge, which dials our client, which rings the Device.
        params = {"CallSid": call.sid, "AccountSid": ACCOUNT_SID, "From": DEN_HAAG}
        server.post_twilio(f"/hotline/twilio/connect/?call={call.pk}", params)
        assert Call.objects.get(pk=call.pk).state == CallState.CONNECTED
        caller, offer = caller_offer(context)
        child_sid = new_sid()
        invite(signalling, offer, child_sid)

        # The operator already said "Neem aan": the softphone answers by itself.
        expect(state).to_have_text("Telefoon: in gesprek")
        wait_for(page, lambda: signalling.of_type("answer"), "the SDK's answer")
        answer = signalling.of_type("answer")[0]
        assert answer["callsid"] == child_sid
        assert "m=audio" in answer["sdp"]
        caller.evaluate(
            "sdp => window.pc.setRemoteDescription({type: 'answer', sdp})", answer["sdp"]
        )
        hang_up = page.get_by_role("button", name="Ophangen")
        expect(hang_up).to_be_focused()
        expect(page.locator("#softphone-error")).to_be_hidden()
        save_screenshot(page, "softphone")

        # "Ophangen" from the keyboard ends the call: the SDK tells Twilio.
        page.keyboard.press("Enter")
        wait_for(page, lambda: signalling.of_type("hangup"), "the SDK's hangup")
        assert signalling.of_type("hangup")[0]["callsid"] == child_sid
        expect(state).to_have_text("Telefoon: gesprek beëindigd")
        expect(hang_up).to_be_hidden()
        # Twilio then ends the caller's leg and says so; the call leaves the operator's hands.
        server.post_twilio(
            f"/hotline/twilio/connect/?call={call.pk}&step=after",
            {**params, "DialCallStatus": "completed"},
        )
        status_callback(server, {**params, "CallStatus": "completed", "SequenceNumber": "9"})
        expect(page.locator(f'#in-hand [data-call-id="{call.pk}"]')).to_have_count(0)
        expect(state).to_have_text("Telefoon: klaar voor gesprekken", timeout=10_000)
        assert page.evaluate("window.cspViolations || []") == []
    finally:
        context.close()


def test_a_call_that_was_not_taken_here_waits_for_opnemen_and_a_blocked_microphone_is_said(
    server: DaphneServer, chromium_with_microphone: Browser, operator: User
) -> None:
    signalling = TwilioSignalling()
    context, page = operator_page(chromium_with_microphone, signalling, microphone=False)
    try:
        log_in(page, server.url, operator)
        page.goto(f"{server.url}/hotline/")
        state = page.locator("#softphone-state")
        expect(state).to_have_text("Telefoon: klaar voor gesprekken")

        _caller, offer = caller_offer(context)
        invite(signalling, offer, new_sid())
        expect(state).to_have_text("Telefoon: gaat over")
        answer = page.get_by_role("button", name="Opnemen")
        expect(answer).to_be_focused()
        assert not signalling.of_type("answer")

        page.keyboard.press("Enter")
        expect(page.locator("#softphone-error")).to_have_text(
            re.compile("De browser geeft de microfoon niet vrij")
        )
        # Twilio hears the call was not answered (the caller goes back to the queue).
        wait_for(page, lambda: signalling.of_type("hangup"), "the SDK's hangup")
        assert not signalling.of_type("answer")
        expect(answer).to_be_hidden()
    finally:
        context.close()
