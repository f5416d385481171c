"""scripts/backup_*.sh and restore_*.sh: the database and the keys, each on its own.

The test backs up its own database and keys, restores both into a fresh database and a
fresh secrets folder, and reads a case back through the settings of another process
that has nothing but the restored keys (as *_FILE secrets).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connection
from psycopg import sql

from tests.cases.factories import register_case

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
ACCOUNT = "Een relaas dat alleen met de sleutels te lezen is."


def admin_connection() -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def url_for(database: str) -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{database}"


def run(*args: str | Path, **env: str) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(
        [str(arg) for arg in args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def fresh_database() -> Iterator[str]:
    if connection.vendor != "postgresql":
        pytest.fail("Backups are of PostgreSQL: run this test with DATABASE_URL set.")
    name = f"restore_{uuid.uuid4().hex[:12]}"
    with admin_connection() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield name
    with admin_connection() as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def write_the_keys(directory: Path) -> Path:
    """This test run's keys as the files docker compose mounts (secrets/<name>)."""
    directory.mkdir(mode=0o700)
    files = {
        "django_secret_key": settings.SECRET_KEY,
        "field_encryption_keys": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "blind_index_key": settings.BLIND_INDEX_KEY,
        "access_log_keys": ",".join(settings.ACCESS_LOG_KEYS),
        "channel_layer_encryption_key": settings.CHANNEL_LAYER_ENCRYPTION_KEY,
        "twilio_auth_token": settings.TWILIO_AUTH_TOKEN,
    }
    for name, value in files.items():
        (directory / name).write_text(value + "\n")
    return directory


def read_case_back(database: str, secrets: Path, case_id: int, tmp_path: Path) -> str:
    """Another process, on the restored database with the restored keys, reads the case."""
    code = (
        "import django; django.setup(); from cases.models import Case; "
        f"print(Case.objects.get(pk={case_id}).account)"
    )
    result = run(
        sys.executable,
        "-c",
        code,
        DJANGO_SETTINGS_MODULE="config.settings",
        DEV_SECRETS_FILE=str(tmp_path / "unused-dev-secrets.json"),
        DATABASE_URL=url_for(database),
        **{f"{name.upper()}_FILE": str(path) for name, path in _files(secrets)},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def _files(directory: Path) -> list[tuple[str, Path]]:
    return [(path.name, path) for path in sorted(directory.iterdir())]


def test_pg_dump_on_this_machine_matches_the_servers_major_version():
    dump = run("pg_dump", "--version")
    version = re.search(r"(\d+)\.\d+", dump.stdout)
    assert version is not None, dump.stdout
    client_major = version.group(1)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        server_major = str(int(cursor.fetchone()[0]) // 10000)
    assert client_major == server_major


def test_a_backup_restored_into_a_fresh_database_decrypts_with_the_restored_keys(
    fresh_database, supervisor, tmp_path
):
    case = register_case(supervisor, account=ACCOUNT)
    secrets = write_the_keys(tmp_path / "secrets")
    this_database = str(connection.settings_dict["NAME"])

    dumped = run(
        SCRIPTS / "backup_database.sh", tmp_path / "backups", DATABASE_URL=url_for(this_database)
    )
    assert dumped.returncode == 0, dumped.stderr
    dump = Path(dumped.stdout.strip())
    assert dump.name.endswith(".dump") and dump.stat().st_size > 0
    assert oct(dump.stat().st_mode & 0o777) == "0o600"
    # Encrypted at rest: the dump holds no case text.
    assert ACCOUNT.encode() not in dump.read_bytes()

    archived = run(SCRIPTS / "backup_keys.sh", secrets, tmp_path / "key-store")
    assert archived.returncode == 0, archived.stderr
    archive = Path(archived.stdout.strip())

    restored = run(SCRIPTS / "restore_database.sh", dump, DATABASE_URL=url_for(fresh_database))
    assert restored.returncode == 0, restored.stderr
    unpacked = run(SCRIPTS / "restore_keys.sh", archive, tmp_path / "restored-secrets")
    assert unpacked.returncode == 0, unpacked.stderr

    restored_secrets = tmp_path / "restored-secrets"
    assert {name for name, _ in _files(restored_secrets)} == {name for name, _ in _files(secrets)}
    assert read_case_back(fresh_database, restored_secrets, case.pk, tmp_path) == ACCOUNT


def test_without_the_restored_keys_the_restored_case_cannot_be_read(
    fresh_database, supervisor, tmp_path
):
    case = register_case(supervisor, account=ACCOUNT)
    this_database = str(connection.settings_dict["NAME"])
    dumped = run(
        SCRIPTS / "backup_database.sh", tmp_path / "b", DATABASE_URL=url_for(this_database)
    )
    assert dumped.returncode == 0, dumped.stderr
    restored = run(
        SCRIPTS / "restore_database.sh", dumped.stdout.strip(), DATABASE_URL=url_for(fresh_database)
    )
    assert restored.returncode == 0, restored.stderr
    other_keys = write_the_keys(tmp_path / "other")
    (other_keys / "field_encryption_keys").write_text(Fernet.generate_key().decode())
    with pytest.raises(AssertionError, match="ecrypt"):
        read_case_back(fresh_database, other_keys, case.pk, tmp_path)


def test_a_restore_into_a_database_that_holds_data_is_refused_and_changes_nothing(
    supervisor, tmp_path
):
    register_case(supervisor, account=ACCOUNT)
    this_database = str(connection.settings_dict["NAME"])
    dumped = run(
        SCRIPTS / "backup_database.sh", tmp_path / "b", DATABASE_URL=url_for(this_database)
    )
    assert dumped.returncode == 0, dumped.stderr
    from cases.models import Case

    before = Case.objects.count()
    refused = run(
        SCRIPTS / "restore_database.sh", dumped.stdout.strip(), DATABASE_URL=url_for(this_database)
    )
    assert refused.returncode == 1
    assert "nothing was restored" in refused.stderr
    assert Case.objects.count() == before


def test_restoring_keys_never_overwrites_keys_in_use(tmp_path):
    secrets = write_the_keys(tmp_path / "secrets")
    archived = run(SCRIPTS / "backup_keys.sh", secrets, tmp_path / "key-store")
    assert archived.returncode == 0, archived.stderr
    (secrets / "field_encryption_keys").write_text("the key in use\n")
    refused = run(SCRIPTS / "restore_keys.sh", archived.stdout.strip(), secrets)
    assert refused.returncode == 1
    assert "refusing to overwrite" in refused.stderr
    assert (secrets / "field_encryption_keys").read_text() == "the key in use\n"


def test_a_key_backup_without_the_encryption_keys_is_refused(tmp_path):
    secrets = write_the_keys(tmp_path / "secrets")
    (secrets / "field_encryption_keys").unlink()
    refused = run(SCRIPTS / "backup_keys.sh", secrets, tmp_path / "key-store")
    assert refused.returncode == 2
    assert "field_encryption_keys is missing" in refused.stderr
    assert not (tmp_path / "key-store").exists() or not any((tmp_path / "key-store").iterdir())
