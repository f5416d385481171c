"""An open dashboard outlives a database outage, and goes on checking its session after.

Every DASHBOARD_SESSION_CHECK_SECONDS an open socket re-reads its session (a logout, the
idle limit or a lost role closes it). During an outage that read fails. It used to end
the check for good (an exception in the socket's background task, logged with its
traceback): after the outage a logged-out operator's socket stayed open. Now "cannot
check" keeps the socket and tries again, and the log says so in one line without any case
data. Daphne runs as deployed; the test's database stops taking connections.
"""

from __future__ import annotations

import asyncio
import threading
import time

import aiohttp
import pytest
from django.conf import settings
from django.test import Client

from hotline import services
from tests.conftest import log_in_fully
from tests.faults.conftest import database_outage
from tests.hotline.conftest import new_sid
from tests.hotline.dashboard_helpers import session_cookie

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]

CALLER = "+31701239876"
CHECK_FAILED = "session check not possible"
CLOSE_SESSION_ENDED = 4401


class OpenDashboard:
    """One dashboard socket in a thread of its own; never reconnects, so a close shows."""

    def __init__(self, base_url: str, cookie: str) -> None:
        self.url = base_url.replace("http://", "ws://") + "/ws/dashboard/"
        self.headers = {
            "Origin": base_url,
            "Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}",
        }
        self.snapshot = threading.Event()
        self.closed = threading.Event()
        self.close_code: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    def start(self) -> OpenDashboard:
        self._thread.start()
        assert self.snapshot.wait(30), "the dashboard socket never sent its snapshot"
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    async def _run(self) -> None:
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(self.url, headers=self.headers) as ws:
                while not self._stop.is_set():
                    try:
                        message = await ws.receive(timeout=0.2)
                    except TimeoutError:
                        continue
                    if message.type == aiohttp.WSMsgType.TEXT:
                        if '"snapshot"' in message.data:
                            self.snapshot.set()
                        continue
                    self.close_code = ws.close_code
                    self.closed.set()
                    return


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds:g} s for {what}")
        time.sleep(0.1)


def test_an_open_dashboard_survives_a_database_outage_and_still_closes_on_logout_after(
    daphne_factory, operator
):
    # A caller on the line, so there is case data that must stay out of the log.
    call, _ = services.call_receive(sid=new_sid(), from_number=CALLER, account_sid="")
    services.call_enqueue(call=services.call_role_choose(call=call, role="victim"), acute=False)
    server = daphne_factory(
        DASHBOARD_SESSION_CHECK_SECONDS="1", DATABASE_POOL_TIMEOUT="1", LOG_LEVEL="WARNING"
    )
    client = log_in_fully(Client(), operator)
    dashboard = OpenDashboard(server.url, session_cookie(client)).start()
    try:
        with database_outage():
            wait_for(
                lambda: server.tail(400).count(CHECK_FAILED) >= 2,
                60,
                "two session checks to fail during the outage",
            )
            assert not dashboard.closed.is_set()

        # The database is back. The checks still run: logging out closes the socket.
        client.post("/accounts/logout/")
        wait_for(dashboard.closed.is_set, 60, "the socket to close after the logout")
        assert dashboard.close_code == CLOSE_SESSION_ENDED
    finally:
        dashboard.stop()
    log = server.tail(2000)
    # One line per failed check; no traceback from the socket (the in-server relay and the
    # pool log the outage in their own way).
    assert "dashboard/consumers.py" not in log
    assert "Task exception was never retrieved" not in log
    assert CALLER not in log and CALLER[3:] not in log
