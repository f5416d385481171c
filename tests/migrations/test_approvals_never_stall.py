"""Approvals never stall (issue 16): a database made by main of 2026-12-01 has supervisors and
operators only, no gedragswetenschapper or vertrouwensarts. Migrated forward by the
checked-out code, its teamleider (the old supervisor) still approves a decision.

The fixture is the one of test_migrate_forward.py, loaded into a scratch database of its own;
the checked-out code's manage.py migrates it and then runs the approval in a subprocess.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.migrations import snapshot

VENDORS = ["sqlite"]
if snapshot.is_postgres_url(os.environ.get("DATABASE_URL", "")):
    VENDORS.append("postgresql")

# Run by the migrated code against the migrated database: an operator who may see the case
# waiting for its decision proposes, the region's only teamleider approves.
APPROVE = """
from accounts.models import User
from cases.models import Case
from safety_assessment import services

assert not User.objects.filter(groups__name__in=["gedragswetenschapper", "vertrouwensarts"]).exists()
case = Case.objects.get(state="decision")
proposer = next(
    user for user in User.objects.filter(groups__name="operator")
    if Case.objects.visible_to(user).filter(pk=case.pk).exists()
)
teamleider = User.objects.get(groups__name="supervisor", region=case.region)
proposal = services.decision_propose(
    case_id=case.pk, decision="handover_local", reason="Overdracht aan het CJG.",
    late_reason="Na de migratie.", by=proposer,
)
services.decision_approve(proposal_id=proposal.pk, by=teamleider, late_reason="Na de migratie.")
case.refresh_from_db()
print("APPROVED", case.state, case.decision_approved_by.get_username())
"""


@pytest.fixture(params=VENDORS)
def migrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    vendor = request.param
    dump = snapshot.dump_path(vendor)
    if vendor == "sqlite":
        path = tmp_path / "never-stall.sqlite3"
        snapshot.sqlite_load(path, dump)
        url = f"sqlite:///{path}"
        snapshot.manage(url, "migrate", "--noinput")
        yield url
        return
    server = os.environ["DATABASE_URL"]
    name = f"never_stall_{uuid.uuid4().hex[:12]}"
    url = snapshot.postgres_url(server, name)
    snapshot.postgres_admin(server, f'CREATE DATABASE "{name}"')
    try:
        snapshot.postgres_load(url, dump)
        snapshot.manage(url, "migrate", "--noinput")
        yield url
    finally:
        snapshot.postgres_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_migrated_database_with_only_supervisors_can_still_approve_a_decision(
    migrated_url: str,
) -> None:
    result = snapshot.manage(migrated_url, "shell", "-c", APPROVE)
    assert "APPROVED handover_local carla" in result.stdout
