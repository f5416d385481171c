"""Refusals of strangers: requests that prove no identity (an unsigned or wrongly signed
partner API call, a socket without a login). NEN 7513's access log records access to
records by identified users and systems; a stranger is neither, so a refusal of one
writes no access-log row (which would also let anyone grow the log, and queue every
request behind the chain lock). It goes to the security log, at most
STRANGER_REFUSAL_LINES_PER_MINUTE lines a minute per source address; the first refusal
over that limit writes one summary line, and the next minute's first line from that
address says how many were left out.

    if stranger_line_allowed(ip):
        security_log.warning(...)
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache

from observability.logs import ip_fingerprint

security_log = logging.getLogger("veiligthuis.security")

_WINDOW_SECONDS = 60
_clock = time.time  # tests pin it
_KEY_PREFIX = "stranger-refusals"  # tests give each test its own counters


def _counter_key(address: str, window: int) -> str:
    return f"{_KEY_PREFIX}:{address}:{window}"


def _count(key: str) -> int:
    """Add one to the window's counter (atomic in Redis); 0 when the cache is down."""
    try:
        cache.add(key, 0, timeout=3 * _WINDOW_SECONDS)
        return int(cache.incr(key))
    except Exception:  # a cache outage must never hide a refusal
        return 0


def stranger_line_allowed(ip: str, *, now: float | None = None) -> bool:
    """Whether this stranger refusal from `ip` gets its own security-log line."""
    address = ip or "-"
    limit = max(int(getattr(settings, "STRANGER_REFUSAL_LINES_PER_MINUTE", 20)), 1)
    window = int((_clock() if now is None else now) // _WINDOW_SECONDS)
    count = _count(_counter_key(address, window))
    if count == 0:
        return True
    if count == 1:
        try:
            before = int(cache.get(_counter_key(address, window - 1)) or 0)
        except Exception:
            before = 0
        if before > limit + 1:
            security_log.warning(
                "refusals not logged: ip=%s count=%s in the minute before (limit %s a minute)",
                ip_fingerprint(ip),
                before - limit - 1,
                limit,
            )
    if count <= limit:
        return True
    if count == limit + 1:
        security_log.warning(
            "refusals not logged: ip=%s sent more than %s refused requests this minute; "
            "the rest of this minute is counted, not logged",
            ip_fingerprint(ip),
            limit,
        )
    return False
