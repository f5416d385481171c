"""Settings come from the environment; production refuses missing or development secrets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from config.env import (
    generate_dev_key,
    generate_dev_keyring,
    generate_dev_secret,
    is_development_value,
)

ROOT = Path(__file__).resolve().parents[2]

SHOW_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'db': s.DATABASES['default']['ENGINE'], "
    "'layer': s.CHANNEL_LAYERS['default']['BACKEND'], "
    "'layer_keys': bool(s.CHANNEL_LAYERS['default'].get('CONFIG', {}).get("
    "'symmetric_encryption_keys')), 'debug': s.DEBUG, 'language': s.LANGUAGE_CODE}))"
)


def production_environment(**overrides: str) -> dict[str, str]:
    environment = {
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": "p" * 20 + "Q7x!rT9wLm2#vB8nZ4kS6yH1cF3gJ5dX0aE",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "BLIND_INDEX_KEY": Fernet.generate_key().decode(),
        "ACCESS_LOG_KEYS": f"2026a:{Fernet.generate_key().decode()}",
        "ACCESS_LOG_HEAD_EXPORT": "syslog",
        "CHANNEL_LAYER_ENCRYPTION_KEY": "a-real-channel-layer-key-9f8e7d6c5b4a",
        "TWILIO_AUTH_TOKEN": "0123456789abcdef0123456789abcdef",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "ALLOWED_HOSTS": "veiligthuis.example.nl",
        "PUBLIC_BASE_URL": "https://veiligthuis.example.nl",
        "TRUSTED_PROXY_COUNT": "1",
    }
    environment.update(overrides)
    return environment


def run_python(code: str, environment: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    # Only PATH and HOME from the outside: the settings must not depend on anything else.
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(
        [sys.executable, *(["-c", code] if code else []), *args],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_with_no_environment_it_runs_on_sqlite_and_the_in_memory_layer(tmp_path):
    secrets_file = tmp_path / "dev-secrets.json"
    result = run_python(SHOW_SETTINGS, {"DEV_SECRETS_FILE": str(secrets_file)})
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["db"] == "django.db.backends.sqlite3"
    assert shown["layer"] == "channels.layers.InMemoryChannelLayer"
    assert shown["debug"] is False
    assert shown["language"] == "nl"


def test_development_secrets_are_generated_once_and_kept_private(tmp_path):
    secrets_file = tmp_path / "dev-secrets.json"
    run_python(SHOW_SETTINGS, {"DEV_SECRETS_FILE": str(secrets_file)})
    first = json.loads(secrets_file.read_text())
    assert oct(secrets_file.stat().st_mode & 0o777) == "0o600"
    run_python(SHOW_SETTINGS, {"DEV_SECRETS_FILE": str(secrets_file)})
    assert json.loads(secrets_file.read_text()) == first
    assert all(is_development_value(value) for value in first.values())
    Fernet(first["FIELD_ENCRYPTION_KEYS"])  # a usable key, only marked as development


def test_with_database_and_redis_urls_it_uses_postgresql_and_an_encrypted_redis_layer(tmp_path):
    result = run_python(
        SHOW_SETTINGS,
        {
            "DEV_SECRETS_FILE": str(tmp_path / "s.json"),
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
        },
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["db"] == "django.db.backends.postgresql"
    assert shown["layer"] == "channels_redis.core.RedisChannelLayer"
    assert shown["layer_keys"] is True


def test_a_complete_production_environment_starts():
    result = run_python(SHOW_SETTINGS, production_environment())
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "variable",
    [
        "DJANGO_SECRET_KEY",
        "FIELD_ENCRYPTION_KEYS",
        "BLIND_INDEX_KEY",
        "ACCESS_LOG_KEYS",
        "ACCESS_LOG_HEAD_EXPORT",
        "CHANNEL_LAYER_ENCRYPTION_KEY",
        "TWILIO_AUTH_TOKEN",
        "DATABASE_URL",
        "REDIS_URL",
        "ALLOWED_HOSTS",
    ],
)
def test_production_with_a_missing_setting_stops_and_names_it(variable):
    environment = production_environment()
    del environment[variable]
    result = run_python(SHOW_SETTINGS, environment)
    assert result.returncode != 0
    assert f"{variable} is not set" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DJANGO_SECRET_KEY", generate_dev_secret()),
        ("DJANGO_SECRET_KEY", "django-insecure-abcdefghijklmnopqrstuvwxyz0123456789abcdefgh"),
        ("FIELD_ENCRYPTION_KEYS", generate_dev_key()),
        ("FIELD_ENCRYPTION_KEYS", f"{Fernet.generate_key().decode()},{generate_dev_key()}"),
        ("BLIND_INDEX_KEY", generate_dev_key()),
        ("ACCESS_LOG_KEYS", generate_dev_keyring()),
        ("ACCESS_LOG_KEYS", f"2026b:{Fernet.generate_key().decode()},{generate_dev_keyring()}"),
        ("CHANNEL_LAYER_ENCRYPTION_KEY", "change-me"),
        ("TWILIO_AUTH_TOKEN", generate_dev_secret()),
    ],
)
def test_production_with_a_development_secret_stops_and_names_it(variable, value):
    result = run_python(SHOW_SETTINGS, production_environment(**{variable: value}))
    assert result.returncode != 0
    assert f"{variable} holds a development or placeholder value" in result.stderr


def test_production_refuses_debug_and_plain_http():
    result = run_python(SHOW_SETTINGS, production_environment(DJANGO_DEBUG="true"))
    assert "DJANGO_DEBUG must be off" in result.stderr
    result = run_python(SHOW_SETTINGS, production_environment(PUBLIC_BASE_URL="http://x.nl"))
    assert "PUBLIC_BASE_URL must use https" in result.stderr


def test_a_malformed_number_setting_is_named():
    result = run_python(SHOW_SETTINGS, production_environment(LOGIN_FAILURE_LIMIT="vijf"))
    assert result.returncode != 0
    assert "LOGIN_FAILURE_LIMIT must be a whole number" in result.stderr


def test_a_misspelt_decision_approver_role_stops_startup_and_names_the_setting():
    environment = production_environment(DECISION_APPROVERS_MEDICAL="arts")
    result = run_python(SHOW_SETTINGS, environment)
    assert result.returncode != 0
    assert "DECISION_APPROVERS_*" in result.stderr


def test_the_deploy_check_passes_with_a_production_environment():
    result = run_python(
        "",
        production_environment(),
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("variable", ["FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"])
def test_a_malformed_key_stops_startup_and_names_the_variable(variable, tmp_path):
    result = run_python(
        SHOW_SETTINGS,
        {"DEV_SECRETS_FILE": str(tmp_path / "s.json"), variable: "not-a-key"},
    )
    assert result.returncode != 0
    assert f"{variable}: key 1 is not a valid key" in result.stderr


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not-a-key", "part 1 is not ID:KEY"),
        (f"a:{Fernet.generate_key().decode()},a:{Fernet.generate_key().decode()}", "used twice"),
        ("a:short", "ACCESS_LOG_KEYS (a): key 1 is not a valid key"),
    ],
)
def test_a_malformed_access_log_keyring_stops_startup_and_says_why(value, message, tmp_path):
    result = run_python(
        SHOW_SETTINGS, {"DEV_SECRETS_FILE": str(tmp_path / "s.json"), "ACCESS_LOG_KEYS": value}
    )
    assert result.returncode != 0
    assert message in result.stderr


def test_development_generates_an_access_log_keyring(tmp_path):
    secrets_file = tmp_path / "dev-secrets.json"
    result = run_python(SHOW_SETTINGS, {"DEV_SECRETS_FILE": str(secrets_file)})
    assert result.returncode == 0, result.stderr
    keyring = json.loads(secrets_file.read_text())["ACCESS_LOG_KEYS"]
    assert keyring.startswith("dev1:") and is_development_value(keyring)


def test_production_logs_json_and_refuses_an_unknown_log_format():
    show = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.LOG_FORMAT, s.LOGGING['handlers']['console']['formatter'])"
    )
    result = run_python(show, production_environment())
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["json", "json"]
    result = run_python(show, production_environment(LOG_FORMAT="xml"))
    assert result.returncode != 0
    assert "LOG_FORMAT must be json or plain" in result.stderr


def test_a_short_metrics_token_stops_startup_and_says_why():
    result = run_python(SHOW_SETTINGS, production_environment(METRICS_TOKEN="secret"))
    assert result.returncode != 0
    assert "METRICS_TOKEN must be at least 24 characters" in result.stderr
