"""Soak and burst: whole calls at a steady rate, as Twilio would send their webhooks.

New callers arrive at a fixed rate (open loop). Each follows the TwiML it gets back: the
voice webhook, the menu (role, postcode when asked, the acute question, a second or three
of listening before each key), the queue with a wait poll every 20 s, the queue result,
the bridge to an operator and the status callback at the end (one in ten twice, as
Twilio delivers at least once). Each caller hangs up at a time drawn between 10 and 300 s
after the call started, wherever they are then. Three operators press "take next" and
stay on the call for 30 to 120 s. Meanwhile a separate connection counts the server's
connections in pg_stat_activity (by its application_name) twice a second.

A webhook fails when it answers anything but 200/204, or not within Twilio's 15 s.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import threading
import time
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp

WEBHOOK_TIMEOUT_SECONDS = 15  # Twilio's
WAIT_POLL_SECONDS = 20
HANG_UP_AFTER = (10.0, 300.0)
OPERATOR_TALK = (30.0, 120.0)
OPERATORS = 3
DEN_HAAG = "+3170{:07d}"


class ConnectionSampler:
    """Counts the server's connections (by application_name) until stopped, and what they
    were doing: `states` adds up, over all samples, the connections in each state
    ("idle in transaction", "active: Lock/advisory", ...), which says where a request's
    time with a connection goes (an idle one is in the pool or held by a request between
    queries; one in a transaction but idle is waiting for its Python; a lock wait is
    queued behind another transaction)."""

    def __init__(self, dsn: str, application_name: str, interval: float = 0.5) -> None:
        self.dsn = dsn
        self.application_name = application_name
        self.interval = interval
        self.peak = 0
        self.samples = 0
        self.states: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as connection:
            while not self._stop.is_set():
                rows = connection.execute(
                    "SELECT state, wait_event_type, wait_event, count(*) FROM pg_stat_activity"
                    " WHERE application_name = %s GROUP BY 1, 2, 3",
                    [self.application_name],
                ).fetchall()
                self.peak = max(self.peak, sum(row[3] for row in rows))
                for state, wait_type, wait_event, count in rows:
                    name = str(state)
                    if state == "active" and wait_type:
                        name += f": {wait_type}/{wait_event}"
                    self.states[name] = self.states.get(name, 0) + count
                self.samples += 1
                self._stop.wait(self.interval)


class Soak:
    def __init__(
        self,
        *,
        base: str,
        validator: Any,
        operator_cookies: list[str],
        rate: float,
        seconds: float,
        seed: int,
        hang_up_within: float = HANG_UP_AFTER[1],
    ) -> None:
        self.base = base
        self.validator = validator
        self.operator_cookies = operator_cookies
        self.rate = rate
        self.seconds = seconds
        self.rng = random.Random(seed)  # noqa: S311 - a simulation, not security
        self.hang_up_range = (min(HANG_UP_AFTER[0], hang_up_within), hang_up_within)
        self.latencies: list[float] = []
        self.failures: dict[str, int] = {}
        self.webhooks = 0
        self.in_flight = 0
        self.peak_in_flight = 0
        self.taken = 0
        self.operator_errors = 0
        self.sids: list[str] = []
        self.outcomes: dict[str, int] = {}

    # -- HTTP --

    async def post(
        self, http: aiohttp.ClientSession, url: str, sid: str, number: str, extra: dict[str, str]
    ) -> str | None:
        """A signed webhook to a URL from our own TwiML (or a Twilio console URL)."""
        params = {
            "CallSid": sid,
            "AccountSid": "AC" + "0" * 32,
            "From": number,
            "To": "+318002000",
            "Direction": "inbound",
            "CallStatus": "in-progress",
            "ApiVersion": "2010-04-01",
            **extra,
        }
        if url.startswith("/"):
            url = self.base + url
        headers = {
            "X-Twilio-Signature": self.validator.compute_signature(url, params),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        path = urlsplit(url).path
        self.webhooks += 1
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        started = time.perf_counter()
        try:
            async with http.post(url, data=urlencode(params).encode(), headers=headers) as answer:
                body = await answer.text()
                ok = answer.status in {200, 204}
                reason = f"{path} {answer.status}"
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            ok, body, reason = False, "", f"{path} {type(error).__name__}"
        finally:
            self.in_flight -= 1
        if not ok:
            self.failures[reason] = self.failures.get(reason, 0) + 1
            return None
        self.latencies.append(time.perf_counter() - started)
        return body

    # -- one caller --

    async def caller(self, http: aiohttp.ClientSession, index: int) -> None:
        rng = random.Random(self.rng.randrange(2**32))  # noqa: S311
        sid = f"CA{secrets.token_hex(16)}"
        self.sids.append(sid)
        number = DEN_HAAG.format(rng.randrange(10**7))
        hang_up_at = time.monotonic() + rng.uniform(*self.hang_up_range)
        outcome = "hung up in the menu"
        document = await self.post(http, "/hotline/twilio/voice/", sid, number, {})
        while document is not None:
            outcome, document = await self.follow(http, rng, sid, number, hang_up_at, document)
            if outcome in {"talked", "hung up in the queue", "ended by the server"}:
                break
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
        for _delivery in range(2 if rng.random() < 0.1 else 1):
            await self.post(
                http,
                "/hotline/twilio/status/",
                sid,
                number,
                {"CallStatus": "completed", "SequenceNumber": "1", "CallDuration": "60"},
            )

    async def follow(
        self,
        http: aiohttp.ClientSession,
        rng: random.Random,
        sid: str,
        number: str,
        hang_up_at: float,
        document: str,
    ) -> tuple[str, str | None]:
        # TwiML from the server under test, which we run ourselves.
        for verb in ET.fromstring(document):  # noqa: S314
            if verb.tag == "Gather":
                await asyncio.sleep(rng.uniform(1, 3))
                if time.monotonic() >= hang_up_at:
                    return "hung up in the menu", None
                action = verb.get("action", "")
                step = parse_qs(urlsplit(action).query).get("step", [""])[0]
                digits = {
                    "role": rng.choice("1111222345"),
                    "postcode": "2514",
                    "acute": "1" if rng.random() < 0.1 else "2",
                }.get(step, "")
                return "in the menu", await self.post(http, action, sid, number, {"Digits": digits})
            if verb.tag == "Enqueue":
                return await self.queue(http, sid, number, hang_up_at, verb)
            if verb.tag == "Redirect":
                return "redirected", await self.post(http, verb.text or "", sid, number, {})
            if verb.tag == "Dial":
                await asyncio.sleep(max(0.0, hang_up_at - time.monotonic()))
                after = verb.get("action")
                if after:
                    await self.post(
                        http,
                        after,
                        sid,
                        number,
                        {"DialCallStatus": "completed", "DialCallDuration": "60"},
                    )
                return "talked", None
            if verb.tag == "Hangup":
                return "ended by the server", None
        return "ended by the server", None

    async def queue(
        self,
        http: aiohttp.ClientSession,
        sid: str,
        number: str,
        hang_up_at: float,
        enqueue: ET.Element,
    ) -> tuple[str, str | None]:
        wait_url, action = enqueue.get("waitUrl", ""), enqueue.get("action", "")
        entered = time.monotonic()
        while True:
            waited = str(int(time.monotonic() - entered))
            answer = await self.post(
                http,
                wait_url,
                sid,
                number,
                {"QueuePosition": "1", "QueueTime": waited, "QueueSid": "QU" + "0" * 32},
            )
            if answer is not None and "<Leave" in answer:
                return "left the queue", await self.post(
                    http, action, sid, number, {"QueueResult": "leave", "QueueTime": waited}
                )
            pause = min(WAIT_POLL_SECONDS, hang_up_at - time.monotonic())
            if pause <= 0:
                await self.post(
                    http, action, sid, number, {"QueueResult": "hangup", "QueueTime": waited}
                )
                return "hung up in the queue", None
            await asyncio.sleep(pause)
            if time.monotonic() >= hang_up_at:
                waited = str(int(time.monotonic() - entered))
                await self.post(
                    http, action, sid, number, {"QueueResult": "hangup", "QueueTime": waited}
                )
                return "hung up in the queue", None

    # -- operators --

    async def operator(self, http: aiohttp.ClientSession, cookie: str, until: float) -> None:
        rng = random.Random(self.rng.randrange(2**32))  # noqa: S311
        token = secrets.token_hex(16)
        headers = {
            "Cookie": f"sessionid={cookie}; csrftoken={token}",
            "X-CSRFToken": token,
        }
        while time.monotonic() < until:
            try:
                async with http.post(
                    f"{self.base}/hotline/calls/take-next/", headers=headers
                ) as answer:
                    data = await answer.json() if answer.status == 200 else None
            except (aiohttp.ClientError, TimeoutError, OSError, ValueError):
                data = None
            if data is None:
                self.operator_errors += 1
                await asyncio.sleep(2)
            elif data.get("call"):
                self.taken += 1
                await asyncio.sleep(rng.uniform(*OPERATOR_TALK))
            else:
                await asyncio.sleep(2)

    # -- the run --

    async def run(self) -> dict[str, Any]:
        timeout = aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT_SECONDS)
        connector = aiohttp.TCPConnector(limit=0)
        started = time.monotonic()
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
            callers: list[asyncio.Task] = []
            # Operators work until the last caller may have hung up.
            until = started + self.seconds + self.hang_up_range[1] + 5
            operators = [
                asyncio.create_task(self.operator(http, cookie, until))
                for cookie in self.operator_cookies[:OPERATORS]
            ]
            total = int(self.rate * self.seconds)
            for index in range(total):
                delay = started + index / self.rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                callers.append(asyncio.create_task(self.caller(http, index)))
            await asyncio.gather(*callers)
            for task in operators:
                task.cancel()
            await asyncio.gather(*operators, return_exceptions=True)
        ordered = sorted(self.latencies)

        def ms(q: float) -> float | None:
            if not ordered:
                return None
            return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

        return {
            "rate_per_s": self.rate,
            "seconds_of_new_calls": self.seconds,
            "seconds_in_all": round(time.monotonic() - started, 1),
            "calls": total,
            "webhooks": self.webhooks,
            "failed_webhooks": sum(self.failures.values()),
            "failures": self.failures,
            "p50_ms": ms(0.5),
            "p99_ms": ms(0.99),
            "max_ms": ms(1.0),
            "peak_webhooks_in_flight": self.peak_in_flight,
            "taken_by_operators": self.taken,
            "operator_errors": self.operator_errors,
            "outcomes": self.outcomes,
        }
