"""Benchmark: verify_access_log on 1,000,000 access log rows (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python benchmarks/access_log_verify.py
    BENCH_ROWS=200000 ...   # fewer rows

Creates a throwaway database `bench_access_log` on the server of DATABASE_URL (dropped
first if it exists), migrates it, and fills the access log with BENCH_ROWS rows chained
under the newest ACCESS_LOG_KEYS key, written with COPY (the append-only trigger refuses
UPDATE and DELETE, not INSERT). Then it exports the head to a temporary file and times
`manage.py verify_access_log` over the whole log, with its peak memory. Figures go to
stdout and benchmarks/results/access_log_verify-postgresql.json. Nothing fails on time.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
BENCH_DATABASE = "bench_access_log"
COLUMNS = (
    "seq",
    "at",
    "actor_id",
    "actor_username",
    "role",
    "on_behalf_of",
    "action",
    "target_type",
    "target_id",
    "ip_address",
    "allowed",
    "reason",
    "previous_hash",
    "entry_hash",
    "key_id",
)


def fresh_database(url: str) -> str:
    """Drop and create the benchmark database; return its URL."""
    import psycopg

    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        sys.exit("Set DATABASE_URL to a PostgreSQL server (postgres://...).")
    admin = urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}"')
        connection.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
    return urlunsplit(parts._replace(path=f"/{BENCH_DATABASE}"))


def fill(rows: int) -> float:
    """COPY `rows` chained rows into the empty log; the seconds it took."""
    from django.db import connection
    from django.utils import timezone

    from privacy.chain import GENESIS_HASH, keyed_link, newest_key
    from privacy.models import AccessLogAnchor

    key = newest_key()
    started = time.perf_counter()
    anchor = AccessLogAnchor(seq=0, entry_hash=GENESIS_HASH, key_id=key.key_id)
    anchor.sealed_at = timezone.now()
    anchor.mac = anchor.compute_mac()
    anchor.save(force_insert=True)
    start_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    previous = GENESIS_HASH
    columns = ", ".join(COLUMNS)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3: COPY
        with raw.copy(f"COPY privacy_accesslogentry ({columns}) FROM STDIN") as copy:
            for seq in range(1, rows + 1):
                at = start_at + dt.timedelta(microseconds=seq * 31_557)
                content = {
                    "at": at.isoformat(),
                    "actor_id": 1000 + seq % 250,
                    "actor_username": f"medewerker{seq % 250}",
                    "role": "operator",
                    "on_behalf_of": "",
                    "action": "view",
                    "target_type": "cases.case",
                    "target_id": str(seq % 50_000),
                    "ip_address": "192.0.2.7",
                    "allowed": True,
                    "reason": "",
                    "previous_hash": previous,
                    "key_id": key.key_id,
                }
                link = keyed_link(content, key)
                copy.write_row(
                    (seq, at, *(content[name] for name in COLUMNS[2:13]), link, key.key_id)
                )
                previous = link
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('privacy_accesslogentry', 'seq'), %s)", [rows]
        )
    return time.perf_counter() - started


def main() -> None:
    url = fresh_database(os.environ.get("DATABASE_URL", ""))
    os.environ["DATABASE_URL"] = url
    head_file = Path(tempfile.mkdtemp()) / "access-log-head.jsonl"
    os.environ["ACCESS_LOG_HEAD_EXPORT"] = str(head_file)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    fill_seconds = fill(ROWS)
    call_command("export_access_log_head", stdout=StringIO())
    memory_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out, err = StringIO(), StringIO()
    started = time.perf_counter()
    call_command("verify_access_log", stdout=out, stderr=err)
    verify_seconds = time.perf_counter() - started
    memory_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert f"intact: {ROWS} rows" in out.getvalue(), out.getvalue()
    figures = {
        "rows": ROWS,
        "fill_seconds": round(fill_seconds, 1),
        "verify_seconds": round(verify_seconds, 1),
        "rows_per_second": round(ROWS / verify_seconds),
        "peak_rss_mb_before_verify": round(memory_before / 1024),
        "peak_rss_mb_after_verify": round(memory_after / 1024),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cpu",
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    print(err.getvalue().strip())
    print(out.getvalue().strip())
    print(json.dumps(figures, indent=2))
    results = ROOT / "benchmarks" / "results" / "access_log_verify-postgresql.json"
    results.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
