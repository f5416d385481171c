"""The access log's head, exported outside the database (manage.py export_access_log_head).

A chain alone cannot show that its newest rows were cut off: the shorter chain is still a
chain. So the worker writes the head (the newest row's seq and hash) every few minutes
to ACCESS_LOG_HEAD_EXPORT: a file (one JSON line per export, appended) on storage the
database server cannot write, or syslog (shipped off the machine). verify_access_log
then checks that the last exported head is still in the chain, unchanged.

Each line carries an HMAC under an ACCESS_LOG_KEYS key (`mac_key_id`), so a line added to
the file by someone without the key is refused, not trusted.
"""

from __future__ import annotations

import json
import logging.handlers
import os
import socket
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from privacy.chain import GENESIS_HASH, key_by_id, keyed_link, newest_key, same
from privacy.models import AccessLogEntry

SYSLOG = "syslog"
SYSLOG_ADDRESS = "/dev/log"
SYSLOG_TAG = "veiligthuis-access-log-head: "


class HeadError(Exception):
    """The exported head cannot be read or is not authentic; the message says why."""


@dataclass(frozen=True)
class ExportedHead:
    seq: int
    entry_hash: str
    key_id: str  # the key that linked the head row ("" for a row from before the keys)
    at: str
    mac_key_id: str
    mac: str = ""

    def signed_content(self) -> dict[str, Any]:
        content = asdict(self)
        del content["mac"]
        return content

    def line(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))


def current_head() -> ExportedHead:
    """The newest row's seq and hash, with the line's HMAC under the newest key."""
    last = (
        AccessLogEntry.objects.order_by("-seq").values_list("seq", "entry_hash", "key_id").first()
    )
    seq, entry_hash, key_id = last if last is not None else (0, GENESIS_HASH, "")
    key = newest_key()
    head = ExportedHead(seq, entry_hash, key_id, timezone.now().isoformat(), key.key_id)
    return ExportedHead(**{**asdict(head), "mac": keyed_link(head.signed_content(), key)})


def head_destination() -> str:
    return str(getattr(settings, "ACCESS_LOG_HEAD_EXPORT", "") or "").strip()


def export_head(destination: str | None = None) -> ExportedHead:
    """Append the current head to the file, or send it to syslog; return it."""
    destination = head_destination() if destination is None else destination
    if not destination:
        raise HeadError("ACCESS_LOG_HEAD_EXPORT is not set: there is nowhere to export to.")
    head = current_head()
    if destination == SYSLOG:
        _send_to_syslog(SYSLOG_TAG + head.line())
        return head
    path = Path(destination)
    if not path.parent.is_dir():
        raise HeadError(f"ACCESS_LOG_HEAD_EXPORT: the folder {path.parent} does not exist.")
    # O_APPEND: earlier lines are never rewritten, even by two exports at once.
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    with os.fdopen(descriptor, "a", encoding="utf-8") as out:
        out.write(head.line() + "\n")
        out.flush()
        os.fsync(out.fileno())
    return head


def _send_to_syslog(message: str) -> None:
    """One datagram to the local syslog (facility auth, level info). Unlike the logging
    module's handler, a syslog that cannot be reached is an error here, not silence."""
    priority = logging.handlers.SysLogHandler.LOG_AUTH * 8 + logging.handlers.SysLogHandler.LOG_INFO
    data = f"<{priority}>{message}".encode()
    last_error: OSError | None = None
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        try:
            with socket.socket(socket.AF_UNIX, kind) as connection:
                connection.connect(SYSLOG_ADDRESS)
                connection.sendall(data if kind == socket.SOCK_DGRAM else data + b"\0")
            return
        except OSError as error:
            last_error = error
    raise HeadError(f"syslog is not reachable at {SYSLOG_ADDRESS}: {last_error}")


def parse_head(line: str) -> ExportedHead:
    """One exported line (a syslog prefix before the JSON is allowed), checked for its HMAC."""
    start = line.find("{")
    try:
        data: dict[str, Any] = json.loads(line[start:]) if start >= 0 else {}
        head = ExportedHead(
            seq=int(data["seq"]),
            entry_hash=str(data["entry_hash"]),
            key_id=str(data["key_id"]),
            at=str(data["at"]),
            mac_key_id=str(data["mac_key_id"]),
            mac=str(data["mac"]),
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        raise HeadError("the exported head line is not a head line") from None
    key = key_by_id(head.mac_key_id)
    if key is None:
        raise HeadError(
            f"the exported head is signed with key id {head.mac_key_id!r}, "
            "which ACCESS_LOG_KEYS does not hold"
        )
    if not same(keyed_link(head.signed_content(), key), head.mac):
        raise HeadError("the exported head line is not authentic (its HMAC does not match)")
    return head


def last_line(path: Path, *, block: int = 4096) -> str:
    """The file's last non-empty line, read from the end: constant time on a long file."""
    with path.open("rb") as source:
        source.seek(0, os.SEEK_END)
        position = source.tell()
        tail = b""
        while position > 0:
            step = min(block, position)
            position -= step
            source.seek(position)
            tail = source.read(step) + tail
            lines = [line for line in tail.splitlines() if line.strip()]
            if len(lines) > 1 or (lines and position == 0):
                return lines[-1].decode("utf-8", errors="replace")
    return ""


def last_exported_head(path: Path) -> ExportedHead | None:
    """The last head written to `path`, checked; None if nothing was exported yet."""
    if not path.exists():
        return None
    line = last_line(path)
    return parse_head(line) if line else None
