"""Error reports through the Sentry SDK, to Sentry or any server that speaks its protocol
(GlitchTip, Bugsink): off unless SENTRY_DSN is set.

What leaves the system is an allow-list, not a deny-list (`scrub_event`): the exception's
type and its stack (file, line, function, source line), the request's method and path,
a few harmless headers, the request id, the release and environment. Never: request
bodies, cookies, query strings, other headers, the user, local variables, extra data, the
exception's message (a ValidationError or a database error can quote a case field), and
whatever text is left is cleared of anything that looks like a phone number or an email
address.
"""

from __future__ import annotations

import re
from typing import Any, cast

from observability.request_id import NO_REQUEST_ID, current_request_id

FILTERED = "[filtered]"
# Headers that say nothing about who sent the request.
SAFE_HEADERS = frozenset({"content-type", "content-length", "accept", "x-request-id"})
_EVENT_KEYS = frozenset(
    {
        "event_id",
        "timestamp",
        "level",
        "platform",
        "logger",
        "environment",
        "release",
        "sdk",
        "transaction",
        "exception",
        "logentry",
        "request",
        "tags",
        "breadcrumbs",
        "fingerprint",
    }
)
_FRAME_KEYS = frozenset(
    {"filename", "abs_path", "module", "function", "lineno", "colno", "in_app", "context_line"}
)
_EMAIL = re.compile(r"[^\s@<>()\"',;:]+@[^\s@<>()\"',;:]+\.[A-Za-z]{2,}")
# Nine or more digits, single spaces, dots or dashes between them allowed: 0612345678,
# +31 6 1234 5678, 070-123 45 67. Dates and line numbers are shorter.
_PHONE = re.compile(r"(?<![\w])\+?\d(?:[\s.-]?\d){8,}(?![\w])")


def scrub_text(text: str) -> str:
    return _PHONE.sub(FILTERED, _EMAIL.sub(FILTERED, text))


def _frames(stacktrace: Any) -> dict[str, Any]:
    frames = (stacktrace or {}).get("frames") or []
    kept = []
    for frame in frames:
        clean = {key: value for key, value in frame.items() if key in _FRAME_KEYS}
        if isinstance(clean.get("context_line"), str):
            clean["context_line"] = scrub_text(clean["context_line"])
        kept.append(clean)
    return {"frames": kept}


def _exception(exception: Any) -> dict[str, Any]:
    values = []
    for value in (exception or {}).get("values") or []:
        values.append(
            {
                "type": value.get("type"),
                "module": value.get("module"),
                # The message stays home: it may quote a case field or a row.
                "value": "",
                "mechanism": {
                    key: item
                    for key, item in (value.get("mechanism") or {}).items()
                    if key in {"type", "handled"}
                },
                "stacktrace": _frames(value.get("stacktrace")),
            }
        )
    return {"values": values}


def _request(request: Any) -> dict[str, Any]:
    headers = request.get("headers") or {}
    url = str(request.get("url") or "")
    return {
        "method": request.get("method"),
        "url": scrub_text(url.split("?", 1)[0]),
        "headers": {
            name: scrub_text(str(value))
            for name, value in headers.items()
            if name.lower() in SAFE_HEADERS
        },
    }


def _logentry(entry: Any) -> dict[str, Any]:
    # The formatted message only, scrubbed; its params are values and stay home.
    message = entry.get("formatted") or entry.get("message") or ""
    return {"formatted": scrub_text(str(message))}


def scrub_breadcrumb(crumb: dict[str, Any], hint: Any = None) -> dict[str, Any] | None:
    """A breadcrumb keeps what kind it was and a scrubbed message; never its data (SQL
    parameters, URLs with queries, log arguments)."""
    kept = {key: crumb[key] for key in ("timestamp", "type", "category", "level") if key in crumb}
    if crumb.get("category") == "query":
        # SQL text without parameters says which table, which is enough; params never.
        kept["message"] = scrub_text(str(crumb.get("message") or ""))[:500]
    elif crumb.get("message"):
        kept["message"] = scrub_text(str(crumb["message"]))[:500]
    return kept


def scrub_event(event: dict[str, Any], hint: Any = None) -> dict[str, Any] | None:
    clean: dict[str, Any] = {key: value for key, value in event.items() if key in _EVENT_KEYS}
    if "exception" in clean:
        clean["exception"] = _exception(clean["exception"])
    if "request" in clean:
        clean["request"] = _request(clean["request"])
    if "logentry" in clean:
        clean["logentry"] = _logentry(clean["logentry"])
    if "transaction" in clean:
        clean["transaction"] = scrub_text(str(clean["transaction"]))
    tags = {
        str(key): scrub_text(str(value))
        for key, value in (clean.get("tags") or {}).items()
        if key in {"request_id", "url_name"}
    }
    request_id = current_request_id.get()
    if request_id != NO_REQUEST_ID:
        tags["request_id"] = request_id
    clean["tags"] = tags
    breadcrumbs = clean.get("breadcrumbs")
    if isinstance(breadcrumbs, dict):
        values = breadcrumbs.get("values") or []
        clean["breadcrumbs"] = {"values": [scrub_breadcrumb(crumb) for crumb in values]}
    elif breadcrumbs is not None:
        clean.pop("breadcrumbs")
    return clean


def start_error_reporting(
    *, dsn: str, environment: str, release: str = "", transport: Any = None
) -> None:
    """sentry_sdk.init with the scrubber; settings.py calls it when SENTRY_DSN is set."""
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    options: dict[str, Any] = {}
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration(transaction_style="url", middleware_spans=False)],
        # send_default_pii stays at its default (off): no user, no IP, no cookies.
        include_local_variables=False,
        include_source_context=True,
        max_request_body_size="never",
        # Errors only: no performance tracing, no profiles, no sessions with user data.
        traces_sample_rate=None,
        auto_session_tracking=False,
        # The SDK's Event type is a TypedDict; the scrubbers work on plain dicts.
        before_send=cast(Any, scrub_event),
        before_breadcrumb=cast(Any, scrub_breadcrumb),
        **options,
    )
