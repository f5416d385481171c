from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from handover.services import handovers_escalate


class Command(BaseCommand):
    help = (
        "Escalate handovers not accepted by their deadline (HANDOVER_ACCEPT_WORKING_DAYS) to "
        "the supervisors. Safe to run as often as you like: each escalates once."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        escalated = handovers_escalate()
        self.stdout.write(f"Escalated {len(escalated)} handover(s).")
