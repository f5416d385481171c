"""HMAC signatures for partner systems (the partner API).

A partner system signs every request with the secret of its organisation's key:

    message   = "\\n".join([METHOD, PATH, TIMESTAMP, NONCE, hex(sha256(body))])
    signature = hex(HMAC-SHA256(secret, message))

PATH is the path with its query string as sent (`/api/partner/v1/handovers/?status=open`);
TIMESTAMP is Unix seconds. The headers are X-VT-Key-Id, X-VT-Timestamp, X-VT-Nonce and
X-VT-Signature. A request more than MAX_SKEW_SECONDS off our clock is stale; a nonce is
accepted once (kept NONCE_TTL, longer than the skew window, so a replay is always either
stale or a known nonce).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from handover.models import ApiNonce, PartnerOrganisation

MAX_SKEW_SECONDS = 300
NONCE_TTL = datetime.timedelta(seconds=2 * MAX_SKEW_SECONDS + 60)
KEY_USE_RECORDED_EVERY = datetime.timedelta(minutes=1)

# What each header may hold, matched in full (ASCII only: "²" is a digit to str.isdigit
# and 5,000 digits are more than int() reads). Odd input is a 400, never a 500.
KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9_\-]{1,40}")
TIMESTAMP_PATTERN = re.compile(r"[0-9]{1,12}")
NONCE_PATTERN = re.compile(r"[A-Za-z0-9_\-]{16,100}")
SIGNATURE_PATTERN = re.compile(r"[0-9a-fA-F]{64}")
# Idempotency-Key (handover.api): printable ASCII without spaces, as long as its column.
IDEMPOTENCY_KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,100}")


class SignatureRefused(Exception):
    """The request is not from the organisation it claims; the message names why (no data)."""

    status = 401

    def __init__(self, reason: str, organisation: PartnerOrganisation | None = None) -> None:
        super().__init__(reason)
        self.organisation = organisation


class SignatureMalformed(SignatureRefused):
    """A signature header that cannot be what a partner system sends: a 400 naming it."""

    status = 400


def idempotency_key_valid(key: str) -> bool:
    return IDEMPOTENCY_KEY_PATTERN.fullmatch(key) is not None


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def string_to_sign(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    return "\n".join([method.upper(), path, timestamp, nonce, body_hash(body)])


def sign(secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = string_to_sign(method, path, timestamp, nonce, body)
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def verify_request(
    request: HttpRequest, *, now: datetime.datetime | None = None
) -> PartnerOrganisation:
    """The organisation that signed this request, or SignatureRefused.

    Order matters: the nonce is stored only for a correctly signed, fresh request, so
    nobody can use up another organisation's nonces with forged requests.
    """
    key_id = request.headers.get("X-VT-Key-Id", "")
    timestamp = request.headers.get("X-VT-Timestamp", "")
    nonce = request.headers.get("X-VT-Nonce", "")
    signature = request.headers.get("X-VT-Signature", "")
    if not (key_id and timestamp and nonce and signature):
        raise SignatureRefused("missing signature headers")
    if not KEY_ID_PATTERN.fullmatch(key_id):
        raise SignatureMalformed("bad X-VT-Key-Id: expected at most 40 letters, digits, - or _")
    organisation = PartnerOrganisation.objects.filter(api_key_id=key_id, active=True).first()
    if organisation is None or not organisation.api_secret:
        raise SignatureRefused("unknown key id")
    if not TIMESTAMP_PATTERN.fullmatch(timestamp):
        raise SignatureMalformed(
            "bad X-VT-Timestamp: expected a Unix timestamp in seconds (ASCII digits)", organisation
        )
    if not NONCE_PATTERN.fullmatch(nonce):
        raise SignatureMalformed(
            "bad X-VT-Nonce: expected 16-100 letters, digits, - or _", organisation
        )
    if not SIGNATURE_PATTERN.fullmatch(signature):
        raise SignatureMalformed("bad X-VT-Signature: expected 64 hex digits", organisation)
    now = now or timezone.now()
    if abs(now.timestamp() - int(timestamp)) > MAX_SKEW_SECONDS:
        raise SignatureRefused("stale timestamp", organisation)
    expected = sign(
        organisation.api_secret,
        request.method or "",
        request.get_full_path(),
        timestamp,
        nonce,
        request.body,
    )
    if not hmac.compare_digest(expected, signature.lower()):
        raise SignatureRefused("signature does not match", organisation)
    ApiNonce.objects.filter(expires_at__lt=now).delete()
    try:
        with transaction.atomic():
            ApiNonce.objects.create(
                organisation=organisation, nonce=nonce, expires_at=now + NONCE_TTL
            )
    except IntegrityError:
        raise SignatureRefused("replayed nonce", organisation) from None
    # At most one write a minute per key: enough to tell a key in use from a forgotten one.
    PartnerOrganisation.objects.filter(pk=organisation.pk).exclude(
        api_key_last_used_at__gt=now - KEY_USE_RECORDED_EVERY
    ).update(api_key_last_used_at=now)
    return organisation
