"""Signed Twilio requests, and a local server that answers as Twilio's REST API does."""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.conf import settings
from django.test import Client
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "a" * 32
DEN_HAAG_LANDLINE = "+31701234567"
ROTTERDAM_LANDLINE = "+31101234567"
MOBILE = "+31612345678"

_sids = itertools.count(1)


def new_sid() -> str:
    return f"CA{next(_sids):032x}"


def sign(url: str, params: dict[str, str], token: str | None = None) -> str:
    return RequestValidator(token or settings.TWILIO_AUTH_TOKEN).compute_signature(url, params)


def call_params(sid: str, **extra: str) -> dict[str, str]:
    """What Twilio posts about a call to 0800-2000 (the fields we use, and a few more)."""
    params = {
        "CallSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": DEN_HAAG_LANDLINE,
        "To": "+318002000",
        "Direction": "inbound",
        "CallStatus": "in-progress",
        "ApiVersion": "2010-04-01",
    }
    params.update(extra)
    return params


class TwilioSays:
    """Posts to our webhooks the way Twilio does: form-encoded, signed over the public URL."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def post(
        self,
        path: str,
        params: dict[str, str],
        *,
        signature: str | None = None,
        signed_url: str | None = None,
        **headers: Any,
    ) -> Any:
        if signature is None:
            signature = sign(signed_url or settings.PUBLIC_BASE_URL + path, params)
        return self.client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature, **headers)

    # The steps of a call, by name.
    def voice(self, sid: str, **extra: str) -> Any:
        return self.post("/hotline/twilio/voice/", call_params(sid, **extra))

    def menu(self, sid: str, step: str, digits: str) -> Any:
        return self.post(f"/hotline/twilio/menu/?step={step}", call_params(sid, Digits=digits))

    def wait(self, sid: str, position: int = 1, *, step: str = "", digits: str = "") -> Any:
        params = call_params(sid, QueuePosition=str(position), QueueTime="10", QueueSid="QU1")
        if digits:
            params["Digits"] = digits
        path = "/hotline/twilio/wait/" + (f"?step={step}" if step else "")
        return self.post(path, params)

    def queue_result(self, sid: str, result: str) -> Any:
        return self.post(
            "/hotline/twilio/queue-result/", call_params(sid, QueueResult=result, QueueTime="30")
        )

    def status(self, sid: str, status: str, sequence: int | None) -> Any:
        params = call_params(sid, CallStatus=status)
        if sequence is not None:
            params["SequenceNumber"] = str(sequence)
        return self.post("/hotline/twilio/status/", params)

    def connect(self, sid: str, call_id: int, **extra: str) -> Any:
        query = f"?call={call_id}" + "".join(f"&{k}={v}" for k, v in extra.items() if k == "step")
        params = call_params(sid, **{k: v for k, v in extra.items() if k != "step"})
        return self.post(f"/hotline/twilio/connect/{query}", params)

    def queued_call(self, sid: str | None = None, *, role_key: str = "1", acute: bool = False):
        """A Den Haag caller who went through the menu and now waits."""
        from hotline.models import Call

        sid = sid or new_sid()
        assert self.voice(sid).status_code == 200
        assert self.menu(sid, "role", role_key).status_code == 200
        assert self.menu(sid, "acute", "1" if acute else "2").status_code == 200
        return Call.objects.get(sid=sid)


@pytest.fixture
def twilio(db) -> TwilioSays:
    return TwilioSays(Client())


# --- a local stand-in for api.twilio.com --------------------------------------------


@dataclass
class FakeTwilioApi:
    url: str = ""
    mode: str = "ok"  # ok | error | hang | reject
    hang_seconds: float = 3.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    # What Twilio knows about one call, by SID, over `mode`: a status word ("completed",
    # "canceled", "in-progress", ...) as a fetch reports it (a redirect of a call not in
    # progress is refused with 400, code 21220), "missing" (404, code 20404), or "error"
    # (500) and "hang" for that call only.
    calls: dict[str, str] = field(default_factory=dict)


CALL_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC\w+)/Calls/(?P<sid>CA\w+)\.json$")
# calls.create: a new outbound call (safe callbacks).
CALLS_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC\w+)/Calls\.json$")


def _handler_for(fake: FakeTwilioApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            try:
                self.wfile.write(data)
            except BrokenPipeError:
                pass  # the client gave up waiting: that is what "hang" tests

        def _call_resource(self, account: str, sid: str, status: str) -> dict[str, Any]:
            return {
                "sid": sid,
                "account_sid": account,
                "status": status,
                "direction": "inbound",
                "api_version": "2010-04-01",
                "uri": f"/2010-04-01/Accounts/{account}/Calls/{sid}.json",
            }

        def _answer_for_one_call(self, method: str, account: str, sid: str) -> bool:
            """Answer as Twilio does about a call listed in `fake.calls`; False if unlisted."""
            known = fake.calls.get(sid)
            if known is None:
                return False
            if known == "hang":
                time.sleep(fake.hang_seconds)
                return True
            if known == "error":
                self._send(500, {"code": 20500, "message": "Internal error", "status": 500})
            elif known == "missing":
                self._send(
                    404,
                    {
                        "code": 20404,
                        "message": f"The requested resource /Calls/{sid}.json was not found",
                        "more_info": "https://www.twilio.com/docs/errors/20404",
                        "status": 404,
                    },
                )
            elif method == "POST" and known not in {"in-progress", "queued", "ringing"}:
                self._send(
                    400,
                    {
                        "code": 21220,
                        "message": "Unable to update record. Call is not in-progress. "
                        "Cannot redirect.",
                        "more_info": "https://www.twilio.com/docs/errors/21220",
                        "status": 400,
                    },
                )
            else:
                self._send(200, self._call_resource(account, sid, known))
            return True

        def do_GET(self) -> None:
            fake.requests.append(
                {"method": "GET", "path": self.path, "auth": self.headers.get("Authorization")}
            )
            match = CALL_PATH.match(self.path.split("?")[0])
            if not match:
                self._send(404, {"code": 20404, "message": "not found", "status": 404})
                return
            if self._answer_for_one_call("GET", match["account"], match["sid"]):
                return
            if fake.mode == "hang":
                time.sleep(fake.hang_seconds)
                return
            if fake.mode == "error":
                self._send(500, {"code": 20500, "message": "Internal error", "status": 500})
                return
            self._send(200, self._call_resource(match["account"], match["sid"], "in-progress"))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            fake.requests.append(
                {"path": self.path, "form": form, "auth": self.headers.get("Authorization")}
            )
            match = CALL_PATH.match(self.path)
            created = CALLS_PATH.match(self.path)
            if match and self._answer_for_one_call("POST", match["account"], match["sid"]):
                return
            if created and fake.mode == "ok":
                account, sid = created["account"], new_sid()
                # Twilio echoes the numbers back: the response must not reach a log either.
                self._send(
                    201,
                    {
                        "sid": sid,
                        "account_sid": account,
                        "to": form.get("To", ""),
                        "from": form.get("From", ""),
                        "status": "queued",
                        "direction": "outbound-api",
                        "api_version": "2010-04-01",
                        "uri": f"/2010-04-01/Accounts/{account}/Calls/{sid}.json",
                    },
                )
                return
            match = match or created
            if not match:
                self._send(404, {"code": 20404, "message": "not found", "status": 404})
                return
            if fake.mode == "hang":
                time.sleep(fake.hang_seconds)
                if created:
                    return  # the client gave up long ago
            if fake.mode == "reject":
                # Twilio's 400 for a number it cannot ring quotes the number.
                self._send(
                    400,
                    {
                        "code": 21211,
                        "message": f"Invalid 'To' Phone Number: {form.get('To', '')}",
                        "more_info": "https://www.twilio.com/docs/errors/21211",
                        "status": 400,
                    },
                )
                return
            if fake.mode == "error":
                self._send(
                    500,
                    {
                        "code": 20500,
                        "message": "An internal server error has occurred",
                        "more_info": "https://www.twilio.com/docs/errors/20500",
                        "status": 500,
                    },
                )
                return
            account, sid = match["account"], match["sid"]
            self._send(
                200,
                {
                    "sid": sid,
                    "account_sid": account,
                    "status": "in-progress",
                    "direction": "inbound",
                    "api_version": "2010-04-01",
                    "uri": f"/2010-04-01/Accounts/{account}/Calls/{sid}.json",
                },
            )

    return Handler


@contextmanager
def fake_twilio_api_running(settings) -> Iterator[FakeTwilioApi]:
    """The local stand-in, with `settings` pointing our REST client at it (the fixture
    below; tests outside tests/hotline use this directly)."""
    fake = FakeTwilioApi()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_API_KEY_SID = "SK" + "b" * 32
    settings.TWILIO_API_KEY_SECRET = "api-key-secret"
    settings.TWILIO_API_BASE_URL = fake.url
    settings.TWILIO_REST_TIMEOUT_SECONDS = 1.0
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def fake_twilio_api(settings) -> Iterator[FakeTwilioApi]:
    with fake_twilio_api_running(settings) as fake:
        yield fake
