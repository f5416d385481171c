"""Two operators watch the live dashboard in Chromium, served by a real Daphne on Redis.

The server is a separate process on the test's own database (committed data: the test is
transactional), with the channels_redis layer, so it can be stopped and started again
while the pages stay open.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import expect
from twilio.request_validator import RequestValidator

from accounts.navigation import role_home_url
from cases.codes import Channel
from hotline import services
from hotline.models import Call
from hotline.selectors import call_queue
from tests.browser.conftest import save_screenshot
from tests.cases.factories import register_case, victim_contact
from tests.conftest import PASSWORD, code_for
from tests.hotline.conftest import new_sid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/5"
DEN_HAAG = "+31701234567"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# The name on the connections of the servers the tests start, so a fault test can end
# theirs and never the test process's own (tests.faults.conftest.database_outage).
SERVER_APPLICATION_NAME = "vt-test-server"


def database_url_for_the_server(application_name: str = SERVER_APPLICATION_NAME) -> str:
    """The database this test writes to, as a DATABASE_URL for another process."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.postgresql":
        auth = quote(db["USER"] or "")
        if db["PASSWORD"]:
            auth += ":" + quote(db["PASSWORD"])
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        name = quote(str(db["NAME"]))
        return f"postgres://{auth}@{host}/{name}?application_name={quote(application_name)}"
    name = str(db["NAME"])
    if "memory" in name or not name.startswith("/"):
        pytest.fail(
            "The browser dashboard test needs a test database another process can open; "
            f"this one is {name!r} (see DATABASES TEST NAME in config/settings.py)."
        )
    return f"sqlite://{name}"


class DaphneServer:
    """Daphne in its own process group, on a fixed port so it can come back on it."""

    def __init__(self, port: int, env: dict[str, str], log: Path) -> None:
        self.port = port
        self.env = env
        self.log = log
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        daphne = Path(sys.executable).parent / "daphne"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(daphne), "-b", "127.0.0.1", "-p", str(self.port), "config.asgi:application"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"Daphne exited with {self.process.returncode}:\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        self.stop()
        pytest.fail(f"Daphne did not answer /healthz in 30 s:\n{self.tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def tail(self, lines: int = 40) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def post_twilio(self, path: str, params: dict[str, str]) -> None:
        """A webhook as Twilio sends it: form-encoded, signed over the server's public URL."""
        url = self.url + path
        signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(url, params)
        request = urllib.request.Request(
            url,
            data=urlencode(params).encode(),
            headers={"X-Twilio-Signature": signature},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=15) as response:
            assert response.status == 200, response.read()

    def simulate_call(self, *, role_key: str = "1", acute: bool = False) -> Call:
        """A Den Haag caller through the menu into the queue, over HTTP."""
        sid = new_sid()
        params = {"CallSid": sid, "AccountSid": "AC" + "0" * 32, "From": DEN_HAAG}
        params |= {"To": "+318002000", "CallStatus": "in-progress"}
        self.post_twilio("/hotline/twilio/voice/", params)
        self.post_twilio("/hotline/twilio/menu/?step=role", {**params, "Digits": role_key})
        self.post_twilio("/hotline/twilio/menu/?step=acute", {**params, "Digits": "12"[not acute]})
        return Call.objects.get(sid=sid)


@pytest.fixture
def server(transactional_db, tmp_path) -> Iterator[DaphneServer]:
    parts = urlsplit(REDIS_URL)
    try:
        socket.create_connection((parts.hostname, parts.port or 6379), timeout=1).close()
    except OSError:
        pytest.fail(f"The dashboard browser test needs Redis at {REDIS_URL}.")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "DJANGO_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url_for_the_server(),
            "REDIS_URL": REDIS_URL,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # The same secrets as this process: it decrypts what the test wrote, and
            # the test signs webhooks with its Twilio token.
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
            "BLIND_INDEX_KEY": settings.BLIND_INDEX_KEY,
            "CHANNEL_LAYER_ENCRYPTION_KEY": settings.CHANNEL_LAYER_ENCRYPTION_KEY,
            "TWILIO_AUTH_TOKEN": settings.TWILIO_AUTH_TOKEN,
            "LOG_LEVEL": "WARNING",
        }
    )
    daphne = DaphneServer(port, env, tmp_path / "daphne.log")
    daphne.start()
    yield daphne
    daphne.stop()


def log_in(page, base_url: str, user) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill(user.username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Verder").click()
    page.get_by_label("Code uit je authenticator-app").fill(code_for(user))
    page.get_by_role("button", name="Inloggen").click()
    # The login lands on the role's own home (operators on the dashboard).
    page.wait_for_url(f"{base_url}{role_home_url(user)}")


def queued_ids(page) -> list[int]:
    return [
        int(i) for i in page.locator("#queue li").evaluate_all("l => l.map(e => e.dataset.callId)")
    ]


def test_two_operators_see_calls_arrive_and_leave_and_resync_after_a_server_restart(
    server, chromium, operator, other_operator, supervisor
):
    contexts = [
        chromium.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
        for _ in range(2)
    ]
    try:
        page_a, page_b = (context.new_page() for context in contexts)
        for page, user in ((page_a, operator), (page_b, other_operator)):
            page.set_default_timeout(10_000)
            log_in(page, server.url, user)
            page.goto(f"{server.url}/hotline/")
            expect(page.locator("#connection")).to_have_text("Live")

        # A call comes in: both queues show it within a second of the webhook's answer.
        call = server.simulate_call()
        row = f'#queue li[data-call-id="{call.pk}"]'
        for page in (page_a, page_b):
            expect(page.locator(row)).to_be_visible(timeout=1000)
            expect(page.locator(row)).to_contain_text("slachtoffer")

        # Olga takes it: it leaves Otto's queue within a second, and is in Olga's hands.
        page_a.locator(f'#queue li[data-call-id="{call.pk}"] button.take').click()
        expect(page_b.locator(row)).to_have_count(0, timeout=1000)
        expect(page_a.locator(row)).to_have_count(0, timeout=1000)
        expect(page_a.locator(f'#in-hand [data-call-id="{call.pk}"]')).to_be_visible()
        expect(page_b.locator('#operators [data-username="olga"]')).to_contain_text("in gesprek")
        # Otto is too late for the same call and is told so.
        status = page_b.evaluate(
            """async (id) => (await fetch(`/hotline/calls/${id}/take/`, {method: "POST",
                headers: {"X-CSRFToken": document.querySelector("[name=csrfmiddlewaretoken]").value}
            })).status""",
            call.pk,
        )
        assert status == 409

        # The server goes away; while it is down the state changes behind the pages' backs.
        for page in (page_a, page_b):
            page.evaluate("window.stillTheSamePage = true")
        server.stop()
        for page in (page_a, page_b):
            expect(page.locator("#connection")).not_to_have_text("Live", timeout=5000)
        waiting = services.call_enqueue(
            call=services.call_role_choose(
                call=services.call_receive(sid=new_sid(), from_number=DEN_HAAG, account_sid="")[0],
                role="child",
            ),
            acute=True,
        )
        case = register_case(supervisor, contact=victim_contact(channel=Channel.ONLINE), acute=True)
        server.start()

        # Both pages come back by themselves, to the same state as the database.
        expected = list(call_queue().values_list("pk", flat=True))
        assert waiting.pk in expected and call.pk not in expected
        for page in (page_a, page_b):
            expect(page.locator("#connection")).to_have_text("Live", timeout=15_000)
            expect(page.locator(f'#queue li[data-call-id="{waiting.pk}"]')).to_be_visible()
            expect(page.locator(f'#alerts [data-case-id="{case.pk}"]')).to_be_visible()
            assert queued_ids(page) == expected
            assert page.evaluate("window.stillTheSamePage") is True
        expect(page_a.locator(f'#in-hand [data-call-id="{call.pk}"]')).to_be_visible()

        # A few more callers for the picture.
        server.simulate_call(role_key="3")
        last = server.simulate_call(role_key="2")
        expect(page_a.locator(f'#queue li[data-call-id="{last.pk}"]')).to_be_visible(timeout=1000)
        expect(page_a.locator(f'#reports [data-case-id="{case.pk}"]')).to_be_visible()
        page_a.wait_for_timeout(1500)  # let the waiting times tick
        save_screenshot(page_a, "dashboard")
    finally:
        for context in contexts:
            context.close()
