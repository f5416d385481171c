"""/readyz tells the truth while operators have their dashboards open.

A load balancer takes a server out of service on a 503 from /readyz. Its channel-layer
probe used to send on a channel of its own prefix, which the Redis layer's shared receive
loop never reads while a dashboard holds that loop: every probe timed out and the server
left service as soon as the first operator connected (issue 18). Daphne runs as deployed
on a redis-server of the test's own, so the test can kill it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from django.test import Client

from tests.conftest import log_in_fully
from tests.faults.conftest import DashboardWatcher
from tests.hotline.dashboard_helpers import session_cookie

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]

DASHBOARDS = 5
PROBES = 8


def readyz(base_url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"{base_url}/readyz", timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_readyz_answers_200_with_dashboards_open_and_503_naming_redis_once_it_dies(
    own_redis, daphne_factory, operator
):
    server = daphne_factory(REDIS_URL=own_redis.url)
    cookie = session_cookie(log_in_fully(Client(), operator))
    watchers = [DashboardWatcher(server.url, cookie).start() for _ in range(DASHBOARDS)]
    try:
        answers = [readyz(server.url) for _ in range(PROBES)]
        assert answers == [(200, {"status": "ok"})] * PROBES
        assert all(watcher.drops == 0 for watcher in watchers)

        own_redis.kill()
        status, body = readyz(server.url)
        assert status == 503
        assert body == {"status": "unavailable", "failed": ["channel_layer"]}
    finally:
        for watcher in watchers:
            watcher.stop()
