"""Build the "database made by main of 2026-12-01" that test_migrate_forward.py migrates.

NOT a test (pytest collects test_*.py only). Run it by hand, from the repository root,
on the code whose database the fixture should capture - it was made on main at 0fc353b,
before reports/routing were renamed; do not regenerate it on code after the move, or it
stops proving anything about the move:

    .venv/bin/python tests/migrations/make_forward_fixture.py            # both databases
    .venv/bin/python tests/migrations/make_forward_fixture.py --only sqlite

For each database (SQLite in a temp file; PostgreSQL in the scratch database
`fwdfixture_build` on postgres://postgres@127.0.0.1:5432, or --postgres-url) it:

1. runs `manage.py migrate` and `manage.py load_demo_data` in a subprocess;
2. runs this script again with --fill inside Django, adding what the demo data lacks:
   a partner user, handovers (one accepted, one pending), a feedback letter with its
   sent email, a queued email, an online report draft, access log rows on a case, and a
   group `auditor` holding model permissions of the apps being moved;
3. dumps it as plain SQL: fixtures/main-2026-12-01.sqlite.sql (sqlite3 iterdump) and
   fixtures/main-2026-12-01.postgresql.sql (pg_dump --no-owner --no-privileges);
4. loads that dump into a second scratch database, checks it reads the same as the one
   built, and writes its snapshot into fixtures/main-2026-12-01.manifest.json: per table
   the row count, a checksum over all rows in primary-key order and one per column
   (django_migrations, django_content_type, auth_permission and auth_group_permissions
   are left out), the groups' permissions, the content types and the access log's hashes.

Every subprocess gets the fixed development keys of snapshot.FIXTURE_SECRETS, so encrypted
columns in the fixture can be decrypted by a later migration that needs to. The scratch
databases are dropped at the end.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.migrations import snapshot

BUILD_DB = "fwdfixture_build"
CHECK_DB = "fwdfixture_check"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


# --- inside Django (--fill) -------------------------------------------------------------------


def fill() -> None:
    """Rows the demo data does not make, through the services where they are simple."""
    import django

    django.setup()

    from django.contrib.auth.models import Group, Permission
    from django.db import transaction
    from django.utils import timezone

    from accounts import roles
    from accounts.models import User
    from hotline.models import Call
    from privacy.access_log import access_record, target_of
    from reports import feedback
    from reports.codes import ContactRole, Decision
    from reports.models import FeedbackTask, MonitoringContact
    from reports.online_models import OnlineReportDraft, OutgoingEmail
    from reports.services import case_decide, case_link, case_transition
    from routing.models import ApiIdempotencyRecord, ApiNonce, MonitoringResult, PartnerOrganisation
    from routing.services import (
        handover_accept,
        handover_create,
        monitoring_record,
        partner_member_add,
        reference_index_register,
    )
    from tests.conftest import make_staff
    from tests.reports.factories import decide_assessment, register_case

    anouk, bram, carla = (User.objects.get(username=n) for n in ("anouk", "bram", "carla"))
    petra = make_staff("petra", roles.PARTNER, team="")
    partner_member_add(user=petra, organisation_slug="cjg-den-haag")
    cjg = PartnerOrganisation.objects.get(slug="cjg-den-haag")

    def decided(operator: User, contact: dict[str, Any]) -> Any:
        case = register_case(operator, contact=contact)
        case_transition(
            case_id=case.pk, name="start_assessment", by=operator, expected_version=None
        )
        decide_assessment(case, operator)
        return case_decide(
            case_id=case.pk,
            decision=Decision.HANDOVER_LOCAL,
            reason="Ouders accepteren hulp; veiligheidsvoorwaarden gesteld.",
            by=carla,
            proposed_by=operator,
        )

    professional = {
        "channel": "online",
        "role": ContactRole.PROFESSIONAL,
        "name": "Meester Joost",
        "phone": "070-7654321",
        "email": "joost@school.example",
        "organisation": "Basisschool Het Anker",
        "profession": "education",
    }
    conditions = ["Geen geweld in het bijzijn van de kinderen", "Vader volgt plegerhulp"]

    # A handover accepted by the CJG (the case goes into monitoring) ...
    accepted = decided(anouk, professional)
    handover = handover_create(
        case_id=accepted.pk,
        organisation_slug="cjg-den-haag",
        answers={"upbringing_questions": True},
        safety_conditions=conditions,
        facts_for_receiver="Twee kinderen, 4 en 9 jaar; moeder wil hulp.",
        by=anouk,
    )
    handover_accept(handover_id=handover.pk, organisation=cjg, by=petra, via="inbox")
    # ... and one still pending.
    pending = decided(
        bram, {**professional, "name": "Dokter Yilmaz", "email": "y@huisarts.example"}
    )
    handover_create(
        case_id=pending.pk,
        organisation_slug="cjg-den-haag",
        answers={"upbringing_questions": True},
        safety_conditions=conditions,
        facts_for_receiver="Eén kind van 6; vader weigert nog hulp.",
        by=bram,
    )

    # The feedback letter owed to the professional, composed, approved and mailed.
    task = FeedbackTask.objects.filter(case=accepted).first()
    assert task is not None, "a professional's report should owe feedback"
    feedback.feedback_compose(
        task=task,
        by=anouk,
        followup_started=True,
        handover_parties="CJG Den Haag Centrum",
        reporter_has_role=True,
        safety_conditions="School meldt nieuwe blauwe plekken direct.",
    )
    feedback.feedback_approve(task=task, by=carla)

    # Monitoring after the accepted handover, a link between the two cases, and the
    # reference index: two organisations registering the same child give a match signal.
    contact = MonitoringContact.objects.filter(case=accepted).order_by("due_on").first()
    assert contact is not None, "an accepted local handover plans monitoring contacts"
    monitoring_record(
        contact_id=contact.pk, outcome=MonitoringResult.Outcome.SAFE, note="Rustig thuis.", by=anouk
    )
    case_link(case=accepted, other=pending, matched_on="address", by=anouk)
    for slug in ("cjg-den-haag", "jeugdbescherming-west"):
        reference_index_register(
            organisation=PartnerOrganisation.objects.get(slug=slug),
            child_bsn="111222333",
            child_date_of_birth=datetime.date(2016, 3, 1),
            parent_bsns=[],
        )

    now = timezone.now()
    with transaction.atomic():
        # What the partner API remembers, and a call on the hotline.
        ApiNonce.objects.create(organisation=cjg, nonce="n-0001", expires_at=now)
        ApiIdempotencyRecord.objects.create(
            organisation=cjg,
            key="k-0001",
            request_hash="a" * 64,
            status_code=200,
            response={"status": "accepted"},
        )
        Call.objects.create(
            sid="CA" + "0" * 32,
            caller_number="0612340001",
            language="nl",
            region="haaglanden",
            operator=anouk,
        )
        # A confirmation still in the outbox (created directly: no send on commit).
        OutgoingEmail.objects.create(
            purpose=OutgoingEmail.Purpose.CONFIRMATION,
            case=pending,
            recipient="y@huisarts.example",
            subject=f"Ontvangstbevestiging {pending.reference}",
            body="Wij hebben uw melding ontvangen.",
            attempts=2,
            next_attempt_at=now + datetime.timedelta(minutes=4),
            last_error="SMTPServerDisconnected",
        )
        # An online report half filled in.
        OnlineReportDraft.objects.create(
            token_hash="f" * 64,
            step_reached=3,
            data={"1": {"role": "professional"}, "2": {"account": "Kind vertelt over klappen."}},
            created_at=now,
            updated_at=now,
            expires_at=now + datetime.timedelta(days=365),
        )
        # Access log rows on a case: viewed, exported on behalf of someone, refused.
        case_type, case_id = target_of(accepted)
        access_record(
            actor=anouk,
            action="view",
            target_type=case_type,
            target_id=case_id,
            ip_address="192.0.2.10",
        )
        access_record(
            actor=carla,
            action="export",
            target_type=case_type,
            target_id=case_id,
            ip_address="2001:db8::7",
            on_behalf_of="Raad voor de Kinderbescherming",
            reason="export for the council request",
        )
        access_record(
            actor=petra,
            action="view",
            target_type=case_type,
            target_id=pending.pk,
            allowed=False,
            reason="not this organisation's handover",
            ip_address="198.51.100.4",
        )
        # A group outside the roles (sync_role_groups leaves it alone) holding model
        # permissions of every app that moves.
        auditor, _ = Group.objects.get_or_create(name="auditor")
        for label, codename in [
            ("reports", "view_case"),
            ("reports", "view_feedbackletter"),
            ("reports", "view_onlinereportdraft"),
            ("reports", "view_outgoingemail"),
            ("routing", "view_handover"),
            ("routing", "view_partnerorganisation"),
            ("privacy", "view_accesslogentry"),
        ]:
            auditor.permissions.add(
                Permission.objects.get(content_type__app_label=label, codename=codename)
            )


# --- outside Django ---------------------------------------------------------------------------


def build(url: str) -> None:
    snapshot.manage(url, "migrate", "--noinput")
    snapshot.manage(url, "load_demo_data")
    result = subprocess.run(
        [sys.executable, __file__, "--fill"],
        cwd=snapshot.REPO,
        env=snapshot.django_env(url),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.exit(f"--fill failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}")


def empty_tables(tables: dict[str, Any]) -> list[str]:
    return [name for name, table in tables.items() if table["rows"] == 0]


def make_sqlite(workdir: Path) -> dict[str, Any]:
    built = workdir / "build.sqlite3"
    build(f"sqlite:///{built}")
    dump = snapshot.dump_path("sqlite")
    with sqlite3.connect(built) as conn:
        dump.write_text("\n".join(conn.iterdump()) + "\n")
        expected = snapshot.snapshot("sqlite", conn)
    conn.close()
    reloaded = workdir / "check.sqlite3"
    snapshot.sqlite_load(reloaded, dump)
    with sqlite3.connect(reloaded) as conn:
        found = snapshot.snapshot("sqlite", conn)
    conn.close()
    assert found == expected, "the SQLite dump does not read back as the database it came from"
    return found


def make_postgres(server: str) -> dict[str, Any]:
    build_url = snapshot.postgres_url(server, BUILD_DB)
    check_url = snapshot.postgres_url(server, CHECK_DB)
    for name in (BUILD_DB, CHECK_DB):
        snapshot.postgres_admin(server, f'DROP DATABASE IF EXISTS "{name}"')
        snapshot.postgres_admin(server, f'CREATE DATABASE "{name}"')
    try:
        build(build_url)
        params = snapshot.postgres_params(build_url)
        dump = snapshot.dump_path("postgresql")
        subprocess.run(
            [
                "pg_dump",
                "--no-owner",
                "--no-privileges",
                "--format=plain",
                "-h",
                params["host"],
                "-p",
                str(params["port"]),
                "-U",
                params["user"] or "postgres",
                "-f",
                str(dump),
                BUILD_DB,
            ],
            check=True,
            env={**os.environ, "PGPASSWORD": params["password"]},
        )
        # pg_dump 15.14+ guards its output with \restrict/\unrestrict, which psql before
        # those releases rejects; this dump is ours and trusted, so it goes without.
        lines = dump.read_text().splitlines(keepends=True)
        dump.write_text(
            "".join(x for x in lines if not x.startswith(("\\restrict", "\\unrestrict")))
        )
        with snapshot.connect("postgresql", build_url) as conn:
            expected = snapshot.snapshot("postgresql", conn)
        snapshot.postgres_load(check_url, dump)
        with snapshot.connect("postgresql", check_url) as conn:
            found = snapshot.snapshot("postgresql", conn)
        assert found == expected, "the PostgreSQL dump does not read back as its database"
        return found
    finally:
        for name in (BUILD_DB, CHECK_DB):
            snapshot.postgres_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fill", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--only", choices=snapshot.VENDORS, help="make one database's fixture")
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES,
        help=f"the server to build on, any database name (default {DEFAULT_POSTGRES})",
    )
    args = parser.parse_args()
    if args.fill:
        fill()
        return
    snapshot.FIXTURES.mkdir(exist_ok=True)
    manifest: dict[str, Any] = {}
    if snapshot.MANIFEST.exists():
        manifest = json.loads(snapshot.MANIFEST.read_text())
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=snapshot.REPO, capture_output=True, text=True
    ).stdout.strip()
    for vendor in snapshot.VENDORS:
        if args.only and vendor != args.only:
            continue
        if vendor == "sqlite":
            with tempfile.TemporaryDirectory(prefix="fwdfixture-") as workdir:
                found = make_sqlite(Path(workdir))
        else:
            found = make_postgres(args.postgres_url)
        found["made_from_commit"] = head
        manifest[vendor] = found
        size = snapshot.dump_path(vendor).stat().st_size
        print(f"{vendor}: {len(found['tables'])} tables, {size // 1024} KiB dump")
        print(f"  empty tables: {', '.join(empty_tables(found['tables'])) or 'none'}")
    snapshot.MANIFEST.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
