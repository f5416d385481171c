"""Static files through ServeStatic, inside the ASGI app Daphne runs.

Development and tests serve the source folders as they are (no collectstatic, no cache);
production serves what collectstatic gathered under content-hashed names, which a browser
may keep for a year because a changed file gets a new name.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.browser.test_dashboard_in_the_browser import (
    DaphneServer,
    database_url_for_the_server,
    free_port,
)
from tests.faults.conftest import server_env
from tests.security.test_edges import _asgi_get

ROOT = Path(__file__).resolve().parents[2]
ONE_YEAR = 365 * 24 * 3600


def headers_of(response) -> dict[str, str]:
    return {name.decode().lower(): value.decode() for name, value in response["headers"]}


def test_without_collectstatic_a_static_file_is_served_with_a_cache_control_header():
    response = _asgi_get("/static/js/quick_exit.js")
    assert response["status"] == 200
    assert b"function" in response["body"]
    headers = headers_of(response)
    # Development: edits show at the next reload.
    assert headers["cache-control"] == "max-age=0, public"
    assert headers["content-type"].startswith("text/javascript")


def test_a_missing_static_file_is_a_plain_404_without_a_cookie():
    response = _asgi_get("/static/js/no-such-script.js")
    assert response["status"] == 404
    assert response["body"] == b"Not found"
    assert "set-cookie" not in headers_of(response)


@pytest.mark.django_db(transaction=True)
def test_collected_files_have_hashed_names_that_browsers_may_keep_for_a_year(tmp_path):
    static_root = tmp_path / "static"
    port = free_port()
    env = server_env(
        port,
        DATABASE_URL=database_url_for_the_server(),
        STATIC_FILES_COLLECTED="true",
        STATIC_ROOT=str(static_root),
    )
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collected.returncode == 0, collected.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    hashed = manifest["js/quick_exit.js"]
    assert hashed != "js/quick_exit.js"
    assert (static_root / (hashed + ".gz")).exists()

    server = DaphneServer(port, env, tmp_path / "daphne.log")
    server.start()
    try:
        with urllib.request.urlopen(f"{server.url}/static/{hashed}", timeout=10) as response:
            assert response.status == 200
            cache_control = response.headers["Cache-Control"]
            assert response.headers["X-Content-Type-Options"] == "nosniff"
        # The pages name the hashed file, so a deploy never mixes old scripts with new pages.
        with urllib.request.urlopen(f"{server.url}/melden/", timeout=10) as response:
            page = response.read().decode()
    finally:
        server.stop()
    # ServeStatic's "forever": ten years, and never revalidated.
    assert cache_control == f"max-age={10 * ONE_YEAR}, public, immutable"
    assert f"/static/{hashed}" in page
