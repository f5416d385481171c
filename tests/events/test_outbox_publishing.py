"""One publisher per outbox row at a time: the on-commit publish and the relays never both
send an event, and a failed send leaves the event to the next relay pass."""

from __future__ import annotations

import datetime
import threading
from collections import Counter

import pytest
from django.db import connections, transaction
from django.utils import timezone

from events import services
from events.models import OutboxEvent
from events.services import event_publish, event_record, events_claim, events_relay

PAYLOAD = {"username": "olga", "state": "available", "since": "2026-12-01T18:00:00+00:00"}


@pytest.fixture
def sent(monkeypatch) -> list[int]:
    """What reached the channel layer, by seq, in order."""
    sent: list[int] = []
    lock = threading.Lock()

    def send(event: OutboxEvent) -> bool:
        with lock:
            sent.append(event.seq)
        return True

    monkeypatch.setattr(services, "_send", send)
    return sent


def unclaimed_event() -> OutboxEvent:
    """An event as a relay finds it: written, not published, nobody at it."""
    return OutboxEvent.objects.create(kind="presence.changed", region="haaglanden", payload={})


def expire_claim(event: OutboxEvent) -> None:
    past = timezone.now() - datetime.timedelta(seconds=1)
    OutboxEvent.objects.filter(seq=event.seq).update(claimed_until=past)


@pytest.mark.django_db
def test_a_relay_leaves_an_event_alone_while_its_own_publish_holds_it(sent):
    with transaction.atomic():
        event = event_record(kind="presence.changed", payload=PAYLOAD)
    # In this test the transaction's on-commit publish never runs: the row stays its own.
    assert events_relay() == 0
    assert sent == []
    event.refresh_from_db()
    assert event.published_at is None


@pytest.mark.django_db
def test_a_relay_takes_over_an_event_whose_publisher_never_came(sent):
    with transaction.atomic():
        event = event_record(kind="presence.changed", payload=PAYLOAD)
    expire_claim(event)  # the process that wrote it died before its on-commit publish
    assert events_relay() == 1
    assert sent == [event.seq]
    event.refresh_from_db()
    assert event.published_at is not None
    assert event.claimed_until is None


@pytest.mark.django_db
def test_the_on_commit_publish_sends_nothing_once_a_relay_took_its_event(sent):
    with transaction.atomic():
        event = event_record(kind="presence.changed", payload=PAYLOAD)
    birth_claim = event.claimed_until
    expire_claim(event)
    _claim, claimed = events_claim(limit=10)
    assert [e.seq for e in claimed] == [event.seq]
    # The late on-commit publish finds its claim gone and leaves the event to the relay.
    assert event_publish(seq=event.seq, claim=birth_claim) is True
    assert sent == []


@pytest.mark.django_db
def test_the_on_commit_publish_sends_its_own_event_once(sent):
    with transaction.atomic():
        event = event_record(kind="presence.changed", payload=PAYLOAD)
    assert event_publish(seq=event.seq, claim=event.claimed_until) is True
    assert event_publish(seq=event.seq, claim=event.claimed_until) is True
    assert event_publish(seq=event.seq) is True
    assert sent == [event.seq]


@pytest.mark.django_db
def test_two_relay_passes_never_claim_the_same_event():
    events = [unclaimed_event() for _ in range(3)]
    _first_claim, first = events_claim(limit=10)
    _second_claim, second = events_claim(limit=10)
    assert [e.seq for e in first] == [e.seq for e in events]
    assert second == []


@pytest.mark.django_db
def test_an_event_is_marked_published_only_after_the_channel_layer_took_it(monkeypatch):
    event = unclaimed_event()
    seen_while_sending: list[object] = []

    def send(sending: OutboxEvent) -> bool:
        seen_while_sending.append(
            OutboxEvent.objects.values_list("published_at", flat=True).get(seq=sending.seq)
        )
        return True

    monkeypatch.setattr(services, "_send", send)
    assert events_relay() == 1
    assert seen_while_sending == [None]
    event.refresh_from_db()
    assert event.published_at is not None


@pytest.mark.django_db
def test_a_failed_send_gives_the_event_and_the_rest_of_the_batch_back_to_the_next_pass(
    monkeypatch, sent
):
    events = [unclaimed_event() for _ in range(3)]
    monkeypatch.setattr(services, "_send", lambda event: False)
    assert events_relay() == 0
    assert not OutboxEvent.objects.filter(claimed_until__isnull=False).exists()

    monkeypatch.setattr(services, "_send", lambda event: sent.append(event.seq) or True)
    assert events_relay() == 3
    assert sent == [e.seq for e in events]  # oldest first, as the pages apply them


@pytest.mark.django_db(transaction=True)
def test_relays_racing_in_threads_send_every_event_exactly_once(sent):
    events = [unclaimed_event() for _ in range(60)]
    barrier = threading.Barrier(4)

    def relay() -> None:
        try:
            barrier.wait(timeout=10)
            for _ in range(5):
                events_relay(batch_size=7)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=relay) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert Counter(sent) == Counter(e.seq for e in events)
    assert not OutboxEvent.objects.filter(published_at__isnull=True).exists()
