"""Secrets as files (Docker secrets): NAME_FILE names the file that holds NAME.

A start-up error names the variable and the file, never the secret. The database password
may hold any character (`@:/%#`), given as it is in DATABASE_PASSWORD(_FILE) or
URL-encoded inside DATABASE_URL.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from config.settings import SECRET_SPECS
from tests.config.test_settings import SHOW_SETTINGS, production_environment, run_python

SHOW_SECRETS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'secret_key': s.SECRET_KEY, 'field_keys': s.FIELD_ENCRYPTION_KEYS, "
    "'twilio': s.TWILIO_AUTH_TOKEN, 'mail': s.EMAIL_HOST_PASSWORD, "
    "'db_password': s.DATABASES['default']['PASSWORD']}))"
)
# What libpq was handed: the password of the connection Django opened.
SHOW_CONNECTION_PASSWORD = (
    "import django; django.setup(); from django.db import connection; "
    "connection.ensure_connection(); print(repr(connection.connection.info.password))"
)
AWKWARD_PASSWORD = "p@ss:w/rd%41#frag?x=1 end"


def as_files(directory: Path, environment: dict[str, str], *names: str) -> dict[str, str]:
    """The environment with each named secret moved into a file of its own."""
    environment = dict(environment)
    for name in names:
        path = directory / name.lower()
        path.write_text(environment.pop(name) + "\n")
        environment[f"{name}_FILE"] = str(path)
    return environment


def test_every_secret_can_be_read_from_a_file_instead_of_the_environment(tmp_path):
    environment = production_environment(
        EMAIL_HOST_PASSWORD="mail-password", DATABASE_PASSWORD=AWKWARD_PASSWORD
    )
    names = [spec.name for spec in SECRET_SPECS] + ["EMAIL_HOST_PASSWORD", "DATABASE_PASSWORD"]
    from_files = as_files(tmp_path, environment, *names)
    assert not set(names) & set(from_files)
    result = run_python(SHOW_SECRETS, from_files)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["secret_key"] == environment["DJANGO_SECRET_KEY"]
    assert shown["field_keys"] == [environment["FIELD_ENCRYPTION_KEYS"]]
    assert shown["twilio"] == environment["TWILIO_AUTH_TOKEN"]
    assert shown["mail"] == "mail-password"
    # The trailing newline of the file is no part of the password.
    assert shown["db_password"] == AWKWARD_PASSWORD


@pytest.mark.parametrize("how", ["password file", "password variable", "url-encoded in the url"])
def test_a_database_password_with_at_colon_slash_percent_and_hash_reaches_postgresql(tmp_path, how):
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.fail("This test connects to PostgreSQL: run it with DATABASE_URL set.")
    user, host = db["USER"] or "postgres", f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    environment = {"DEV_SECRETS_FILE": str(tmp_path / "dev.json")}
    if how == "url-encoded in the url":
        environment["DATABASE_URL"] = (
            f"postgres://{user}:{quote(AWKWARD_PASSWORD, safe='')}@{host}/postgres"
        )
    else:
        environment["DATABASE_URL"] = f"postgres://{user}@{host}/postgres"
        environment["DATABASE_PASSWORD"] = AWKWARD_PASSWORD
        if how == "password file":
            environment = as_files(tmp_path, environment, "DATABASE_PASSWORD")
    result = run_python(SHOW_CONNECTION_PASSWORD, environment)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == repr(AWKWARD_PASSWORD)


def test_a_missing_secret_file_stops_the_start_naming_the_variable_and_the_path(tmp_path):
    environment = production_environment()
    secret = environment.pop("DJANGO_SECRET_KEY")
    environment["DJANGO_SECRET_KEY_FILE"] = str(tmp_path / "no-such-file")
    result = run_python(SHOW_SETTINGS, environment)
    assert result.returncode != 0
    assert f"DJANGO_SECRET_KEY_FILE names {tmp_path / 'no-such-file'}, which does not exist" in (
        result.stderr
    )
    assert secret not in result.stderr


def test_an_unreadable_secret_file_stops_the_start_without_showing_any_secret(tmp_path):
    environment = production_environment()
    key = environment.pop("FIELD_ENCRYPTION_KEYS")
    # A directory where the file should be: unreadable for any user, root included.
    (tmp_path / "keys").mkdir()
    environment["FIELD_ENCRYPTION_KEYS_FILE"] = str(tmp_path / "keys")
    result = run_python(SHOW_SETTINGS, environment)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS_FILE names" in result.stderr
    assert "cannot be read" in result.stderr
    assert key not in result.stderr
    assert environment["DJANGO_SECRET_KEY"] not in result.stderr


def test_an_empty_secret_file_is_refused_by_name(tmp_path):
    environment = production_environment()
    environment.pop("TWILIO_AUTH_TOKEN")
    (tmp_path / "token").write_text("\n")
    environment["TWILIO_AUTH_TOKEN_FILE"] = str(tmp_path / "token")
    result = run_python(SHOW_SETTINGS, environment)
    assert result.returncode != 0
    assert "TWILIO_AUTH_TOKEN_FILE names" in result.stderr
    assert "which is empty" in result.stderr


def test_a_secret_set_both_ways_is_refused_without_showing_either(tmp_path):
    environment = production_environment()
    other_key = Fernet.generate_key().decode()
    (tmp_path / "blind").write_text(other_key)
    environment["BLIND_INDEX_KEY_FILE"] = str(tmp_path / "blind")
    result = run_python(SHOW_SETTINGS, environment)
    assert result.returncode != 0
    assert "Both BLIND_INDEX_KEY and BLIND_INDEX_KEY_FILE are set" in result.stderr
    assert other_key not in result.stderr
    assert environment["BLIND_INDEX_KEY"] not in result.stderr


def test_a_development_value_in_a_secret_file_is_still_refused_in_production(tmp_path):
    environment = production_environment(DJANGO_SECRET_KEY="change-me")
    result = run_python(SHOW_SETTINGS, as_files(tmp_path, environment, "DJANGO_SECRET_KEY"))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY holds a development or placeholder value" in result.stderr
