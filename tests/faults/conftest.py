"""Fault tests: a Redis of our own to kill, Daphne as deployed, and a dashboard page.

Never the machine's shared Redis on 6379 (other engineers and CI use it): each test that
kills Redis starts its own redis-server on a free port in a temporary directory.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from django.conf import settings
from django.db import connection

from tests.browser.test_dashboard_in_the_browser import (
    SERVER_APPLICATION_NAME,
    DaphneServer,
    database_url_for_the_server,
    free_port,
)
from tests.hotline.dashboard_helpers import Page


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


class RedisServer:
    """A throwaway redis-server: no persistence, so a restart comes back empty, as a
    crashed cache node does."""

    def __init__(self, port: int, directory: Path) -> None:
        self.port = port
        self.directory = directory
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (apt-get install redis-server).")
        self.process = subprocess.Popen(
            [
                *(binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""),
                *("--appendonly", "no", "--daemonize", "no", "--dir", str(self.directory)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while not port_open(self.port):
            if time.monotonic() > deadline or self.process.poll() is not None:
                pytest.fail(f"our redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no goodbye to the clients, the way a node dies."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        self.kill()


@pytest.fixture
def own_redis(tmp_path) -> Iterator[RedisServer]:
    redis = RedisServer(free_port(), tmp_path)
    redis.start()
    yield redis
    redis.stop()


def server_env(port: int, **overrides: str) -> dict[str, str]:
    """The environment of a Daphne that shares this test's database and secrets."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TWILIO_", "DJANGO_", "DATABASE_", "REDIS_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
            "BLIND_INDEX_KEY": settings.BLIND_INDEX_KEY,
            "CHANNEL_LAYER_ENCRYPTION_KEY": settings.CHANNEL_LAYER_ENCRYPTION_KEY,
            "TWILIO_AUTH_TOKEN": settings.TWILIO_AUTH_TOKEN,
            "LOG_LEVEL": "ERROR",
        }
    )
    env.update(overrides)
    return env


@pytest.fixture
def daphne_factory(tmp_path) -> Iterator:
    started: list[DaphneServer] = []

    def start(**overrides: str) -> DaphneServer:
        port = free_port()
        env = server_env(port, **overrides)
        if "DATABASE_URL" not in overrides:
            env["DATABASE_URL"] = database_url_for_the_server()
        server = DaphneServer(port, env, tmp_path / f"daphne-{port}.log")
        started.append(server)
        server.start()
        return server

    yield start
    for server in started:
        server.stop()


class DashboardWatcher:
    """A dashboard page on a real socket, in its own thread.

    It does what static/js/dashboard.js does: a snapshot on (re)connect, events applied in
    sequence order, `since` when it sees a gap, and reconnecting after a drop. It records
    every sequence number it was sent, so the test can count lost and duplicated events.
    """

    def __init__(self, base_url: str, cookie: str) -> None:
        self.ws_url = base_url.replace("http://", "ws://") + "/ws/dashboard/"
        self.origin = base_url
        self.cookie = cookie
        self.lock = threading.Lock()
        self.page: Page | None = None
        self.first_snapshot_seq: int | None = None
        self.snapshots: list[int] = []  # seq of every snapshot, in arrival order
        self.pushed: list[int] = []  # seq of every event pushed live
        self.replayed: list[int] = []  # seq of every event in a `since` answer
        self.connects = 0
        self.drops = 0
        self._held: list[dict[str, Any]] = []
        self._waiting_since = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    def start(self, timeout: float = 10) -> DashboardWatcher:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while self.first_snapshot_seq is None:
            if time.monotonic() > deadline:
                pytest.fail("the dashboard socket never sent its snapshot")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def view(self) -> dict[str, Any] | None:
        with self.lock:
            return None if self.page is None else self.page.view()

    async def _run(self) -> None:
        headers = {
            "Origin": self.origin,
            "Cookie": f"{settings.SESSION_COOKIE_NAME}={self.cookie}",
        }
        timeout = aiohttp.ClientTimeout(total=None, connect=5, sock_connect=5)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while not self._stop.is_set():
                try:
                    async with session.ws_connect(self.ws_url, headers=headers) as ws:
                        self.connects += 1
                        while not self._stop.is_set():
                            try:
                                message = await ws.receive(timeout=0.2)
                            except TimeoutError:
                                continue
                            if message.type != aiohttp.WSMsgType.TEXT:
                                break
                            await self._handle(ws, json.loads(message.data))
                except (aiohttp.ClientError, OSError, TimeoutError):
                    pass
                if not self._stop.is_set():
                    self.drops += 1
                    await asyncio.sleep(0.2)

    async def _handle(self, ws: aiohttp.ClientWebSocketResponse, data: dict[str, Any]) -> None:
        kind = data.get("type")
        with self.lock:
            if kind == "snapshot":
                self.page = Page(data)
                self.snapshots.append(data["seq"])
                if self.first_snapshot_seq is None:
                    self.first_snapshot_seq = data["seq"]
                self._held, self._waiting_since = [], False
                return
            if kind == "event":
                self.pushed.append(data["seq"])
                if self.page is None or data["seq"] <= self.page.seq:
                    return
                if self._waiting_since or data["seq"] > self.page.seq + 1:
                    self._held.append(data)
                    if self._waiting_since:
                        return
                    self._waiting_since = True
                    ask = {"type": "since", "seq": self.page.seq}
                else:
                    self.page.apply(data)
                    return
            elif kind == "events":
                assert self.page is not None
                for event in data["events"]:
                    self.replayed.append(event["seq"])
                    self.page.apply(event)
                self.page.seq = max(self.page.seq, data["upto"])
                for event in sorted(self._held, key=lambda e: e["seq"]):
                    self.page.apply(event)
                self._held, self._waiting_since = [], False
                return
            else:
                return
        await ws.send_json(ask)


@contextmanager
def database_outage() -> Iterator[None]:
    """The test database refuses new connections and ends the open ones of the servers
    under test (their pools'), so they see what they see when PostgreSQL is gone. This
    test process's own connection is left alone: the tests after this one go on using it.
    Never the shared server itself, only this test's database.

    On SQLite the file makes way for a directory of the same name, which cannot be opened.
    """
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "postgresql":
        import psycopg
        from psycopg import sql

        db = connection.settings_dict
        # From the maintenance database: PostgreSQL refuses this for the current one.
        with psycopg.connect(
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
            user=db["USER"],
            password=db["PASSWORD"] or None,
            dbname="postgres",
            autocommit=True,
        ) as admin:
            allow = sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}")
            admin.execute(allow.format(sql.Identifier(name), sql.SQL("false")))
            # A server with a connection pool keeps its open connections, and would go on
            # answering from them: end the servers' connections (by the name they carry),
            # as a PostgreSQL that goes away would; never this test process's own.
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND application_name = %s",
                (name, SERVER_APPLICATION_NAME),
            )
            try:
                yield
            finally:
                admin.execute(allow.format(sql.Identifier(name), sql.SQL("true")))
        return
    path = Path(name)
    aside = path.with_name(path.name + ".aside")
    path.rename(aside)
    path.mkdir()
    try:
        yield
    finally:
        path.rmdir()
        aside.rename(path)
