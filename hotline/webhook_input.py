"""What Twilio may post to our webhooks, field by field, and how long it may be.

A signed request is Twilio's, but what it carries is not ours to trust blindly: a value
we store must fit its column on every database (PostgreSQL refuses a NUL and an
over-long value; SQLite stores both), and a number must fit the integer it becomes.
`twilio_webhook` runs `webhook_input_problem` before any view; a problem is answered
with 400 and a body that names the field, never with a 500.

Only fields a view reads are checked; Twilio adds fields over time and the others are
ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

# Twilio's ids: two letters and 32 lower-case hex digits.
CALL_SID = re.compile(r"CA[0-9a-f]{32}")
ACCOUNT_SID = re.compile(r"AC[0-9a-f]{32}")
# A number in E.164 or as dialled, or a word for a withheld number ("anonymous") or a
# softphone ("client:operator-1").
PHONE = re.compile(r"\+?[0-9]{1,20}|[A-Za-z][A-Za-z0-9:@._+\-]{0,63}")
# Keys pressed; "hangup" when the caller hung up during a <Gather>.
DIGITS = re.compile(r"[0-9*#]{0,20}|hangup")
STATUS_WORD = re.compile(r"[A-Za-z\-]{1,32}")
SMALL_NUMBER = re.compile(r"[0-9]{1,9}")

# Twilio's SequenceNumber, QueuePosition and QueueTime end up in IntegerFields.
MAX_INTEGER = 2**31 - 1


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    expected: str
    maximum: int | None = None


FIELDS: dict[str, Rule] = {
    "CallSid": Rule(CALL_SID, "CA and 32 hex digits"),
    "AccountSid": Rule(ACCOUNT_SID, "AC and 32 hex digits"),
    "From": Rule(PHONE, "a phone number (at most 20 digits) or a short name"),
    "To": Rule(PHONE, "a phone number (at most 20 digits) or a short name"),
    "Digits": Rule(DIGITS, "at most 20 keys (0-9, * and #)"),
    "CallStatus": Rule(STATUS_WORD, "a status word"),
    "QueueResult": Rule(STATUS_WORD, "a result word"),
    "DialCallStatus": Rule(STATUS_WORD, "a status word"),
    "QueuePosition": Rule(SMALL_NUMBER, f"a whole number up to {MAX_INTEGER}", MAX_INTEGER),
    "QueueTime": Rule(SMALL_NUMBER, f"a whole number up to {MAX_INTEGER}", MAX_INTEGER),
    "SequenceNumber": Rule(
        re.compile(r"[0-9]{1,10}"), f"a whole number up to {MAX_INTEGER}", MAX_INTEGER
    ),
}

# Our own query parameters (call=, callback=): a database id.
QUERY_ID = re.compile(r"[0-9]{1,18}")


def value_problem(name: str, value: str) -> str:
    """Why `value` is no acceptable `name`; "" when it is (or `name` is not checked)."""
    rule = FIELDS.get(name)
    if rule is None or value == "":
        # Empty is what the views already read as "not sent".
        return ""
    if rule.pattern.fullmatch(value) is None:
        return f"bad {name}: expected {rule.expected}"
    if rule.maximum is not None and int(value) > rule.maximum:
        return f"bad {name}: expected {rule.expected}"
    return ""


def webhook_input_problem(post: Mapping[str, object]) -> str:
    """The first problem with the checked fields of a webhook's form data; "" if none.

    `post` is a QueryDict: a field sent twice is refused too, since Django would read the
    last value and Twilio's signature covers them all.
    """
    getlist = getattr(post, "getlist", None)
    for name in FIELDS:
        if name not in post:
            continue
        values = getlist(name) if getlist is not None else [post[name]]
        if len(values) != 1:
            return f"bad {name}: sent more than once"
        problem = value_problem(name, str(values[0]))
        if problem:
            return problem
    return ""


def query_id(raw: str) -> int | None:
    """Our own id parameter (ASCII digits, bounded), or None."""
    return int(raw) if QUERY_ID.fullmatch(raw) else None


def sequence_number(raw: str) -> int | None:
    """SequenceNumber after `webhook_input_problem` let it through; None when absent."""
    raw = raw.strip()
    return int(raw) if raw else None
