"""Destroy unfinished online reports whose time is up (also done on every access)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from melden.online import drafts_purge_expired


class Command(BaseCommand):
    help = "Delete expired online report drafts."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"deleted {drafts_purge_expired()} expired drafts")
