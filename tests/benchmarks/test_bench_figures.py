"""`make bench` tells the truth: a failed request misses its target, what it cannot measure
it says it did not measure, and it runs on a database and Redis database of its own and
leaves the tracked tree as it found it."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from django.db import connection
from django.test import RequestFactory

from config.benchmark import pool_stats

ROOT = Path(__file__).resolve().parents[2]


def load(name: str) -> ModuleType:
    # benchmarks/ is scripts, not a package: run.py imports soak.py from beside itself.
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec = importlib.util.spec_from_file_location(
            f"bench_{name}", ROOT / "benchmarks" / f"{name}.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return module


bench = load("run")


def figures(*, errors: int = 0, sent: int = 100, p50: float = 10.0, p99: float = 50.0) -> dict:
    return {
        "count": sent - errors,
        "sent": sent,
        "errors": errors,
        "p50_ms": p50,
        "p99_ms": p99,
        "p99_9_ms": p99,
        "max_ms": p99,
    }


def soak_run(*, failed: int = 0, peak: int | None = 12) -> dict:
    return {
        "rate_per_s": 5.0,
        "seconds_of_new_calls": 60.0,
        "calls": 300,
        "webhooks": 2400,
        "failed_webhooks": failed,
        "failures": {"/hotline/twilio/wait/ 503": failed} if failed else {},
        "p50_ms": 18.0,
        "p99_ms": 200.0,
        "max_ms": 500.0,
        "peak_webhooks_in_flight": 17,
        "taken_by_operators": 7,
        "connection_peak": peak,
        "connection_cap": None if peak is None else 20,
        "calls_stuck": 0,
    }


def results(*, voice_errors: int = 0, report_errors: int = 0, fanout: dict | None) -> dict:
    voice = figures(errors=voice_errors, sent=1000, p50=12.0, p99=40.0)
    voice["rate_rps"] = 50
    floor = figures(sent=1000, p50=6.0, p99=30.0)
    floor["rate_rps"] = 50
    reports = figures(errors=report_errors, sent=215)
    reports.update({"workers": 4, "seconds": 20.0, "reports_per_second": 6.0})
    return {
        "voice_webhook": voice,
        "floor_twiml": floor,
        "fanout": fanout,
        "new_call": figures(sent=20),
        "online_reports": reports,
        "soak": {"soak": soak_run(failed=3), "burst": soak_run(peak=None)},
        "meta": {"targets": bench.TARGETS},
    }


def target_lines(text: str) -> dict[str, str]:
    lines = [line.removeprefix("target: ") for line in text.splitlines()]
    return dict(line.rsplit(": ", 1) for line in lines if line.count(": ") and "<=" in line)


def test_a_target_with_failed_requests_is_missed_and_says_how_many():
    table = bench.table(results(voice_errors=13, report_errors=94, fanout=None))
    # Fast answers do not make up for the ones that failed.
    assert "target: voice p99 <= 250 ms at 50/s: MISSED (13 of 1000 failed)" in table
    assert "target: voice p50 <= 3x floor: MISSED (13 of 1000 failed)" in table
    assert "target: online reports: none fails: MISSED (94 of 215 failed)" in table
    assert "target: soak at 5 new calls/s: 0 failed webhooks: DOES NOT HOLD (3 of 2400" in table


def test_a_target_that_cannot_be_measured_says_so_and_is_never_met():
    table = bench.table(results(fanout=None))
    assert "target: fan-out to 100 p99 <= 100 ms: not measured (needs REDIS_URL)" in table
    assert "connections never above the cap: not measured (SQLite has no connection pool)" in (
        table
    )
    assert "fan-out to 100 p99 <= 100 ms: met" not in table
    assert "n/a (needs REDIS_URL)" not in table


def test_targets_without_failures_are_met():
    fanout = {"100": {"floor": figures(p99=60.0), "dashboard": figures(p99=70.0)}}
    table = bench.table(results(fanout=fanout))
    assert "target: voice p99 <= 250 ms at 50/s: met" in table
    assert "target: fan-out to 100 p99 <= 100 ms: met" in table
    assert "target: online reports: none fails: met" in table


@pytest.fixture
def environment(monkeypatch):
    bench.bench_database_name.cache_clear()
    for name in ("BENCH_DATABASE", "BENCH_REDIS_DB", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    yield monkeypatch
    bench.bench_database_name.cache_clear()


def test_the_bench_database_is_named_after_the_environments_own(environment):
    environment.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/wt_load")
    url, _description = bench.bench_database_url()
    assert url == "postgres://postgres@127.0.0.1:5432/wt_load_bench"


def test_bench_database_names_the_bench_database(environment):
    environment.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/wt_load")
    environment.setenv("BENCH_DATABASE", "my_bench")
    url, _description = bench.bench_database_url()
    assert url.endswith("/my_bench")


def test_a_bench_database_name_that_is_not_a_plain_name_is_refused(environment):
    environment.setenv("BENCH_DATABASE", "x; DROP DATABASE postgres")
    with pytest.raises(SystemExit, match="BENCH_DATABASE"):
        bench.bench_database_name()


def test_the_bench_redis_database_comes_from_bench_redis_db(environment):
    environment.setenv("REDIS_URL", "redis://127.0.0.1:6379/4")
    environment.setenv("BENCH_REDIS_DB", "13")
    assert bench.bench_redis_url() == "redis://127.0.0.1:6379/13"


@pytest.mark.parametrize("chosen", ["", "4", "four"])
def test_the_bench_refuses_a_redis_database_that_is_not_its_own(environment, chosen):
    environment.setenv("REDIS_URL", "redis://127.0.0.1:6379/4")
    environment.setenv("BENCH_REDIS_DB", chosen)
    with pytest.raises(SystemExit, match="BENCH_REDIS_DB"):
        bench.bench_redis_url()


def test_the_figures_are_written_outside_the_tracked_tree():
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", str(bench.RESULTS / "latest.json")], cwd=ROOT, check=False
    )
    assert ignored.returncode == 0, f"{bench.RESULTS} is not ignored by git"


@pytest.mark.django_db
def test_the_pool_counters_say_how_long_connections_were_kept():
    connection.ensure_connection()
    shown = json.loads(pool_stats(RequestFactory().get("/bench/pool-stats/")).content)
    if connection.vendor == "postgresql":
        assert shown["pool_max"] >= 1
        # This test's own connection came from the pool: counted.
        assert shown["requests_num"] >= 1
    else:
        assert shown == {}
