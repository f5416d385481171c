"""The operators' dashboard socket, /ws/dashboard/.

Refused before the handshake completes unless the session is a live, 2FA-verified staff
session with `accounts.answer_hotline`. Then: a snapshot, the region's outbox events as
they are published, and on request everything after a sequence number. Each event reaches
only users in its kind's audience (events.catalogue): a supervisors' event never reaches
an operator's socket.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib import import_module
from typing import Any, cast

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends.base import SessionBase
from django.db import close_old_connections
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from accounts.models import User
from accounts.roles import ANSWER_HOTLINE
from accounts.security import client_address
from dashboard.views import dashboard_region, dashboard_since, dashboard_snapshot
from events.catalogue import Audience, audiences_of, kind_reaches
from events.relay import relay_start_in_background
from events.services import group_for_region
from observability import metrics
from observability.request_id import new_request_id, request_id_bound

logger = logging.getLogger(__name__)

# Close code for "your session ended": the page reloads and lands on the login page.
CLOSE_SESSION_ENDED = 4401


def _off_the_shared_thread(function: Any) -> Any:
    """The socket's database work in the thread pool, not on Channels' one thread-sensitive
    thread: that thread serves every socket and request of the process in turn, so 500
    dashboards connecting waited for each other's snapshots.

    The connection is closed (handed back to the pool) inside the call, in the context the
    function ran in: database_sync_to_async's own clean-up runs outside that context and,
    in a pooled thread, does not see the connection the function opened."""

    @functools.wraps(function)
    def run_and_hand_back(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        finally:
            close_old_connections()

    return database_sync_to_async(run_and_hand_back, thread_sensitive=False)


def _session_live(session: SessionBase) -> bool:
    """The same limits as accounts.middleware.SessionTimeoutMiddleware."""
    now = int(timezone.now().timestamp())
    login_at, last_seen = session.get("login_at"), session.get("last_seen")
    if login_at is None or last_seen is None:
        return False
    if now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds():
        return False
    return now - last_seen <= settings.SESSION_IDLE_TIMEOUT.total_seconds()


def _otp_verified(user: Any, session: SessionBase) -> bool:
    """What django_otp's OTPMiddleware decides for a request, for a socket's scope."""
    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    if not persistent_id:
        return False
    device = Device.from_persistent_id(persistent_id)
    return device is not None and device.user_id == user.pk and device.confirmed


def admission_refusal(user: Any, session: SessionBase | None) -> str:
    """Why this socket may not see the dashboard; "" when it may."""
    if user is None or not user.is_authenticated or session is None:
        return "not logged in"
    if not user.is_active:
        return "inactive"
    if not _session_live(session):
        return "session expired"
    if not _otp_verified(user, session):
        return "no second factor"
    if not user.has_perm(ANSWER_HOTLINE):
        return f"lacks {ANSWER_HOTLINE}"
    return ""


def _still_admitted(user_id: int, session_key: str | None) -> str:
    """Re-read session and user from the database: logout, expiry or a lost role ends it."""
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
    if str(store.get(SESSION_KEY)) != str(user_id):
        return "logged out"
    user = get_user_model().objects.filter(pk=user_id).first()
    return admission_refusal(user, store)


def _audiences_now(user_id: int) -> frozenset[Audience]:
    """The audiences the user is in now (a role given or taken away since the last look)."""
    user = User.objects.filter(pk=user_id).first()
    return audiences_of(user) if user is not None else frozenset()


def _log_refusal(scope: Mapping[str, Any], user: Any, reason: str) -> None:
    """The refused handshake through the access gate: an access-log row and a security line
    (only a rate-limited security line for a socket without a login: privacy.strangers)."""
    from privacy.gate import refusal_record

    refusal_record(
        actor=user,
        target_type="page",
        target_id="ws:dashboard",
        reason=reason,
        ip=scope_client_address(scope),
        view="ws:dashboard",
    )


def scope_client_address(scope: Mapping[str, Any]) -> str:
    """The client of a socket by the same rule as HTTP (accounts.security.client_address)."""
    forwarded = ",".join(
        value.decode("latin-1")
        for name, value in scope.get("headers") or []
        if name.lower() == b"x-forwarded-for"
    )
    client = scope.get("client") or ["", 0]
    return client_address(forwarded=forwarded, peer=str(client[0] or ""))


def _admit(scope: Mapping[str, Any]) -> tuple[str, list[str], frozenset[Audience]]:
    user, session = scope.get("user"), scope.get("session")
    reason = admission_refusal(user, session)
    if reason:
        _log_refusal(scope, user, reason)
        return reason, [], frozenset()
    assert user is not None  # admission_refusal refuses a missing user
    # Outbox events go to the region's group; who sees which kind is the audience's call.
    return "", [group_for_region(dashboard_region(user))], audiences_of(user)


class DashboardConsumer(AsyncJsonWebsocketConsumer):
    # How often an open socket re-checks its session (logout, idle limit, role removed);
    # None: settings.DASHBOARD_SESSION_CHECK_SECONDS.
    session_check_seconds: float | None = None

    # Each event (connect, receive, disconnect) gets a request id of its own, like an HTTP
    # request, on every line logged while it runs; `socket` ties the events of one socket.
    @contextmanager
    def _socket_event(self, event: str) -> Iterator[None]:
        if not hasattr(self, "socket_id"):
            self.socket_id = new_request_id()[:12]
        with request_id_bound(new_request_id()):
            logger.info(
                "dashboard socket %s: socket=%s",
                event,
                self.socket_id,
                extra={"socket": self.socket_id, "socket_event": event},
            )
            yield

    async def connect(self) -> None:
        self._watch: asyncio.Task | None = None
        self._counted = False
        self.audiences: frozenset[Audience] = frozenset()
        with self._socket_event("connect"):
            admitted = await self._connect()
        if admitted:
            # Outside the event's id: the relay serves every socket of this process.
            relay_start_in_background()

    async def _connect(self) -> bool:
        reason, groups, audiences = await _off_the_shared_thread(_admit)(self.scope)
        if reason:
            # Before accept: the handshake is refused (HTTP 403) and nothing is sent.
            await self.close()
            return False
        self.audiences = audiences
        self.groups = groups
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        metrics.dashboard_socket_opened()
        self._counted = True
        await self.send_json(await self._snapshot())
        self._watch = asyncio.create_task(self._watch_session())
        return True

    async def disconnect(self, code: int) -> None:
        with self._socket_event("disconnect"):
            watch = getattr(self, "_watch", None)
            if watch is not None:
                watch.cancel()
            if getattr(self, "_counted", False):
                metrics.dashboard_socket_closed()
                self._counted = False

    @property
    def staff(self) -> User:
        """The member of staff this socket admitted (connect() closes on anyone else)."""
        return cast(User, self.scope["user"])

    async def _snapshot(self) -> dict[str, Any]:
        return await _off_the_shared_thread(dashboard_snapshot)(user=self.staff)

    async def _watch_session(self) -> None:
        user_id = self.staff.pk
        session_key = self.scope["session"].session_key
        interval = self.session_check_seconds or settings.DASHBOARD_SESSION_CHECK_SECONDS
        while True:
            await asyncio.sleep(interval)
            try:
                reason = await _off_the_shared_thread(_still_admitted)(user_id, session_key)
                if not reason:
                    self.audiences = await _off_the_shared_thread(_audiences_now)(user_id)
            except Exception as error:
                # The database (or the pool) cannot answer: an outage, not a verdict on
                # the session. Closing would send every operator to a login page that
                # cannot load either; the socket stays and the next check decides. Only
                # the error's type: its text may quote a query.
                logger.warning(
                    "dashboard socket: session check not possible (%s); keeping the socket, "
                    "checking again in %g s",
                    type(error).__name__,
                    interval,
                )
                continue
            if reason:
                await self.close(code=CLOSE_SESSION_ENDED)
                return

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        with self._socket_event("receive"):
            await self._receive(content)

    async def _receive(self, content: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "since":
            seq = content.get("seq")
            if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
                await self.send_json({"type": "error", "error": "since needs a seq >= 0"})
                return
            reply = await _off_the_shared_thread(dashboard_since)(user=self.staff, seq=seq)
            await self.send_json(reply)
        elif kind == "snapshot":
            await self.send_json(await self._snapshot())
        else:
            await self.send_json({"type": "error", "error": "unknown message"})

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        try:
            return await super().decode_json(text_data)
        except ValueError:
            return None

    async def outbox_event(self, message: dict[str, Any]) -> None:
        if not kind_reaches(message["kind"], self.audiences):
            return
        await self.send_json(
            {
                "type": "event",
                "seq": message["seq"],
                "kind": message["kind"],
                "payload": message["payload"],
            }
        )
