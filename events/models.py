from __future__ import annotations

from django.db import models


class OutboxEvent(models.Model):
    """A domain event, written in the transaction of the change that caused it.

    `seq` is the order dashboards apply events in. Appends are serialised (see
    events.services), so rows commit in `seq` order and a reader never sees seq 11
    before seq 10 exists. Payloads carry what a dashboard shows and nothing more:
    no narratives, no full names, no phone numbers.

    `claimed_until` makes every row have one publisher at a time: whoever set it (the
    on-commit publish of the transaction that wrote it, or one relay pass) owns the row
    until then, and only that owner sends it (events.services). NULL: nobody is at it.
    """

    seq = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=60)
    region = models.CharField(max_length=50)
    payload = models.JSONField(default=dict)
    published_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["published_at", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind}"

    def as_message(self) -> dict:
        return {"seq": self.seq, "kind": self.kind, "payload": self.payload}


class OutboxPruneMark(models.Model):
    """The highest seq prune_outbox has deleted (one row). A page asking for events after
    an earlier seq cannot be given them all and gets a fresh snapshot instead."""

    pruned_through_seq = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"pruned through {self.pruned_through_seq}"
