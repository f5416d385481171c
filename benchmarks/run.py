"""`make bench`: the line under a surge, measured against floors in the same run.

Starts Daphne as deployed (one process; PostgreSQL and Redis when DATABASE_URL and
REDIS_URL are set, on a database and Redis database of their own: see bench_database_url
and bench_redis_url) with BENCHMARK_MODE on, which mounts the floors
(config/benchmark.py). Then, from this process, with asyncio and aiohttp and only to 127.0.0.1:

1. voice webhook latency at a fixed rate (open loop: latency counts from the moment a
   request was due, so a slow server cannot slow the load down and hide its queue),
   against the constant-TwiML floor at the same rate;
2. dashboard fan-out to 10, 50 and 100 logged-in sockets: from the moment the outbox
   row of a webhook's event was written (its created_at, just before commit) to its
   receipt by the last socket, against the echo-consumer floor;
3. a new call on the dashboard: from the first webhook to the queue entry arriving
   (the webhooks follow each other at once: the caller's listening time is left out);
4. online reports (/melden/, all six steps with CSRF and session) per second.

Prints a table with the ratios to the floors and whether each target holds (a target with
a failed request is missed, one that cannot be measured here is "not measured"), and
writes the figures outside the tracked tree: var/bench-results/<timestamp>.json and
latest.json (BENCH_RESULTS_DIR to put them elsewhere).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import faulthandler
import functools
import json
import math
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:
    import aiohttp

ROOT = Path(__file__).resolve().parents[1]
# Untracked (var/ is in .gitignore): a run must not dirty `git status`.
RESULTS = Path(os.environ.get("BENCH_RESULTS_DIR") or ROOT / "var" / "bench-results")
DEN_HAAG = "+3170{:07d}"

# The server's connections carry this name, so the soak counts them apart from ours.
SERVER_APPLICATION_NAME = "vt-bench-daphne"

TARGETS = {
    "voice_p99_ms": 250.0,
    "voice_p50_ratio": 3.0,
    "fanout_100_p99_ms": 100.0,
    "new_call_ms": 1000.0,
}


# --- the environment ---------------------------------------------------------------


BENCH_NAME_PATTERN = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@functools.cache  # read once: the run points DATABASE_URL at this database later
def bench_database_name() -> str:
    """The database the bench drops and refills: BENCH_DATABASE, or the name in
    DATABASE_URL with `_bench` after it. Never a fixed name: two people benchmarking on
    one PostgreSQL would drop each other's database; never DATABASE_URL's own: that is
    the developer's (pytest's is `test_` before it)."""
    given = os.environ.get("BENCH_DATABASE", "").strip()
    if not given:
        base = urlsplit(os.environ.get("DATABASE_URL", "")).path.lstrip("/") or "hotline"
        given = f"{base}_bench"[:63]
    if not BENCH_NAME_PATTERN.match(given):
        raise SystemExit(f"BENCH_DATABASE must be a plain lower-case name, not {given!r}")
    return given


def bench_database_url() -> tuple[str, str]:
    """(DATABASE_URL for the server, description). A database of our own: never the one
    the tests or a developer use."""
    given = os.environ.get("DATABASE_URL", "")
    if given.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(given)
        name = bench_database_name()
        url = urlunsplit(parts._replace(path=f"/{name}", query=""))
        return url, f"PostgreSQL {parts.hostname}:{parts.port or 5432}/{name}"
    path = ROOT / "var" / "bench.sqlite3"
    return f"sqlite://{path}", "SQLite (embedded default: WAL, immediate transactions)"


def recreate_postgres_database() -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(os.environ["DATABASE_URL"])
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres", query=""))
    name = sql.Identifier(bench_database_name())
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(name))


def bench_redis_url() -> str:
    """REDIS_URL with the Redis database BENCH_REDIS_DB. Never REDIS_URL's own database:
    the tests and a developer's server use that one, and the bench's events (encrypted
    with its own key) would reach their dashboards and fail to decrypt there."""
    given = os.environ.get("REDIS_URL", "")
    if not given:
        return ""
    chosen = os.environ.get("BENCH_REDIS_DB", "").strip()
    if not chosen.isdigit():
        raise SystemExit(
            "With REDIS_URL set, BENCH_REDIS_DB must name a Redis database for the bench "
            f"alone (a number, not REDIS_URL's {redis_database(given)}); got {chosen!r}."
        )
    if chosen == redis_database(given):
        raise SystemExit(f"BENCH_REDIS_DB={chosen} is REDIS_URL's own database; pick another.")
    return urlunsplit(urlsplit(given)._replace(path=f"/{chosen}"))


def redis_database(url: str) -> str:
    return urlsplit(url).path.lstrip("/") or "0"


def bench_environment(port: int, database_url: str, redis_url: str) -> dict[str, str]:
    from cryptography.fernet import Fernet

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            ("DJANGO_", "DATABASE_", "REDIS_", "TWILIO_", "ONLINE_REPORT", "BENCH_")
        )
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "BENCHMARK_MODE": "true",
            "DATABASE_URL": database_url,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Fresh secrets for this run only; this process signs with the same token.
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "BLIND_INDEX_KEY": Fernet.generate_key().decode(),
            "CHANNEL_LAYER_ENCRYPTION_KEY": secrets.token_urlsafe(32),
            "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
            # All load comes from one address: the abuse limits would stop it at once.
            "ONLINE_REPORT_SUBMISSIONS_PER_HOUR": "1000000",
            "ONLINE_REPORT_POSTS_PER_HOUR": "10000000",
            "LOG_LEVEL": "WARNING",
        }
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- figures -----------------------------------------------------------------------


def percentile(ordered: list[float], q: float) -> float | None:
    """Nearest rank, so p99.9 of 1000 samples is the slowest but one."""
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def summary(latencies_s: list[float], errors: int = 0, sent: int | None = None) -> dict:
    ordered = sorted(latencies_s)
    ms = lambda value: None if value is None else round(value * 1000, 2)  # noqa: E731
    return {
        "count": len(ordered),
        "sent": sent if sent is not None else len(ordered) + errors,
        "errors": errors,
        "p50_ms": ms(percentile(ordered, 0.50)),
        "p99_ms": ms(percentile(ordered, 0.99)),
        "p99_9_ms": ms(percentile(ordered, 0.999)),
        "max_ms": ms(ordered[-1] if ordered else None),
    }


# --- load --------------------------------------------------------------------------


async def open_loop(
    rate: float, duration: float, request: Callable[[int], Awaitable[bool]]
) -> dict:
    """Fire request(i) at fixed times, whether or not earlier ones have answered."""
    total = int(rate * duration)
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter() + 0.05

    async def one(i: int, due: float) -> None:
        nonlocal errors
        try:
            ok = await request(i)
        except Exception:
            ok = False
        if ok:
            latencies.append(time.perf_counter() - due)
        else:
            errors += 1

    tasks = []
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    return summary(latencies, errors, total)


async def shut(sockets: list, readers: list[asyncio.Task]) -> None:
    """Stop reading first, then close every socket at once, bounded: a socket closed
    while another task still reads it can wait for a close frame forever."""
    for reader in readers:
        reader.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    try:
        await asyncio.wait_for(
            asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True), 10
        )
    except TimeoutError:
        pass


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.results: dict[str, Any] = {}

    # -- helpers that need Django (called outside the event loop) --

    def signer(self) -> Any:  # twilio ships no types (ignore_missing_imports)
        from twilio.request_validator import RequestValidator

        return RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])

    def signed(self, path: str, params: dict[str, str]) -> tuple[str, bytes, dict[str, str]]:
        url = self.base + path
        signature = self.validator.compute_signature(url, params)
        headers = {
            "X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        return url, urlencode(params).encode(), headers

    def call_params(self, sid: str, number: int, **extra: str) -> dict[str, str]:
        return {
            "CallSid": sid,
            "AccountSid": "AC" + "0" * 32,
            "From": DEN_HAAG.format(number),
            "To": "+318002000",
            "Direction": "inbound",
            "CallStatus": "in-progress",
            **extra,
        }

    def staff_sessions(self, count: int) -> list[str]:
        """Session cookies for `count` operators, verified with their second factor.

        Made the way a completed login leaves the session (accounts.signals and
        django_otp.login), not through the login pages: a hundred real logins would
        spend a minute in password hashing, and each TOTP code is good only once.
        """
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
        from django.contrib.auth.hashers import make_password
        from django.contrib.auth.models import Group
        from django.contrib.sessions.backends.db import SessionStore
        from django_otp import DEVICE_ID_SESSION_KEY

        from accounts import roles
        from accounts.devices import totp_device_model
        from accounts.models import User

        group = Group.objects.get(name=roles.OPERATOR)
        now = int(time.time())
        cookies = []
        for i in range(count):
            user, _ = User.objects.get_or_create(
                username=f"bench-operator-{i}", defaults={"password": make_password(None)}
            )
            user.groups.add(group)
            devices = totp_device_model().objects
            device = devices.filter(user=user).first() or devices.create(
                user=user, name="authenticator", confirmed=True
            )
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session["login_at"] = now
            session["last_seen"] = now
            session.create()
            cookies.append(session.session_key or "")  # create() has just set the key
        return cookies

    def calls_waiting_for_the_acute_question(self, count: int) -> list[str]:
        """Calls that went through the menu up to "is someone in danger now?", made by
        the services directly (no events): answering that question queues the call and
        raises the event whose fan-out we measure."""
        from hotline import services

        sids = []
        for _ in range(count):
            sid = "CA" + secrets.token_hex(16)
            call, _ = services.call_receive(
                sid=sid, from_number=DEN_HAAG.format(secrets.randbelow(10**7)), account_sid=""
            )
            services.call_role_choose(call=call, role="victim")
            sids.append(sid)
        return sids

    def created_at(self, seqs: list[int]) -> dict[int, float]:
        from events.models import OutboxEvent

        rows = OutboxEvent.objects.filter(seq__in=seqs).values_list("seq", "created_at")
        return {seq: created.timestamp() for seq, created in rows}

    def pool_stats(self) -> dict[str, Any]:
        """The server's pool counters since the last call (config.benchmark.pool_stats),
        with the average wait of the requests that had to wait for a connection."""
        import urllib.request

        url = f"{self.base}/bench/pool-stats/"  # our own server, plain http
        with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310
            stats = json.loads(answer.read())
        queued = stats.get("requests_queued", 0)
        if queued:
            stats["average_wait_when_queued_ms"] = round(
                stats.get("requests_wait_ms", 0) / queued, 1
            )
        return stats

    def postgres_connections(self) -> int | None:
        """Connections the server holds open to the benchmark database (not ours)."""
        from django.db import connection

        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> "
                "pg_backend_pid()",
                [bench_database_name()],
            )
            return cursor.fetchone()[0]

    # -- scenarios --

    async def webhook_latency(self) -> None:
        import aiohttp

        rate, duration = self.args.rate, self.args.duration
        connector = aiohttp.TCPConnector(limit=0)
        timeout = aiohttp.ClientTimeout(total=15)  # Twilio's limit
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
            prefix = secrets.token_hex(4)

            async def voice(i: int) -> bool:
                sid = f"CA{prefix}{i:024x}"
                url, body, headers = self.signed(
                    "/hotline/twilio/voice/", self.call_params(sid, 1_000_000 + i)
                )
                async with http.post(url, data=body, headers=headers) as response:
                    text = await response.text()
                    return response.status == 200 and "<Response>" in text

            async def floor(i: int) -> bool:
                url, body, headers = self.signed(
                    "/bench/floor/twiml/", self.call_params(f"CA{i:032x}", i)
                )
                async with http.post(url, data=body, headers=headers) as response:
                    text = await response.text()
                    return response.status == 200 and "<Response>" in text

            # Warm up both paths (imports, connections, caches), then measure, floor first.
            await open_loop(10, 2, floor)
            await open_loop(10, 2, lambda i: voice(10**6 + i))
            self.results["floor_twiml"] = await open_loop(rate, duration, floor)
            self.results["voice_webhook"] = await open_loop(rate, duration, voice)
        self.results["floor_twiml"]["rate_rps"] = rate
        self.results["voice_webhook"]["rate_rps"] = rate

    async def _sockets(
        self, http: aiohttp.ClientSession, path: str, cookies: list[str] | None, count: int
    ) -> list[aiohttp.ClientWebSocketResponse]:
        import aiohttp

        url = self.base.replace("http://", "ws://") + path
        sockets = []
        for i in range(count):
            headers = {"Origin": self.base}
            if cookies:
                headers["Cookie"] = f"sessionid={cookies[i]}"
            sockets.append(
                await http.ws_connect(
                    url,
                    headers=headers,
                    max_msg_size=0,
                    timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=2),
                )
            )
        return sockets

    async def fanout_floor(self, clients: int, events: int, rate: float) -> dict:
        import aiohttp

        received: dict[int, list[float]] = {}

        async def read(ws: aiohttp.ClientWebSocketResponse) -> None:
            async for message in ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    break
                data = json.loads(message.data)
                received.setdefault(data["i"], []).append(time.time())

        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            sockets = await self._sockets(http, "/ws/bench-echo/", None, clients)
            sender = (await self._sockets(http, "/ws/bench-echo/", None, 1))[0]
            readers = [asyncio.create_task(read(ws)) for ws in sockets]
            await asyncio.sleep(0.5)
            sent: dict[int, float] = {}
            for i in range(events):
                sent[i] = time.time()
                await sender.send_json({"i": i})
                await asyncio.sleep(1 / rate)
            await asyncio.sleep(2)
            await shut([*sockets, sender], readers)
        # The sender hears its own echo too, but nobody reads it: the listeners count.
        latencies, incomplete = [], 0
        for i, at in sent.items():
            times = received.get(i, [])
            if len(times) < clients:
                incomplete += 1
                continue
            latencies.append(sorted(times)[-1] - at)
        return summary(latencies, incomplete, len(sent))

    async def fanout_dashboard(
        self, clients: int, cookies: list[str], sids: list[str], rate: float
    ) -> tuple[dict[int, list[float]], int]:
        import aiohttp

        received: dict[int, list[float]] = {}

        async def read(ws: aiohttp.ClientWebSocketResponse) -> None:
            async for message in ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    break
                data = json.loads(message.data)
                if data.get("type") == "event" and data.get("kind") == "call.queued":
                    received.setdefault(data["seq"], []).append(time.time())

        errors = 0
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            sockets = await self._sockets(http, "/ws/dashboard/", cookies, clients)
            for ws in sockets:  # the snapshot comes first
                first = await ws.receive_json(timeout=30)
                assert first["type"] == "snapshot", first
            readers = [asyncio.create_task(read(ws)) for ws in sockets]
            for number, sid in enumerate(sids):
                url, body, headers = self.signed(
                    "/hotline/twilio/menu/?step=acute",
                    self.call_params(sid, number, Digits="2"),
                )
                async with http.post(url, data=body, headers=headers) as response:
                    errors += response.status != 200
                await asyncio.sleep(1 / rate)
            await asyncio.sleep(2)
            await shut(sockets, readers)
        return received, errors

    async def new_call_visible(self, cookie: str, count: int) -> dict:
        import aiohttp

        arrivals: asyncio.Queue = asyncio.Queue()
        latencies, errors = [], 0
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            ws = (await self._sockets(http, "/ws/dashboard/", [cookie], 1))[0]
            await ws.receive_json(timeout=30)

            async def read() -> None:
                async for message in ws:
                    data = json.loads(message.data)
                    if data.get("type") == "event" and data.get("kind") == "call.queued":
                        await arrivals.put(time.perf_counter())

            reader = asyncio.create_task(read())
            for i in range(count):
                sid = "CA" + secrets.token_hex(16)
                started = time.perf_counter()
                for path, extra in (
                    ("/hotline/twilio/voice/", {}),
                    ("/hotline/twilio/menu/?step=role", {"Digits": "1"}),
                    ("/hotline/twilio/menu/?step=acute", {"Digits": "2"}),
                ):
                    url, body, headers = self.signed(
                        path, self.call_params(sid, 2_000_000 + i, **extra)
                    )
                    async with http.post(url, data=body, headers=headers) as response:
                        await response.read()
                try:
                    arrived = await asyncio.wait_for(arrivals.get(), timeout=5)
                    latencies.append(arrived - started)
                except TimeoutError:
                    errors += 1
                await asyncio.sleep(0.3)
            await shut([ws], [reader])
        return summary(latencies, errors, count)

    async def online_reports(self) -> dict:
        import aiohttp

        from tests.melden.helpers import STEP_DATA

        token_pattern = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
        duration, workers = self.args.report_seconds, self.args.report_workers
        done: list[float] = []
        errors = 0
        stop_at = time.perf_counter() + duration

        async def one_report() -> None:
            nonlocal errors
            jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1
            async with aiohttp.ClientSession(cookie_jar=jar) as http:
                started = time.perf_counter()
                async with http.get(f"{self.base}/melden/stap/1/") as response:
                    match = token_pattern.search(await response.text())
                if match is None:
                    errors += 1
                    return
                for number in range(1, 7):
                    fields = {**STEP_DATA[number](), "csrfmiddlewaretoken": match.group(1)}
                    async with http.post(
                        f"{self.base}/melden/stap/{number}/",
                        data=urlencode(fields, doseq=True),
                        headers={"Content-Type": "application/x-www-form-urlencoded"},
                        allow_redirects=False,
                    ) as response:
                        await response.read()
                        if response.status != 302:
                            errors += 1
                            return
                if response.headers.get("Location") != "/melden/ontvangen/":
                    errors += 1
                    return
                done.append(time.perf_counter() - started)

        async def worker() -> None:
            while time.perf_counter() < stop_at:
                await one_report()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(workers)))
        elapsed = time.perf_counter() - started
        figures = summary(done, errors)
        figures.update(
            {
                "workers": workers,
                "seconds": round(elapsed, 1),
                "reports_per_second": round(len(done) / elapsed, 2),
            }
        )
        return figures

    # -- the run --

    def other_scenarios(self, redis_url: str) -> None:
        print(f"1/4 voice webhook at {self.args.rate:g}/s for {self.args.duration:g} s ...")
        asyncio.run(self.webhook_latency())
        self.results["postgres_connections_after_webhooks"] = self.postgres_connections()

        clients = self.args.clients
        cookies = self.staff_sessions(max(clients) if clients else 1)
        if redis_url:
            self.results["fanout"] = {}
            for count in clients:
                print(f"2/4 fan-out to {count} sockets ...", flush=True)
                events, rate = self.args.events, self.args.event_rate
                floor = asyncio.run(self.fanout_floor(count, events, rate))
                sids = self.calls_waiting_for_the_acute_question(events)
                received, errors = asyncio.run(
                    self.fanout_dashboard(count, cookies[:count], sids, rate)
                )
                created = self.created_at(list(received))
                latencies, incomplete = [], 0
                for seq, times in received.items():
                    if len(times) < count or seq not in created:
                        incomplete += 1
                        continue
                    latencies.append(max(times) - created[seq])
                incomplete += max(0, events - len(received))
                dashboard = summary(latencies, incomplete + errors, events)
                self.results["fanout"][str(count)] = {"floor": floor, "dashboard": dashboard}
        else:
            self.results["fanout"] = None

        print("3/4 new call on the dashboard ...", flush=True)
        self.results["new_call"] = asyncio.run(
            self.new_call_visible(cookies[0], self.args.new_calls)
        )
        print(f"4/4 online reports for {self.args.report_seconds:g} s ...", flush=True)
        self.results["online_reports"] = asyncio.run(self.online_reports())

    def soak_scenarios(self, database_url: str) -> dict[str, Any] | None:
        """Whole calls at 5 and at 10 new calls a second (benchmarks/soak.py)."""
        from django.conf import settings

        # Beside this script, which Python puts first on the path (as mypy does).
        from soak import ConnectionSampler, Soak

        from hotline.models import FINAL_STATES, Call

        minutes = self.args.soak_minutes
        if minutes <= 0:
            return None
        cookies = self.staff_sessions(3)
        on_postgres = database_url.startswith("postgres")
        cap = settings.DATABASE_POOL_MAX_SIZE if on_postgres else None
        figures: dict[str, Any] = {}
        for name, rate, length in (("soak", 5.0, 2 * minutes), ("burst", 10.0, minutes)):
            print(
                f"soak: {name} at {rate:g} new calls/s for {length:g} min, then until the "
                "last caller hangs up ...",
                flush=True,
            )
            sampler = ConnectionSampler(database_url, SERVER_APPLICATION_NAME)
            if on_postgres:
                sampler.start()
            soak = Soak(
                base=self.base,
                validator=self.validator,
                operator_cookies=cookies,
                rate=rate,
                seconds=length * 60,
                seed=int(rate * 1000 + length),
                hang_up_within=self.args.hang_up_within,
            )
            self.pool_stats()  # from here on
            try:
                result = asyncio.run(soak.run())
            finally:
                if on_postgres:
                    sampler.stop()
            result["pool"] = self.pool_stats()
            result["connection_peak"] = sampler.peak if on_postgres else None
            result["connection_states"] = (
                {
                    state: round(total / max(1, sampler.samples), 2)
                    for state, total in sorted(sampler.states.items(), key=lambda item: -item[1])
                }
                if on_postgres
                else None
            )
            result["connection_cap"] = cap
            result["calls_stuck"] = (
                Call.objects.filter(sid__in=soak.sids).exclude(state__in=FINAL_STATES).count()
            )
            figures[name] = result
        return figures

    def run(self) -> dict:
        port = free_port()
        database_url, database = bench_database_url()
        redis_url = bench_redis_url()
        env = bench_environment(port, database_url, redis_url)
        # This process reads and writes the same database with the same secrets.
        os.environ.update(env)
        if database_url.startswith("postgres"):
            env["DATABASE_URL"] = f"{database_url}?application_name={SERVER_APPLICATION_NAME}"
        print(f"database: {database}")
        print(
            f"channel layer: Redis {redis_url}"
            if redis_url
            else "channel layer: in-memory (REDIS_URL unset): fan-out needs REDIS_URL, "
            "so it is not measured; everything else is"
        )
        if database_url.startswith("postgres"):
            recreate_postgres_database()
        else:
            Path(urlsplit(database_url).path).unlink(missing_ok=True)
        print("migrating the benchmark database ...", flush=True)
        migrate(env)

        import django

        django.setup()
        # The same Daphne subprocess the browser and fault tests start.
        from tests.browser.test_dashboard_in_the_browser import DaphneServer

        self.validator = self.signer()
        self.base = f"http://127.0.0.1:{port}"
        log = ROOT / "var" / "bench-daphne.log"
        log.unlink(missing_ok=True)
        server = DaphneServer(port, env, log)
        server.start()
        started = time.monotonic()
        try:
            if not self.args.only_soak:
                self.other_scenarios(redis_url)
            self.results["soak"] = self.soak_scenarios(database_url)
        finally:
            server.stop()
        self.results["meta"] = {
            "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "database": database,
            "channel_layer": f"Redis db {redis_database(redis_url)}" if redis_url else "in-memory",
            "server": "one Daphne process, BENCHMARK_MODE on, pooled database connections",
            "soak_minutes": self.args.soak_minutes,
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "seconds": round(time.monotonic() - started, 1),
            "targets": TARGETS,
        }
        return self.results


# --- the table ---------------------------------------------------------------------


def ratio(value: float | None, floor: float | None) -> str:
    if value is None or not floor:
        return "n/a"
    return f"{value / floor:.1f}x"


def fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


NOT_MEASURED = "not measured"


def verdict(ok: bool | None, failed: int = 0, sent: int | None = None, why: str = "") -> str:
    """A target's line: a measure with any failed request misses, whatever its latency; one
    that could not be measured on this setup says so and is never "met"."""
    if failed:
        return f"MISSED ({failed} of {sent} failed)" if sent else f"MISSED ({failed} failed)"
    if ok is None:
        return f"{NOT_MEASURED} ({why})" if why else NOT_MEASURED
    return "met" if ok else "MISSED"


def holds(ok: bool | None, why: str = "") -> str:
    if ok is None:
        return f"{NOT_MEASURED} ({why})" if why else NOT_MEASURED
    return "holds" if ok else "DOES NOT HOLD"


def soak_table(soak: dict | None) -> str:
    """Whole calls at 5 and 10 new calls/s: failed webhooks and the connection peak."""
    if not soak:
        return "soak: not run (BENCH_SOAK_MINUTES=0)"
    rows = [
        (
            "soak",
            "new calls",
            "webhooks",
            "failed",
            "p50 ms",
            "p99 ms",
            "max ms",
            "in flight",
            "connections peak/cap",
            "taken",
            "stuck",
        )
    ]
    for name, r in soak.items():
        peak = "n/a" if r["connection_peak"] is None else str(r["connection_peak"])
        rows.append(
            (
                f"{name} {r['rate_per_s']:g}/s x {r['seconds_of_new_calls'] / 60:g} min",
                str(r["calls"]),
                str(r["webhooks"]),
                str(r["failed_webhooks"]),
                fmt(r["p50_ms"]),
                fmt(r["p99_ms"]),
                fmt(r["max_ms"]),
                str(r["peak_webhooks_in_flight"]),
                f"{peak}/{r['connection_cap'] or 'n/a'}",
                str(r["taken_by_operators"]),
                str(r["calls_stuck"]),
            )
        )
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines.append("")
    for name, r in soak.items():
        label = f"{name} at {r['rate_per_s']:g} new calls/s"
        failed = r["failed_webhooks"]
        zero_failed = holds(failed == 0)
        if failed:
            zero_failed += f" ({failed} of {r['webhooks']} failed)"
        lines.append(f"target: {label}: 0 failed webhooks: {zero_failed}")
        if r["failures"]:
            lines.append(f"  failures: {r['failures']}")
        within = (
            None if r["connection_peak"] is None else r["connection_peak"] <= r["connection_cap"]
        )
        lines.append(
            f"target: {label}: connections never above the cap: "
            f"{holds(within, 'SQLite has no connection pool')}"
        )
        lines.append(f"target: {label}: no call left stuck: {holds(r['calls_stuck'] == 0)}")
        pool = r.get("pool") or {}
        if pool.get("requests_num"):
            lines.append(
                f"  pool: {pool['requests_num']} connections handed out, "
                f"{pool.get('requests_queued', 0)} of them after waiting for one "
                f"({pool.get('average_wait_when_queued_ms', 0):g} ms on average); "
                f"{pool.get('requests_errors', 0)} waits gave up"
            )
        if r.get("connection_states"):
            states = ", ".join(f"{name} {n:g}" for name, n in r["connection_states"].items())
            lines.append(f"  server connections on average, by state: {states}")
    return "\n".join(lines)


def table(results: dict) -> str:
    if "voice_webhook" not in results:  # --only-soak
        return soak_table(results.get("soak"))
    rows = [("measure", "p50 ms", "p99 ms", "p99.9 ms", "errors", "vs floor (p50/p99)")]
    voice, floor = results["voice_webhook"], results["floor_twiml"]
    for name, figures, base in (
        (f"floor: constant TwiML @{floor['rate_rps']:g}/s", floor, None),
        (f"voice webhook @{voice['rate_rps']:g}/s", voice, floor),
    ):
        rows.append(
            (
                name,
                fmt(figures["p50_ms"]),
                fmt(figures["p99_ms"]),
                fmt(figures["p99_9_ms"]),
                f"{figures['errors']}/{figures['sent']}",
                "-"
                if base is None
                else f"{ratio(figures['p50_ms'], base['p50_ms'])} / "
                f"{ratio(figures['p99_ms'], base['p99_ms'])}",
            )
        )
    fanout = results["fanout"]
    if fanout is None:
        rows.append(("dashboard fan-out", "not measured (needs REDIS_URL)", "", "", "", ""))
    else:
        for count, pair in fanout.items():
            f, d = pair["floor"], pair["dashboard"]
            rows.append(
                (
                    f"floor: echo to {count} sockets",
                    fmt(f["p50_ms"]),
                    fmt(f["p99_ms"]),
                    fmt(f["p99_9_ms"]),
                    f"{f['errors']}/{f['sent']}",
                    "-",
                )
            )
            rows.append(
                (
                    f"dashboard fan-out to {count}",
                    fmt(d["p50_ms"]),
                    fmt(d["p99_ms"]),
                    fmt(d["p99_9_ms"]),
                    f"{d['errors']}/{d['sent']}",
                    f"{ratio(d['p50_ms'], f['p50_ms'])} / {ratio(d['p99_ms'], f['p99_ms'])}",
                )
            )
    new = results["new_call"]
    rows.append(
        (
            "new call on the dashboard",
            fmt(new["p50_ms"]),
            fmt(new["p99_ms"]),
            fmt(new["p99_9_ms"]),
            f"{new['errors']}/{new['sent']}",
            "-",
        )
    )
    reports = results["online_reports"]
    rows.append(
        (
            f"online report (6 steps), {reports['workers']} at once",
            fmt(reports["p50_ms"]),
            fmt(reports["p99_ms"]),
            fmt(reports["p99_9_ms"]),
            f"{reports['errors']}/{reports['sent']}",
            f"{reports['reports_per_second']:.1f} reports/s",
        )
    )
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))

    t = results["meta"]["targets"]
    fan100 = (fanout or {}).get("100", {}).get("dashboard", {}).get("p99_ms")

    def failed(figures: dict | None) -> tuple[int, int | None]:
        return (0, None) if figures is None else (figures["errors"], figures["sent"])

    fan100_figures = (fanout or {}).get("100", {}).get("dashboard")
    fan_why = "needs REDIS_URL" if fanout is None else "no run with 100 sockets (--clients)"
    reports_failed = reports["errors"]
    checks = [
        (
            f"voice p99 <= {t['voice_p99_ms']:g} ms at {voice['rate_rps']:g}/s",
            verdict(
                voice["p99_ms"] is not None and voice["p99_ms"] <= t["voice_p99_ms"],
                *failed(voice),
            ),
        ),
        (
            f"voice p50 <= {t['voice_p50_ratio']:g}x floor",
            verdict(
                voice["p50_ms"] is not None
                and bool(floor["p50_ms"])
                and voice["p50_ms"] <= t["voice_p50_ratio"] * floor["p50_ms"],
                *failed(voice),
            ),
        ),
        (
            f"fan-out to 100 p99 <= {t['fanout_100_p99_ms']:g} ms",
            verdict(
                None if fan100 is None else fan100 <= t["fanout_100_p99_ms"],
                *failed(fan100_figures),
                why=fan_why,
            ),
        ),
        (
            f"new call on the dashboard p99 <= {t['new_call_ms']:g} ms",
            verdict(new["p99_ms"] is not None and new["p99_ms"] <= t["new_call_ms"], *failed(new)),
        ),
        (
            "online reports: none fails",
            verdict(reports_failed == 0, reports_failed, reports["sent"]),
        ),
    ]
    lines.append("")
    lines += [f"target: {name}: {said}" for name, said in checks]
    lines += ["", soak_table(results.get("soak"))]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50.0, help="webhooks per second")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per rate run")
    parser.add_argument(
        "--clients", default="10,50,100", help="dashboard socket counts, comma-separated"
    )
    parser.add_argument("--events", type=int, default=40, help="events per fan-out run")
    parser.add_argument("--event-rate", type=float, default=4.0, help="events per second")
    parser.add_argument("--new-calls", type=int, default=20)
    parser.add_argument("--report-seconds", type=float, default=20.0)
    parser.add_argument("--report-workers", type=int, default=4)
    parser.add_argument(
        "--soak-minutes",
        type=float,
        default=float(os.environ.get("BENCH_SOAK_MINUTES") or 1),
        help="whole calls: the soak at 5 new calls/s runs twice this, the burst at 10/s "
        "this long, each then until the last caller hangs up (up to 5 min); issue 18 asks "
        "for 5 (BENCH_SOAK_MINUTES; default 1, 0 leaves them out)",
    )
    parser.add_argument(
        "--hang-up-within",
        type=float,
        default=300.0,
        help="soak callers hang up 10 s to this many seconds after calling (a quick try)",
    )
    parser.add_argument("--only-soak", action="store_true", help="run only the soak and the burst")
    args = parser.parse_args()
    args.clients = [int(c) for c in args.clients.split(",") if c.strip()]
    # `kill -USR1 <pid>` prints where a stuck run is.
    faulthandler.register(signal.SIGUSR1)
    # A stopped run stops its Daphne too (the `finally` in Bench.run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    (ROOT / "var").mkdir(exist_ok=True)
    results = Bench(args).run()
    print()
    print(table(results))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(results, indent=2) + "\n"
    (RESULTS / f"{stamp}.json").write_text(text)
    (RESULTS / "latest.json").write_text(text)
    print(f"\nfigures: {RESULTS / f'{stamp}.json'} (and latest.json)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
