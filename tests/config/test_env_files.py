"""`.env.example` and `docker-compose.yml` speak the same variable names as the settings."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from config.env import VARIABLES

ROOT = Path(__file__).resolve().parents[2]


def env_example_names() -> list[str]:
    names = []
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]*)=", line)
        if match:
            names.append(match.group(1))
    return names


def test_env_example_lists_every_variable_the_settings_read_and_nothing_else():
    assert set(env_example_names()) == set(VARIABLES)


def test_every_variable_in_env_example_is_explained_by_a_comment():
    # A comment may explain a small group of variables listed right under it.
    explained = False
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.startswith("#"):
            explained = True
        elif not line.strip():
            explained = False
        elif re.match(r"^[A-Z][A-Z0-9_]*=", line):
            assert explained, f"{line} has no comment above it"


def test_compose_has_its_services():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert set(compose["services"]) == {"postgres", "redis", "migrate", "web", "proxy", "worker"}
    assert compose["services"]["worker"]["command"][-2:] == ["run_jobs", "--loop"]
    # Daphne through observability.serve: its access log without query strings.
    assert compose["services"]["web"]["command"][:3] == ["python", "-m", "observability.serve"]
    assert compose["services"]["migrate"]["command"][-2:] == ["migrate", "--noinput"]
    assert compose["services"]["migrate"]["restart"] == "no"
    web_depends = compose["services"]["web"]["depends_on"]
    assert web_depends["migrate"]["condition"] == "service_completed_successfully"


def test_every_variable_compose_gives_the_app_is_one_the_settings_read():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for service in ("migrate", "web", "worker"):
        environment = compose["services"][service]["environment"]
        unknown = set(environment) - set(VARIABLES)
        assert not unknown, f"{service} sets variables the settings never read: {unknown}"
        assert environment["DJANGO_ENV"] == "production"
        for required in ("DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY_FILE", "PUBLIC_BASE_URL"):
            assert required in environment
