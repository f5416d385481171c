"""Benchmark: many operators' dashboards against one Daphne, as deployed.

    python benchmarks/sockets.py            # run by `make bench`; BENCH_SOCKETS=100,500

Needs PostgreSQL and Redis (DATABASE_URL and REDIS_URL; the database `bench_sockets` is
dropped and migrated; the Redis database is REDIS_URL's own, nothing in it is deleted). For
each count it opens that many dashboard sockets at once, each with its own operator's
verified session, and measures the time from the first handshake to each socket's snapshot
(p50, p99, all), the server's resident memory per socket, and after closing every socket at
the same moment: the errors in the server's log and the sockets left in the region's group
in Redis. Targets (issue 24): 500 sockets connected in at most 5 s in all, no error and no
stale group member. Figures go to var/bench/sockets.json. Not a test: nothing fails on time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATABASE = "bench_sockets"
COUNTS = [int(n) for n in os.environ.get("BENCH_SOCKETS", "100,500").split(",")]
CONNECT_TARGET_S = 5.0
RESULTS = ROOT / "var" / "bench"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(port: int) -> dict[str, str]:
    from cryptography.fernet import Fernet

    database = urlsplit(os.environ["DATABASE_URL"])
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "TWILIO_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": urlunsplit(database._replace(path=f"/{DATABASE}", query="")),
            "REDIS_URL": os.environ["REDIS_URL"],
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "BLIND_INDEX_KEY": Fernet.generate_key().decode(),
            "CHANNEL_LAYER_ENCRYPTION_KEY": secrets.token_urlsafe(32),
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def recreate_database() -> None:
    import psycopg

    parts = urlsplit(os.environ["DATABASE_URL"])
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres", query=""))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASE}")


def operator_sessions(count: int) -> list[str]:
    """Session cookies of `count` operators as a completed login with 2FA leaves them
    (made directly: a real login per socket would spend minutes hashing passwords)."""
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
            username=f"bench-socket-{i}", defaults={"password": make_password(None)}
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
        cookies.append(session.session_key or "")
    return cookies


def resident_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def group_members(group: str, since: float) -> int:
    """Members of the group in Redis that joined at or after `since` (a Unix time): this
    round's sockets, whoever else shares the Redis database."""
    import redis.asyncio as redis

    client = redis.Redis.from_url(os.environ["_BENCH_SOCKETS_REDIS"])
    try:
        return int(await client.zcount(f"vt:group:{group}", since, "+inf"))
    finally:
        await client.aclose()


async def one_round(base: str, cookies: list[str], pid: int, group: str) -> dict[str, Any]:
    import aiohttp

    url = base.replace("http://", "ws://") + "/ws/dashboard/"
    before = resident_kib(pid)
    joined_since = time.time()
    started = time.perf_counter()

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:

        async def connect(cookie: str) -> tuple[Any, float | None]:
            try:
                ws = await http.ws_connect(
                    url,
                    headers={"Origin": base, "Cookie": f"sessionid={cookie}"},
                    max_msg_size=0,
                    timeout=aiohttp.ClientWSTimeout(ws_receive=60, ws_close=5),
                )
                message = await ws.receive_json(timeout=60)
            except Exception:
                return None, None
            if message.get("type") != "snapshot":
                return ws, None
            return ws, time.perf_counter() - started

        opened = await asyncio.gather(*(connect(cookie) for cookie in cookies))
        all_connected = time.perf_counter() - started
        sockets = [ws for ws, _ in opened if ws is not None]
        times = sorted(t for _, t in opened if t is not None)
        await asyncio.sleep(1)
        during = resident_kib(pid)
        members = await group_members(group, joined_since)
        closing = time.perf_counter()
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    # Each consumer leaves the group as it handles its disconnect: wait up to 20 s for the
    # last; whoever is still a member then is stale.
    stale = await group_members(group, joined_since)
    while stale and time.perf_counter() - closing < 20:
        await asyncio.sleep(0.2)
        stale = await group_members(group, joined_since)
    group_empty_after = time.perf_counter() - closing
    return {
        "sockets": len(cookies),
        "snapshots": len(times),
        "failed": len(cookies) - len(times),
        "all_connected_s": round(all_connected, 2),
        "snapshot_p50_ms": round(statistics.median(times) * 1000) if times else None,
        "snapshot_p99_ms": round(times[int(0.99 * (len(times) - 1))] * 1000) if times else None,
        "group_members_while_open": members,
        "group_members_after_close": stale,
        "group_empty_after_s": round(group_empty_after, 1) if not stale else None,
        "kib_per_socket": round((during - before) / len(cookies), 1),
    }


def main() -> int:
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")) or (
        not os.environ.get("REDIS_URL")
    ):
        print("sockets: not measured (needs DATABASE_URL on PostgreSQL and REDIS_URL)")
        return 0
    port = free_port()
    env = environment(port)
    os.environ["_BENCH_SOCKETS_REDIS"] = env["REDIS_URL"]
    recreate_database()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    for name in ("DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "FIELD_ENCRYPTION_KEYS"):
        os.environ[name] = env[name]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    from events.services import group_for_region

    cookies = operator_sessions(max(COUNTS))
    RESULTS.mkdir(parents=True, exist_ok=True)
    log = RESULTS / "sockets-daphne.log"
    daphne = Path(sys.executable).parent / "daphne"
    with log.open("w") as output:
        server = subprocess.Popen(  # noqa: S603 - our own venv's daphne
            [str(daphne), "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    rounds = []
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310 - localhost
                break
            except OSError:
                time.sleep(0.5)
        group = group_for_region(settings.VT_REGION)
        for count in COUNTS:
            figures = asyncio.run(one_round(base, cookies[:count], server.pid, group))
            rounds.append(figures)
            print(
                f"{count} dashboards: {figures['snapshots']} snapshots "
                f"({figures['failed']} failed), all connected in {figures['all_connected_s']} s, "
                f"snapshot p50 {figures['snapshot_p50_ms']} ms p99 {figures['snapshot_p99_ms']} "
                f"ms, {figures['kib_per_socket']} KiB per socket, group members "
                f"{figures['group_members_while_open']} open / "
                f"{figures['group_members_after_close']} after closing all at once (group "
                f"empty after {figures['group_empty_after_s']} s)"
            )
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
    text = log.read_text()
    errors = text.count("Traceback") + text.count("MaxConnectionsError")
    # Daphne's warning for a consumer still busy 10 s after its client left.
    slow_closes = text.count("took too long to shut down")
    largest = rounds[-1]
    met = (
        largest["failed"] == 0
        and largest["all_connected_s"] <= CONNECT_TARGET_S
        and largest["group_members_after_close"] == 0
        and errors == 0
    )
    print(
        f"{largest['sockets']} dashboards connected in {largest['all_connected_s']} s "
        f"(target <= {CONNECT_TARGET_S:g} s), {largest['failed']} failed, "
        f"{largest['group_members_after_close']} stale group members, {errors} errors in the "
        f"server's log: {'met' if met else 'MISSED'}; {slow_closes} consumers still busy 10 s "
        "after their client left (Daphne killed them)"
    )
    out = RESULTS / "sockets.json"
    result = {
        "benchmark": "sockets",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load_average": os.getloadavg(),
        "rounds": rounds,
        "server_log_errors": errors,
        "consumers_killed_after_close": slow_closes,
        "target_met": met,
    }
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
