"""Benchmark: /supervisor/ with 50,000 cases in the database.

    python benchmarks/supervisor_page.py            # or: make bench-supervisor
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python benchmarks/supervisor_page.py

Creates a throwaway database (SQLite file, or `bench_supervisor` on the PostgreSQL server
of DATABASE_URL), fills it with 50,000 cases spread over two years (bulk_create on the real
models; encrypted fields stay empty, which is what makes that fast), one contact each,
handovers, monitoring tasks, proposals and a day of calls, then renders the page with the
test client after a real login (password and TOTP). It prints the median time, the query
count, and the ratio against a floor measured in the same run (the staff home page), and
writes the figures as JSON to benchmarks/results/. It is not a test: nothing fails on time.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.test import Client

    from accounts.models import Team, User

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

CASES = int(os.environ.get("BENCH_CASES", "50000"))
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
BATCH = 2000


def fill(region: str, supervisor: User, operators: list[User], teams: list[Team]) -> dict[str, int]:
    from django.utils import timezone

    from accounts.models import User
    from cases import working_days
    from cases.codes import CaseType, Channel, ContactRole, Decision, ViolenceForm
    from cases.models import Case, Contact, MonitoringContact, State
    from handover.models import Handover, PartnerOrganisation
    from hotline.models import Call, CallState, OperatorPresence, PresenceState
    from safety_assessment.models import Assessment, DecisionProposal

    rng = random.Random(2026)  # noqa: S311 - reproducible test data, not a secret
    now = timezone.now()
    today = timezone.localdate()
    forms = ViolenceForm.values
    roles_ = ContactRole.values
    open_states = [s for s in State.values if s != State.CLOSED]
    cases: list[Case] = []
    for number in range(1, CASES + 1):
        reported = now - dt.timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60))
        age = (now - reported).days
        # Older files are mostly closed; the last few weeks are mostly open.
        closed = rng.random() < min(0.95, age / 60)
        state = State.CLOSED if closed else rng.choice(open_states)
        due = working_days.assessment_due(timezone.localdate(reported))
        done = state not in (State.INTAKE, State.SAFETY_ASSESSMENT)
        cases.append(
            Case(
                reference=f"VT-B{number:07d}",
                case_type=CaseType.REPORT if rng.random() < 0.6 else CaseType.ADVICE,
                state=state,
                region=region,
                team=rng.choice(teams),
                created_by=rng.choice(operators),
                assigned_to=rng.choice(operators),
                acute=not closed and rng.random() < 0.02,
                reported_at=reported,
                assessment_due=due,
                assessment_completed_at=reported + dt.timedelta(days=rng.randint(1, 12))
                if done
                else None,
                investigation_due=today + dt.timedelta(days=rng.randint(-20, 70))
                if state == State.INVESTIGATION
                else None,
                decision=rng.choice(Decision.values) if done else "",
                decided_at=reported + dt.timedelta(days=rng.randint(3, 14)) if done else None,
                closed_at=reported + dt.timedelta(days=rng.randint(5, 60)) if closed else None,
                violence_forms=rng.sample(forms, rng.randint(1, 3)),
            )
        )
    Case.objects.bulk_create(cases, batch_size=BATCH)
    ids = list(Case.objects.order_by("pk").values_list("pk", "state", "reported_at"))
    Contact.objects.bulk_create(
        [
            Contact(case_id=pk, channel=Channel.PHONE, role=rng.choice(roles_), created_at=at)
            for pk, _state, at in ids
        ],
        batch_size=BATCH,
    )
    organisation = PartnerOrganisation.objects.filter(region=region).first()
    if organisation is None:
        organisation = PartnerOrganisation.objects.create(
            slug="cjg-bench", name="CJG (benchmark)", kind="cjg", region=region
        )
    handover_cases = [pk for pk, state, _ in ids if state in (State.HANDOVER_LOCAL,)]
    Handover.objects.bulk_create(
        [
            Handover(
                case_id=pk,
                organisation=organisation,
                package={},
                created_by=supervisor,
                accept_due=today + dt.timedelta(days=rng.randint(-5, 5)),
            )
            for pk in handover_cases
        ],
        batch_size=BATCH,
    )
    monitoring_cases = [pk for pk, state, _ in ids if state == State.MONITORING]
    MonitoringContact.objects.bulk_create(
        [
            MonitoringContact(
                case_id=pk,
                months_after_handover=3,
                due_on=today + dt.timedelta(days=rng.randint(-30, 90)),
            )
            for pk in monitoring_cases
        ],
        batch_size=BATCH,
    )
    decision_cases = [pk for pk, state, _ in ids if state == State.DECISION][:300]
    for pk in decision_cases:
        assessment = Assessment.objects.create(
            case_id=pk,
            instrument_slug="veilig-thuis",
            instrument_version="2026.1",
            assessor=operators[0],
            level="structural",
        )
        DecisionProposal.objects.create(
            case_id=pk,
            assessment=assessment,
            decision=Decision.HANDOVER_LOCAL,
            proposed_by=rng.choice(operators),
        )
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    calls = []
    for number in range(600):
        enqueued = (
            start + dt.timedelta(seconds=rng.randint(0, 14 * 24 * 3600)) - dt.timedelta(days=13)
        )
        if enqueued > now:
            continue
        wait = rng.expovariate(1 / 25)
        answered = rng.random() < 0.85
        calls.append(
            Call(
                sid=f"CAbench{number:026d}",
                region=region,
                state=CallState.ENDED if answered else CallState.ABANDONED,
                outcome="completed" if answered else "abandoned",
                enqueued_at=enqueued,
                taken_at=enqueued + dt.timedelta(seconds=wait) if answered else None,
                ended_at=enqueued + dt.timedelta(seconds=wait + 300),
            )
        )
    Call.objects.bulk_create(calls, batch_size=BATCH)
    OperatorPresence.objects.bulk_create(
        [
            OperatorPresence(
                user=user, region=region, state=rng.choice(PresenceState.values), since=now
            )
            for user in operators
        ]
    )
    return {
        "cases": Case.objects.count(),
        "open_cases": Case.objects.open().count(),
        "handovers": len(handover_cases),
        "monitoring_tasks": len(monitoring_cases),
        "proposals": len(decision_cases),
        "calls": len(calls),
        "staff": User.objects.count(),
    }


def measure(client: Client, url: str) -> tuple[list[float], int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm-up: templates, caches
    times = []
    queries = 0
    status = 0
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        status = response.status_code
        queries = len(captured.captured_queries)
    return times, queries, status


def main() -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment, teardown_test_environment

    from accounts import roles
    from accounts.devices import totp_device_model
    from accounts.management.commands.totp_code import current_code
    from accounts.services import staff_create

    vendor = connection.vendor
    if vendor == "postgresql":
        name = "bench_supervisor"
    else:
        name = str(ROOT / "var" / "bench-supervisor.sqlite3")
        (ROOT / "var").mkdir(exist_ok=True)
    # The connection's own copy of the settings is what create_test_db reads.
    connection.settings_dict["TEST"]["NAME"] = name
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        password = "benchmark-wachtwoord-lang-genoeg"
        region = settings.VT_REGION
        supervisor = staff_create(
            username="bench-sup", role=roles.SUPERVISOR, by="bench", password=password
        ).user
        team_names = ["Team Centrum", "Team Zuidwest", "Team Noord", "Team Delft"]
        operators = [
            staff_create(
                username=f"bench-op{i}",
                role=roles.OPERATOR,
                by="bench",
                team_name=team_names[i % 4],
                password=password,
            ).user
            for i in range(12)
        ]
        from accounts.models import Team

        teams = list(Team.objects.all())
        started = time.perf_counter()
        data = fill(region, supervisor, operators, teams)
        fill_seconds = time.perf_counter() - started
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        client = Client()
        client.post("/accounts/login/", {"username": "bench-sup", "password": password})
        client.post(
            "/accounts/token/",
            {"token": current_code(totp_device_model().objects.get(user=supervisor))},
        )
        floor_times, floor_queries, floor_status = measure(client, "/")
        page_times, page_queries, page_status = measure(client, "/supervisor/")
        assert floor_status == 200 and page_status == 200, (floor_status, page_status)
        median = statistics.median(page_times)
        floor = statistics.median(floor_times)
        result = {
            "benchmark": "supervisor_page",
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "database": vendor,
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "data": data,
            "fill_seconds": round(fill_seconds, 1),
            "runs": RUNS,
            "supervisor_page": {
                "median_ms": round(median * 1000, 1),
                "min_ms": round(min(page_times) * 1000, 1),
                "max_ms": round(max(page_times) * 1000, 1),
                "queries": page_queries,
            },
            "floor_home_page": {"median_ms": round(floor * 1000, 1), "queries": floor_queries},
            "ratio_to_floor": round(median / floor, 1),
        }
        out = ROOT / "benchmarks" / "results" / f"supervisor_page-{vendor}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n")
        print(
            f"{data['cases']} cases ({data['open_cases']} open) on {vendor}, filled in "
            f"{fill_seconds:.0f} s\n"
            f"/supervisor/: median {median * 1000:.0f} ms over {RUNS} runs "
            f"(min {min(page_times) * 1000:.0f}, max {max(page_times) * 1000:.0f}), "
            f"{page_queries} queries\n"
            f"floor (home page): median {floor * 1000:.0f} ms, {floor_queries} queries; "
            f"ratio {median / floor:.1f}x\nwritten to {out.relative_to(ROOT)}"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    return 0


if __name__ == "__main__":
    sys.exit(main())
