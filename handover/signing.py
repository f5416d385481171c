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
NONCE_PATTERN = re.compile(r"^[A-Za-z0-9_\-]{16,100}$")


class SignatureRefused(Exception):
    """The request is not from the organisation it claims; the message names why (no data)."""

    def __init__(self, reason: str, organisation: PartnerOrganisation | None = None) -> None:
        super().__init__(reason)
        self.organisation = organisation


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
    organisation = PartnerOrganisation.objects.filter(api_key_id=key_id, active=True).first()
    if organisation is None or not organisation.api_secret:
        raise SignatureRefused("unknown key id")
    now = now or timezone.now()
    if not timestamp.isdigit() or abs(now.timestamp() - int(timestamp)) > MAX_SKEW_SECONDS:
        raise SignatureRefused("stale or invalid timestamp", organisation)
    if not NONCE_PATTERN.match(nonce):
        raise SignatureRefused("invalid nonce", organisation)
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
    return organisation
