"""The outgoing mail queue as /metrics shows it (read at scrape time by observability.collector)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q

from observability.collector import Reading
from outgoing_mail.models import OutgoingEmail


def outgoing_mail_readings() -> Iterable[Reading]:
    counts = OutgoingEmail.objects.aggregate(
        unsent=Count("pk", filter=Q(sent_at__isnull=True, gave_up_at__isnull=True)),
        given_up=Count("pk", filter=Q(gave_up_at__isnull=False)),
    )
    yield Reading(
        "outgoing_mail_unsent", "Emails waiting to be sent (or retried)", counts["unsent"]
    )
    yield Reading(
        "outgoing_mail_given_up", "Emails given up after every attempt failed", counts["given_up"]
    )
