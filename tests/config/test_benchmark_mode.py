"""The benchmark floors exist only in benchmark mode, and never in production."""

from __future__ import annotations

import json
import textwrap

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application
from tests.config.test_settings import SHOW_SETTINGS, production_environment, run_python

ROUTES = textwrap.dedent(
    """
    import json
    import django
    django.setup()
    from django.test import Client
    from django.urls import Resolver404, resolve
    from config.websocket_urls import websocket_urlpatterns
    try:
        resolve("/bench/floor/twiml/")
        routed = True
    except Resolver404:
        routed = False
    response = Client().post("/bench/floor/twiml/")
    stats = Client().get("/bench/pool-stats/")
    print(json.dumps({
        "status": response.status_code,
        "body": response.content.decode(),
        "stats_status": stats.status_code,
        "stats": stats.content.decode(),
        "routed": routed,
        "ws": [str(route.pattern) for route in websocket_urlpatterns],
    }))
    """
)


def test_without_benchmark_mode_the_floor_is_not_found(operator_client):
    # Even for a fully logged-in member of staff: there is nothing there.
    assert operator_client.post("/bench/floor/twiml/").status_code == 404
    # And it is not public: anyone else is sent to the login like on any staff path.
    assert Client().post("/bench/floor/twiml/").status_code == 302


@pytest.mark.asyncio
async def test_without_benchmark_mode_the_echo_socket_is_not_routed():
    headers = [(b"host", b"testserver"), (b"origin", b"http://testserver")]
    communicator = WebsocketCommunicator(application, "/ws/bench-echo/", headers=headers)
    with pytest.raises(ValueError, match="No route found"):
        await communicator.connect(timeout=3)


def test_benchmark_mode_mounts_both_floors(tmp_path):
    result = run_python(
        ROUTES, {"BENCHMARK_MODE": "true", "DEV_SECRETS_FILE": str(tmp_path / "s.json")}
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["status"] == 200
    assert shown["routed"] is True
    assert "<Response>" in shown["body"]
    assert "ws/bench-echo/" in shown["ws"]
    # The pool's counters for the soak (no pool on SQLite: nothing to count).
    assert shown["stats_status"] == 200
    assert json.loads(shown["stats"]) == {}


def test_outside_benchmark_mode_neither_floor_is_mounted(tmp_path):
    result = run_python(ROUTES, {"DEV_SECRETS_FILE": str(tmp_path / "s.json")})
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["routed"] is False
    assert shown["status"] == 302  # to the login, as any unknown staff path
    assert shown["stats_status"] == 302
    assert not [route for route in shown["ws"] if "bench" in route]


def test_production_refuses_benchmark_mode():
    result = run_python(SHOW_SETTINGS, production_environment(BENCHMARK_MODE="true"))
    assert result.returncode != 0
    assert "BENCHMARK_MODE must be off" in result.stderr
