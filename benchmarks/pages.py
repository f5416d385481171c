"""Benchmark: do the pages cost what the open work costs? And how fast does a process start?

    python benchmarks/pages.py                 # run by `make bench` and `make bench-supervisor`
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x python benchmarks/pages.py

Creates a throwaway database (`bench_pages` on the PostgreSQL server of DATABASE_URL, or
BENCH_PAGES_DATABASE; without DATABASE_URL a SQLite file in var/) and fills it in steps to
1,000, 10,000 and 100,000 cases (BENCH_PAGE_SIZES) with bulk inserts. The open work stays
the same at every size (BENCH_OPEN_CASES open cases, a few acute, new online reports); what
grows is the archive: closed cases at 30 a day ever further back (100,000 is nine years),
each with its contact and report, and the calls of that history. At each size it measures,
after a real login (password and TOTP), the median of BENCH_RUNS renders of

- the staff home page (the floor),
- `/supervisor/` as a supervisor,
- `/cases/` (the case list) as the supervisor, who sees the whole region,
- the dashboard snapshot a socket sends first (dashboard.views.dashboard_snapshot),

and their query counts. At the largest size it prints the plans (EXPLAIN ANALYZE on
PostgreSQL, EXPLAIN QUERY PLAN on SQLite) of each page's slowest queries. Then it times
`manage.py check` against a bare Django project made with `django-admin startproject` in a
temporary directory (the fastest of BENCH_START_RUNS each, bytecode cached, so that other
processes on the machine disturb the ratio as little as possible).

Targets (issue 24): each page at the largest size at most 2x its cost at the smallest; the
supervisor page at most 5x the floor; `manage.py check` at most 2x the bare project. Each is
printed as met or missed with its ratio. The figures go to var/bench/pages-<database>.json,
outside the tracked tree. Nothing here is a test: nothing fails on time.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.test import Client

    from accounts.models import Team, User

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

SIZES = [int(n) for n in os.environ.get("BENCH_PAGE_SIZES", "1000,10000,100000").split(",")]
OPEN_CASES = int(os.environ.get("BENCH_OPEN_CASES", "300"))
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
START_RUNS = int(os.environ.get("BENCH_START_RUNS", "7"))
BATCH = 5000
# The region closes about this many cases a day (Haaglanden: some 10,000 reports a year).
CLOSED_PER_DAY = 30
RESULTS = ROOT / "var" / "bench"
PAGE_TARGET = 2.0
SUPERVISOR_FLOOR_TARGET = 5.0
START_TARGET = 2.0
PLANS_PER_PAGE = 3


class Filler:
    """Adds cases in bulk: the open work once, then closed history up to each size."""

    def __init__(self, region: str, operators: list[User], teams: list[Team]) -> None:
        from django.utils import timezone

        self.region = region
        self.operators = operators
        self.teams = teams
        self.rng = random.Random(2026)  # noqa: S311 - reproducible test data, not a secret
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.number = 0
        self.closed = 0
        self.calls = 0

    def _cases(self, count: int, *, closed: bool) -> None:
        from cases import working_days
        from cases.codes import CaseType, Channel, ContactRole, ViolenceForm
        from cases.models import Case, Contact, Report, State

        rng = self.rng
        open_states = [s for s in State.values if s != State.CLOSED]
        rows = []
        for _ in range(count):
            self.number += 1
            if closed:
                # Closed at a steady CLOSED_PER_DAY, ever further back: a bigger archive is a
                # longer history, not more work per day.
                self.closed += 1
                closed_at = self.now - dt.timedelta(days=self.closed / CLOSED_PER_DAY)
                reported = closed_at - dt.timedelta(days=rng.randint(5, 60))
            else:
                reported = self.now - dt.timedelta(minutes=rng.randint(0, 30 * 24 * 60))
            state = State.CLOSED if closed else rng.choice(open_states)
            due = working_days.assessment_due(reported.date())
            assessed = state not in (State.INTAKE, State.SAFETY_ASSESSMENT)
            acute = not closed and rng.random() < 0.05
            rows.append(
                Case(
                    reference=f"VT-B{self.number:07d}",
                    case_type=CaseType.REPORT if rng.random() < 0.6 else CaseType.ADVICE,
                    state=state,
                    region=self.region,
                    team=rng.choice(self.teams),
                    created_by=rng.choice(self.operators),
                    assigned_to=rng.choice(self.operators),
                    acute=acute,
                    acute_since=reported if acute else None,
                    reported_at=reported,
                    assessment_due=due,
                    assessment_completed_at=reported + dt.timedelta(days=rng.randint(1, 12))
                    if assessed
                    else None,
                    investigation_due=self.today + dt.timedelta(days=rng.randint(-20, 70))
                    if state == State.INVESTIGATION
                    else None,
                    closed_at=closed_at if closed else None,
                    violence_forms=rng.sample(ViolenceForm.values, rng.randint(1, 3)),
                )
            )
        cases = Case.objects.bulk_create(rows, batch_size=BATCH)
        recent = self.now - dt.timedelta(hours=24)
        Contact.objects.bulk_create(
            [
                Contact(
                    case=case,
                    channel=Channel.ONLINE
                    if case.reported_at >= recent or rng.random() < 0.2
                    else Channel.PHONE,
                    role=rng.choice(ContactRole.values),
                    created_at=case.reported_at,
                )
                for case in cases
            ],
            batch_size=BATCH,
        )
        Report.objects.bulk_create(
            [
                Report(
                    case=case,
                    received_at=case.reported_at,
                    assessment_due=case.assessment_due,
                    assessment_completed_at=case.assessment_completed_at,
                )
                for case in cases
                if case.case_type == CaseType.REPORT
            ],
            batch_size=BATCH,
        )

    def _calls(self, count: int, *, days: int) -> None:
        from hotline.models import Call, CallState

        rng = self.rng
        rows = []
        for _ in range(count):
            self.calls += 1
            enqueued = self.now - dt.timedelta(seconds=rng.randint(60, days * 24 * 3600))
            wait = rng.expovariate(1 / 25)
            answered = rng.random() < 0.85
            rows.append(
                Call(
                    sid=f"CAbench{self.calls:026d}",
                    region=self.region,
                    state=CallState.ENDED if answered else CallState.ABANDONED,
                    outcome="completed" if answered else "abandoned",
                    operator=rng.choice(self.operators) if answered else None,
                    wrap_up_outcome="advice_given" if answered else "",
                    enqueued_at=enqueued,
                    taken_at=enqueued + dt.timedelta(seconds=wait) if answered else None,
                    ended_at=enqueued + dt.timedelta(seconds=wait + 300),
                )
            )
        Call.objects.bulk_create(rows, batch_size=BATCH)

    def open_work(self) -> None:
        """The same at every size: open cases, today's and the last two weeks' calls."""
        from hotline.models import OperatorPresence, PresenceState

        self._cases(OPEN_CASES, closed=False)
        self._calls(600, days=14)
        OperatorPresence.objects.bulk_create(
            [
                OperatorPresence(
                    user=user,
                    region=self.region,
                    state=self.rng.choice(PresenceState.values),
                    since=self.now,
                )
                for user in self.operators
            ]
        )

    def grow_to(self, size: int) -> None:
        """Closed cases (and older calls, one per two cases) until there are `size` cases."""
        from cases.models import Case

        missing = size - Case.objects.count()
        while missing > 0:
            step = min(missing, 20000)
            self._cases(step, closed=True)
            # Older calls at a steady rate too: one per two cases, over the same history.
            self._calls(step // 2, days=max(15, int(self.closed / CLOSED_PER_DAY)))
            missing -= step


class QueryTimer:
    """Times each query of a run (an execute wrapper: microseconds, with its parameters,
    so that the slowest can be explained exactly as they ran)."""

    def __init__(self) -> None:
        self.queries: list[dict[str, Any]] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            self.queries.append({"sql": sql, "params": params, "ms": elapsed})


def measure(run: Callable[[], Any]) -> dict[str, Any]:
    """Median, min and max of RUNS calls after a warm-up, and the queries of the last."""
    from django.db import connection

    run()  # warm-up: templates, caches, the pool
    times = []
    for _ in range(RUNS):
        timer = QueryTimer()
        with connection.execute_wrapper(timer):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
    return {
        "median_ms": round(statistics.median(times) * 1000, 1),
        "min_ms": round(min(times) * 1000, 1),
        "max_ms": round(max(times) * 1000, 1),
        "queries": len(timer.queries),
        "queries_ms": round(sum(q["ms"] for q in timer.queries), 1),
        "_captured": timer.queries,
    }


def explain(sql: str, params: Any) -> str:
    from django.db import connection

    prefix = (
        "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "
        if connection.vendor == "postgresql"
        else "EXPLAIN QUERY PLAN "
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql, params)
            return "\n".join(" ".join(str(part) for part in row) for row in cursor.fetchall())
    except Exception as error:  # a statement that cannot be explained (a savepoint, ...)
        return f"(no plan: {type(error).__name__})"


def profile_page(run: Callable[[], Any]) -> None:
    """BENCH_PROFILE=/supervisor/ (a page's name): where its time goes, by function."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(run)
    order = os.environ.get("BENCH_PROFILE_SORT", "cumulative")  # or tottime
    pstats.Stats(profiler).sort_stats(order).print_stats(40)


def page_get(client: Client, url: str) -> Callable[[], Any]:
    def run() -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")

    return run


def start_up() -> dict[str, Any]:
    """The fastest of START_RUNS `manage.py check` runs, here and in a bare project."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.pop("DJANGO_SETTINGS_MODULE", None)

    def fastest(cwd: Path) -> float:
        command = [sys.executable, "manage.py", "check"]
        subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)  # noqa: S603
        best = float("inf")
        for _ in range(START_RUNS):
            started = time.perf_counter()
            subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)  # noqa: S603
            best = min(best, time.perf_counter() - started)
        return best

    with tempfile.TemporaryDirectory(prefix="bench-bare-django-") as bare:
        admin = Path(sys.executable).parent / "django-admin"
        subprocess.run([str(admin), "startproject", "bare", bare], check=True, env=env)  # noqa: S603
        bare_seconds = fastest(Path(bare))
    own_seconds = fastest(ROOT)
    return {
        "check_ms": round(own_seconds * 1000),
        "bare_django_check_ms": round(bare_seconds * 1000),
        "ratio": round(own_seconds / bare_seconds, 2),
    }


def verdict(ratio: float, target: float) -> str:
    return f"{ratio:.2f}x (target <= {target:g}x): {'met' if ratio <= target else 'MISSED'}"


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
    from accounts.models import Team
    from accounts.services import staff_create
    from dashboard.views import dashboard_snapshot

    vendor = connection.vendor
    if vendor == "postgresql":
        name = os.environ.get("BENCH_PAGES_DATABASE", "bench_pages")
    else:
        (ROOT / "var").mkdir(exist_ok=True)
        name = str(ROOT / "var" / "bench-pages.sqlite3")
    # The connection's own copy of the settings is what create_test_db reads.
    connection.settings_dict["TEST"]["NAME"] = name
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    sizes: list[dict[str, Any]] = []
    plans: dict[str, list[dict[str, Any]]] = {}
    try:
        password = "benchmark-wachtwoord-lang-genoeg"
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
        filler = Filler(settings.VT_REGION, operators, list(Team.objects.all()))
        started = time.perf_counter()
        filler.open_work()
        fill_seconds = time.perf_counter() - started
        client = Client()
        client.post("/accounts/login/", {"username": "bench-sup", "password": password})
        client.post(
            "/accounts/token/",
            {"token": current_code(totp_device_model().objects.get(user=supervisor))},
        )
        operator = operators[0]
        pages: dict[str, Callable[[], Any]] = {
            "floor (home page)": page_get(client, "/"),
            "/supervisor/": page_get(client, "/supervisor/"),
            "/cases/": page_get(client, "/cases/"),
            "dashboard snapshot": lambda: dashboard_snapshot(user=operator),
        }
        for size in SIZES:
            started = time.perf_counter()
            filler.grow_to(size)
            if vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            fill_seconds += time.perf_counter() - started
            figures = {page: measure(run) for page, run in pages.items()}
            from cases.models import Case

            total, open_cases = Case.objects.count(), Case.objects.open().count()
            print(
                f"\n{total:,} cases ({open_cases:,} open) on {vendor}, filled so far in "
                f"{fill_seconds:.0f} s"
            )
            for page, figure in figures.items():
                print(
                    f"  {page:<20} median {figure['median_ms']:7.1f} ms "
                    f"(min {figure['min_ms']:.1f}, max {figure['max_ms']:.1f}), "
                    f"{figure['queries']} queries ({figure['queries_ms']:.1f} ms)"
                )
            if size == SIZES[-1]:
                for page, figure in figures.items():
                    slowest = sorted(figure["_captured"], key=lambda q: -q["ms"])
                    plans[page] = [
                        {
                            "ms": round(q["ms"], 2),
                            "sql": q["sql"],
                            "plan": explain(q["sql"], q["params"]),
                        }
                        for q in slowest[:PLANS_PER_PAGE]
                    ]
            if size == SIZES[-1] and os.environ.get("BENCH_PROFILE"):
                profile_page(pages[os.environ["BENCH_PROFILE"]])
            for figure in figures.values():
                del figure["_captured"]
            sizes.append({"cases": total, "open_cases": open_cases, "pages": figures})
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()

    print(f"\nPlans of the slowest queries at {sizes[-1]['cases']:,} cases:")
    for page, queries in plans.items():
        for query in queries:
            print(f"\n-- {page}: {query['ms']} ms\n{query['sql'][:400]}\n{query['plan']}")

    first, last = sizes[0]["pages"], sizes[-1]["pages"]
    targets = {}
    print(f"\nTargets ({sizes[0]['cases']:,} -> {sizes[-1]['cases']:,} cases):")
    for page in ("/supervisor/", "/cases/", "dashboard snapshot"):
        ratio = last[page]["median_ms"] / first[page]["median_ms"]
        targets[f"{page} at the largest size / the smallest"] = {
            "ratio": round(ratio, 2),
            "target": PAGE_TARGET,
            "met": ratio <= PAGE_TARGET,
        }
        print(f"  {page} grows {verdict(ratio, PAGE_TARGET)}")
    ratio = last["/supervisor/"]["median_ms"] / last["floor (home page)"]["median_ms"]
    targets["/supervisor/ / floor"] = {
        "ratio": round(ratio, 2),
        "target": SUPERVISOR_FLOOR_TARGET,
        "met": ratio <= SUPERVISOR_FLOOR_TARGET,
    }
    print(f"  /supervisor/ against the floor {verdict(ratio, SUPERVISOR_FLOOR_TARGET)}")
    start = start_up()
    targets["manage.py check / bare Django"] = {
        "ratio": start["ratio"],
        "target": START_TARGET,
        "met": start["ratio"] <= START_TARGET,
    }
    print(
        f"  manage.py check {start['check_ms']} ms, bare Django {start['bare_django_check_ms']} "
        f"ms: {verdict(start['ratio'], START_TARGET)}"
    )
    result = {
        "benchmark": "pages",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": vendor,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "runs": RUNS,
        "fill_seconds": round(fill_seconds, 1),
        "sizes": sizes,
        "start_up": start,
        "targets": targets,
        "plans": plans,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"pages-{vendor}.json"
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"\nwritten to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
