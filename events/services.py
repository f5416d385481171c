"""Recording and publishing domain events through the outbox."""

from __future__ import annotations

import asyncio
import datetime
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from events.catalogue import EventKind, event_check
from events.models import OutboxEvent, OutboxPruneMark
from events.reachability import channel_layer_reachable

logger = logging.getLogger(__name__)

_OUTBOX_LOCK_ID = 2000
# A webhook publishes on commit; a hanging Redis must not hold the caller's line.
PUBLISH_TIMEOUT_SECONDS = 1.0
# How long one publisher owns an outbox row: far longer than a publish takes (the timeout
# above and two short queries), so a relay never sends a row whose publish is under way.
# It is also how long an event waits when the process that wrote it died before publishing.
CLAIM_SECONDS = 15.0


def group_for_region(region: str) -> str:
    """The channel-layer group every dashboard of a region listens on."""
    return f"dashboard.{region}"


def event_record(
    *,
    kind: EventKind,
    payload: dict[str, Any],
    region: str | None = None,
    audit: models.Model | None = None,
) -> OutboxEvent:
    """Write an event in the current transaction; it is published once that commits.

    Must be called inside the transaction of the change it announces: if that rolls back,
    the event never existed. The kind must be in events.catalogue and the payload have
    exactly its keys (ValueError otherwise: a programming error the sender's tests catch).

    The row is born claimed by this transaction's on-commit publish, so no relay sends it
    while that publish is on its way; if it fails, or never runs (the process died), the
    relays take it over.

    `audit`, an unsaved audit row of the same change (a call's transition), is inserted
    with the event in one statement on PostgreSQL: one round trip for both.
    """
    event_check(kind, payload)
    claim = _claim_deadline()
    event = OutboxEvent(
        kind=kind, payload=payload, region=region or settings.VT_REGION, claimed_until=claim
    )
    if connection.vendor == "postgresql":
        _insert_serialised(event, audit)
    else:
        # SQLite has one writer at a time: transactions commit in the order they write.
        if audit is not None:
            audit.save(force_insert=True)
        event.save(force_insert=True)
    transaction.on_commit(lambda: _publish_committed(event, claim), robust=True)
    return event


# The lock and the insert in one statement: the row's seq is drawn only once the lock is
# held, and the lock is taken at the last moment (one round trip, not two).
_INSERT_SERIALISED = (
    "{audit}INSERT INTO {table} (created_at, kind, region, payload, published_at, claimed_until)"
    " SELECT %s, %s, %s, %s, NULL, %s FROM (SELECT pg_advisory_xact_lock(%s)) AS serialised"
    " RETURNING seq"
)


def _insert_serialised(event: OutboxEvent, audit: models.Model | None = None) -> None:
    """Insert `event` holding the outbox lock until the transaction ends.

    Held until commit: events commit in seq order, so no reader (a `since`, a snapshot's
    head, a relay) sees seq 11 and later finds seq 10 appear below it. It serialises only
    the last stretch of event-writing transactions (this statement to their commit); the
    publish happens after the commit, outside it.
    """
    event.created_at = timezone.now()
    fields = OutboxEvent._meta
    audit_sql, audit_params = _audit_insert(audit) if audit is not None else ("", [])
    sql = _INSERT_SERIALISED.format(
        audit=f"WITH audit AS ({audit_sql}) " if audit_sql else "",
        table=connection.ops.quote_name(fields.db_table),
    )
    params = [
        *audit_params,
        fields.get_field("created_at").get_db_prep_save(event.created_at, connection),
        event.kind,
        event.region,
        fields.get_field("payload").get_db_prep_save(event.payload, connection),
        fields.get_field("claimed_until").get_db_prep_save(event.claimed_until, connection),
        _OUTBOX_LOCK_ID,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        event.seq = cursor.fetchone()[0]
    event._state.adding = False
    event._state.db = connection.alias


def _audit_insert(row: models.Model) -> tuple[str, list[Any]]:
    """The INSERT Django would run for `row` (its auto_now_add fields filled in), as SQL and
    parameters to put in front of the event's insert; the row gets no pk back (no one
    reads it: an audit row is only ever read back by query)."""
    from django.db.models.sql import InsertQuery

    model = type(row)
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    query = InsertQuery(model)
    query.insert_values(fields, [row])
    [(sql, params)] = query.get_compiler(connection=connection).as_sql()
    row._state.adding = False
    row._state.db = connection.alias
    return sql, list(params)


def _publish_committed(event: OutboxEvent, claim: datetime.datetime) -> None:
    """The on-commit publish: handed to the server's publisher, which sends it from the
    server's loop, so the request neither waits for Redis nor holds its connection for it
    (events.publisher); inline where there is no server loop (a management command, the
    worker, a test)."""
    from events.publisher import publish_after_response

    if not publish_after_response(event, claim):
        event_publish(seq=event.seq, claim=claim, event=event)


def _claim_deadline() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=CLAIM_SECONDS)


def _unclaimed(now: datetime.datetime) -> models.Q:
    return models.Q(claimed_until__isnull=True) | models.Q(claimed_until__lt=now)


def event_publish(
    *, seq: int, claim: datetime.datetime | None = None, event: OutboxEvent | None = None
) -> bool:
    """Send one stored event to its region's group, unless another publisher owns it.

    `claim` is the claim this caller already holds (event_record's); without one, the
    event is claimed here if nobody holds it. True when it went out or is someone else's
    to send; False when sending failed (the claim is given up, for the relay to retry).
    `event` saves reading the row again when the caller has it (as written).
    """
    now = timezone.now()
    margin = datetime.timedelta(seconds=CLAIM_SECONDS / 2)
    if claim is not None and event is not None and now + margin < claim:
        # Our own claim, with time to spare: relays only take claims that ran out, so no
        # one else can be at it. No write needed (SQLite has one writer at a time).
        return _publish_claimed(event, claim)
    mine = OutboxEvent.objects.filter(seq=seq, published_at__isnull=True)
    mine = mine.filter(claimed_until=claim) if claim is not None else mine.filter(_unclaimed(now))
    renewed = _claim_deadline()
    if not mine.update(claimed_until=renewed):
        return True  # published already, or another publisher is at it
    if event is None:
        event = OutboxEvent.objects.get(seq=seq)
    return _publish_claimed(event, renewed)


def _publish_claimed(event: OutboxEvent, claim: datetime.datetime) -> bool:
    """Send an event this process holds `claim` on; mark it published only once the
    channel layer took it."""
    if not _send(event):
        # Given up at once, so the next relay pass retries without waiting for the claim
        # to run out (unless it ran out already and another publisher holds it now).
        OutboxEvent.objects.filter(seq=event.seq, claimed_until=claim).update(claimed_until=None)
        return False
    OutboxEvent.objects.filter(seq=event.seq).update(
        published_at=timezone.now(), claimed_until=None
    )
    return True


def _send(event: OutboxEvent) -> bool:
    layer = get_channel_layer()
    message = {"type": "outbox.event", **event.as_message()}

    async def send() -> None:
        if layer is None:  # no CHANNEL_LAYERS configured: kept for the relay, as on failure
            raise RuntimeError("no channel layer")
        await asyncio.wait_for(
            layer.group_send(group_for_region(event.region), message), PUBLISH_TIMEOUT_SECONDS
        )

    try:
        async_to_sync(send)()
    except Exception:
        # Redis may be down; the relay (manage.py relay_events) publishes it later.
        logger.warning("event %s not published yet; the relay will retry", event.seq, exc_info=True)
        return False
    return True


def events_claim(*, limit: int) -> tuple[datetime.datetime, list[OutboxEvent]]:
    """Claim up to `limit` unpublished events that no publisher holds, oldest first; the
    claim's deadline and the events.

    One UPDATE ... RETURNING: two relays (the server's and the worker's) never get the same
    row, and a row whose on-commit publish is still within its claim is left alone. On
    PostgreSQL, SKIP LOCKED lets a second relay pass over rows being claimed right now
    instead of waiting for them; SQLite has one writer at a time and needs no such clause.
    """
    table = connection.ops.quote_name(OutboxEvent._meta.db_table)
    skip_locked = (
        " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    )
    # Only the table's own name and a fixed clause go into the text; values are parameters.
    sql = (
        f"UPDATE {table} SET claimed_until = %s WHERE seq IN ("  # noqa: S608
        f"SELECT seq FROM {table} WHERE published_at IS NULL"
        " AND (claimed_until IS NULL OR claimed_until < %s)"
        f" ORDER BY seq LIMIT %s{skip_locked}) RETURNING seq"
    )
    now = timezone.now()
    if not OutboxEvent.objects.filter(published_at__isnull=True).filter(_unclaimed(now)).exists():
        # Nothing to take: a read, not a write, for a relay that polls every second
        # (on SQLite every write competes for the one write lock with the webhooks).
        return now, []
    claim = _claim_deadline()
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                connection.ops.adapt_datetimefield_value(claim),
                connection.ops.adapt_datetimefield_value(now),
                limit,
            ],
        )
        claimed = [row[0] for row in cursor.fetchall()]
    return claim, list(OutboxEvent.objects.filter(seq__in=claimed).order_by("seq"))


def events_relay(*, batch_size: int = 500) -> int:
    """Publish every stored event that no publisher holds, oldest first, each once.

    Stops at the first failure (the channel layer is down) and gives up the rest of the
    batch, so the next pass starts again from the oldest.
    """
    if not channel_layer_reachable():
        # Claiming rows only to give them back is two writes a pass for nothing; on SQLite
        # every write competes with the webhooks for the one write lock.
        return 0
    published = 0
    claim, claimed = events_claim(limit=batch_size)
    for index, event in enumerate(claimed):
        if not _publish_claimed(event, claim):
            OutboxEvent.objects.filter(
                seq__in=[later.seq for later in claimed[index + 1 :]], claimed_until=claim
            ).update(claimed_until=None)
            break
        published += 1
    return published


def events_waiting() -> int:
    """Unpublished events that no publisher is at: what the channel layer has not taken."""
    return (
        OutboxEvent.objects.filter(published_at__isnull=True)
        .filter(_unclaimed(timezone.now()))
        .count()
    )


def events_prune(*, keep_days: int) -> int:
    """Delete published events older than `keep_days`; a page that asks for events from
    before what is left gets a fresh snapshot instead. Unpublished events are kept."""
    cutoff = timezone.now() - datetime.timedelta(days=keep_days)
    with transaction.atomic():
        old = OutboxEvent.objects.filter(created_at__lt=cutoff, published_at__isnull=False)
        through = old.aggregate(highest=models.Max("seq"))["highest"]
        if through is None:
            return 0
        mark, _ = OutboxPruneMark.objects.select_for_update().get_or_create(pk=1)
        mark.pruned_through_seq = max(mark.pruned_through_seq, through)
        mark.save(update_fields=["pruned_through_seq"])
        deleted, _ = old.filter(seq__lte=through).delete()
    return deleted


def events_pruned_through() -> int:
    """The highest seq that prune_outbox deleted (0 when nothing was ever pruned)."""
    mark = OutboxPruneMark.objects.filter(pk=1).values_list("pruned_through_seq", flat=True)
    return mark.first() or 0
