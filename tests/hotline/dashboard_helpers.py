"""Opening the dashboard socket through the real ASGI stack, with a real login session."""

from __future__ import annotations

import asyncio
from typing import Any

from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from config.asgi import application


def session_cookie(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


async def open_socket(
    cookie: str | None, *, origin: str = "http://testserver"
) -> tuple[WebsocketCommunicator, bool]:
    headers = [(b"host", b"testserver"), (b"origin", origin.encode())]
    if cookie:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    communicator = WebsocketCommunicator(application, "/ws/dashboard/", headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    return communicator, connected


async def receive(communicator: WebsocketCommunicator, timeout: float = 3) -> dict[str, Any]:
    return await communicator.receive_json_from(timeout=timeout)


async def receive_until(
    communicator: WebsocketCommunicator, kind: str, timeout: float = 5
) -> dict[str, Any]:
    """The next event of `kind`, skipping others (presence changes and the like)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        left = deadline - asyncio.get_running_loop().time()
        message = await receive(communicator, timeout=max(left, 0.01))
        if message.get("kind") == kind:
            return message


class Page:
    """What a dashboard page holds, applied the way static/js/dashboard.js applies it."""

    def __init__(self, snapshot: dict[str, Any]) -> None:
        self.seq = snapshot["seq"]
        self.calls = {c["call_id"]: c for c in snapshot["calls"]}
        self.operators = {o["username"]: o for o in snapshot["operators"]}
        # The acute list: "case-<id>" and "call-<id>" (hotline.selectors.acute_list).
        self.alerts = {a["key"] for a in snapshot["alerts"]}

    def apply(self, event: dict[str, Any]) -> None:
        if event["seq"] <= self.seq:
            return
        payload, kind = event["payload"], event["kind"]
        if kind.startswith("call."):
            if payload["state"] in {"queued", "taken", "connected"}:
                self.calls[payload["call_id"]] = payload
            else:
                self.calls.pop(payload["call_id"], None)
            if payload["case_id"]:
                self.alerts.discard(f"call-{payload['call_id']}")
        elif kind == "presence.changed":
            self.operators[payload["username"]] = payload
        elif kind == "acute.call":
            key = f"call-{payload['call_id']}"
            if payload["handled"]:
                self.alerts.discard(key)
            else:
                self.alerts.add(key)
        elif kind == "acute.alert":
            self.alerts.add(f"case-{payload['case_id']}")
        elif kind.startswith("case."):
            key = f"case-{payload['case_id']}"
            if kind == "case.created" and payload["acute"] and payload.get("acute_since"):
                self.alerts.add(key)
            elif (
                not payload["acute"]
                or payload["state"] == "closed"
                or payload.get("action") == "safety_action"
            ):
                self.alerts.discard(key)
        self.seq = event["seq"]

    def view(self) -> dict[str, Any]:
        """What the page shows: comparable with another page or a fresh snapshot."""
        return {
            "queue": sorted(c["call_id"] for c in self.calls.values() if c["state"] == "queued"),
            "active": sorted(
                (c["call_id"], c["operator"])
                for c in self.calls.values()
                if c["state"] in {"taken", "connected"}
            ),
            "operators": {name: o["state"] for name, o in self.operators.items()},
            "alerts": sorted(self.alerts),
        }
