"""The log format: one JSON object a line in production, plain text for `make run`.

Every line carries the request id of the request or socket event it was written in
(observability.request_id). Only a fixed set of extra fields is ever written: Django
passes the request object itself as an extra, and its repr holds the query string.
An exception is written as its type and the stack (file, line, function): never its
message, which for a database error can quote the values of the row.
"""

from __future__ import annotations

import datetime
import json
import logging
import traceback
from typing import Any

from django.utils.crypto import salted_hmac

from observability.request_id import current_request_id

# The extras a line may carry (observability.access and the socket events).
LOGGED_EXTRAS = (
    "http_method",
    "http_path",
    "http_status",
    "duration_ms",
    "view",
    "socket",
    "socket_event",
)


class RequestIdLogFilter(logging.Filter):
    """Puts the current request id on every record (on the handler, so it covers every logger)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


class JsonLogFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", current_request_id.get()),
        }
        for name in LOGGED_EXTRAS:
            if name in record.__dict__:
                line[name] = record.__dict__[name]
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, _, exc_traceback = record.exc_info
            line["exception_type"] = f"{exc_type.__module__}.{exc_type.__qualname__}"
            line["exception_stack"] = [
                f"{frame.filename}:{frame.lineno} in {frame.name}"
                for frame in traceback.extract_tb(exc_traceback)
            ]
        return json.dumps(line, ensure_ascii=False, default=str)


def ip_fingerprint(address: str) -> str:
    """A keyed hash of an IP address for log lines: the same address gives the same
    fingerprint (so a flood from one source shows as one), but the line does not say who.
    Keyed with SECRET_KEY, so nobody holding the logs can hash every IPv4 address to undo it."""
    if not address:
        return "-"
    return "ip-" + salted_hmac("observability.ip-fingerprint", address).hexdigest()[:16]


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """settings.LOGGING for LOG_FORMAT json or plain."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdLogFilter}},
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
            "json": {"()": JsonLogFormatter},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["request_id"],
            },
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.request": {"level": "ERROR"},
            "daphne": {"level": "WARNING"},
            # observability.serve: WebSocket handshakes at INFO, HTTP (logged by Django) at DEBUG.
            "daphne.access": {"level": level},
            "axes": {"level": "WARNING"},
            # A line per job start and end (a relay round every 5 s) would drown the rest,
            # and at INFO it names each job's arguments; failures and retries are WARNING.
            "procrastinate": {"level": "WARNING"},
        },
    }
