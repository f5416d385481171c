"""docker-compose.yml and README's "Running it in production" describe the same deployment:
the services, their health checks and the secrets, and how the secrets reach the app."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from config.env import VARIABLES
from config.settings import SECRET_SPECS

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("migrate", "web", "worker")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def readme_section(title: str) -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index(f"### {title}\n")
    end = text.find("\n### ", start + 1)
    return text[start:end]


def tables(section: str) -> list[list[list[str]]]:
    """The markdown tables in `section`, each as its rows of cells (no header, no rule)."""
    found: list[list[list[str]]] = []
    inside = False
    for line in section.splitlines():
        if not line.startswith("|"):
            inside = False
            continue
        if not inside:
            found.append([])
            inside = True
        elif not line.startswith("|---"):
            found[-1].append([cell.strip() for cell in line.strip("|").split("|")])
    return found


def code_names(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def service_rows() -> dict[str, list[str]]:
    services, _secrets = tables(readme_section("First deployment with docker compose"))
    return {code_names(row[0])[0]: row for row in services}


def secret_rows() -> dict[str, str]:
    _services, secrets = tables(readme_section("First deployment with docker compose"))
    return {code_names(row[0])[0]: code_names(row[1])[0] for row in secrets}


def test_the_readme_names_every_service_the_compose_file_runs_and_no_other(compose):
    assert set(service_rows()) == set(compose["services"])


def test_each_health_check_the_readme_describes_is_in_the_compose_file(compose):
    for name, row in service_rows().items():
        healthcheck = compose["services"][name].get("healthcheck")
        if row[2].startswith("none"):
            assert healthcheck is None, f"{name} has a health check the README does not name"
            continue
        assert healthcheck is not None, f"the README names a health check for {name}"
        probe = " ".join(healthcheck["test"])
        for word in code_names(row[2]):
            assert word in probe, f"{name}: the README says {word!r}, compose runs {probe!r}"


def test_web_runs_twice_behind_the_proxy_which_passes_websockets_on(compose):
    services = compose["services"]
    assert services["web"]["deploy"]["replicas"] == 2
    assert "ports" not in services["web"], "web is reached only through the proxy"
    proxy = services["proxy"]
    assert re.fullmatch(r"nginx:\d+\.\d+\.\d+-alpine", proxy["image"]), "a pinned image tag"
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"
    config_mount = next(v for v in proxy["volumes"] if v.endswith(":/etc/nginx/nginx.conf:ro"))
    config = (ROOT / config_mount.split(":")[0]).read_text()
    assert "server web:8000 resolve" in config
    assert "proxy_set_header Upgrade $http_upgrade;" in config
    assert "location = /proxy-health" in config
    # The proxy's log: no client address, no query string.
    log_format = config[config.index("log_format") : config.index(";", config.index("log_format"))]
    assert "$remote_addr" not in log_format and "$request " not in log_format
    assert "$args" not in log_format and "$request_uri" not in log_format


def test_the_readme_names_every_secret_and_the_compose_file_gives_each_to_every_app_service(
    compose,
):
    readme_secrets = secret_rows()
    assert set(readme_secrets) == set(compose["secrets"])
    for name, declared in compose["secrets"].items():
        assert declared["file"] == f"./secrets/{name}"
    for service in APP_SERVICES:
        given = compose["services"][service]
        assert set(given["secrets"]) == set(compose["secrets"]), service
        environment = given["environment"]
        for secret, variable in readme_secrets.items():
            assert environment[variable] == f"/run/secrets/{secret}", (service, variable)
            assert variable in VARIABLES, f"the settings never read {variable}"
            assert variable.removesuffix("_FILE") not in environment, "the value, not the file"
    # Every secret the settings require comes as a file.
    for spec in SECRET_SPECS:
        assert f"{spec.name}_FILE" in readme_secrets.values()
    postgres = compose["services"]["postgres"]
    assert postgres["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres_password"
    assert postgres["secrets"] == ["postgres_password"]


def test_the_database_password_is_never_spliced_into_the_url(compose):
    environment = compose["services"]["web"]["environment"]
    assert "@" in environment["DATABASE_URL"]
    assert ":" not in environment["DATABASE_URL"].split("//", 1)[1].split("@", 1)[0]
    assert "POSTGRES_PASSWORD" not in (ROOT / "docker-compose.yml").read_text().replace(
        "POSTGRES_PASSWORD_FILE", ""
    )


def test_the_secrets_folder_never_reaches_git_or_the_image():
    assert "secrets/" in (ROOT / ".gitignore").read_text().splitlines()
    assert "secrets" in (ROOT / ".dockerignore").read_text().splitlines()


def test_every_script_the_readme_runs_exists_and_is_executable():
    section = (ROOT / "README.md").read_text()
    scripts = set(re.findall(r"scripts/[a-z_]+\.sh", section))
    assert {
        "scripts/backup_database.sh",
        "scripts/backup_keys.sh",
        "scripts/restore_database.sh",
        "scripts/restore_keys.sh",
    } <= scripts
    for script in scripts:
        path = ROOT / script
        assert path.exists(), script
        assert path.stat().st_mode & 0o111, f"{script} is not executable"
