"""Log lines: JSON with the request id, no query strings, no raw addresses."""

from __future__ import annotations

import io
import ipaddress
import json
import logging
import uuid

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from prometheus_client import REGISTRY

from observability.logs import ip_fingerprint, logging_config
from observability.request_id import REQUEST_ID_HEADER
from observability.serve import QueryFreeAccessLog
from tests.conftest import log_in_fully
from tests.hotline.dashboard_helpers import open_socket, receive, session_cookie
from tests.melden.helpers import reporter, step_url


@pytest.mark.django_db
def test_a_request_log_line_is_json_with_the_request_id_and_without_the_query(json_log):
    response = Client().get("/melden/?q=VT-2026-0042&telefoon=0612345678")
    request_id = response[REQUEST_ID_HEADER]
    lines = json_log.parsed()
    access = [line for line in lines if line["logger"] == "veiligthuis.access"]
    assert len(access) == 1
    assert access[0]["request_id"] == request_id
    assert access[0]["http_path"] == "/melden/"
    assert access[0]["http_status"] == response.status_code
    assert "VT-2026" not in json_log.text
    assert "0612345678" not in json_log.text


@pytest.mark.django_db
def test_every_line_written_during_a_webhook_carries_its_request_id(json_log):
    response = Client().post("/hotline/twilio/status/?call=77", {"CallSid": "CA" + "9" * 32})
    assert response.status_code == 403
    request_id = response[REQUEST_ID_HEADER]
    lines = json_log.parsed()
    refusal = [line for line in lines if "twilio webhook refused" in line["message"]]
    assert refusal and all(line["request_id"] == request_id for line in refusal)
    assert "call=77" not in json_log.text


@pytest.mark.django_db
def test_a_sane_request_id_from_the_trusted_proxy_is_kept(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    response = Client().get("/healthz", HTTP_X_REQUEST_ID="proxy-7f3a9c1e2b")
    assert response[REQUEST_ID_HEADER] == "proxy-7f3a9c1e2b"


@pytest.mark.django_db
@pytest.mark.parametrize("sent", ["short", "x" * 65, "id with spaces", "forged\r\nlevel=ERROR"])
def test_an_odd_request_id_from_the_proxy_is_replaced(settings, sent):
    settings.TRUSTED_PROXY_COUNT = 1
    response = Client().get("/healthz", HTTP_X_REQUEST_ID=sent)
    assert response.status_code == 200
    assert response[REQUEST_ID_HEADER] != sent
    assert len(response[REQUEST_ID_HEADER]) == 32


@pytest.mark.django_db
def test_without_a_trusted_proxy_the_client_cannot_choose_the_request_id(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    response = Client().get("/healthz", HTTP_X_REQUEST_ID="chosen-by-the-client")
    assert response[REQUEST_ID_HEADER] != "chosen-by-the-client"


def test_an_exception_is_logged_by_its_type_and_stack_never_its_message(json_log):
    try:
        raise ValueError("duplicate key (phone)=(0612345678)")
    except ValueError:
        logging.getLogger("veiligthuis.test").warning("it failed", exc_info=True)
    (line,) = [line for line in json_log.parsed() if line["logger"] == "veiligthuis.test"]
    assert line["exception_type"] == "builtins.ValueError"
    assert line["exception_stack"]
    assert "0612345678" not in json_log.text


def test_the_plain_format_for_make_run_carries_the_request_id_too():
    config = logging_config(log_format="plain", level="INFO")
    assert "%(request_id)s" in config["formatters"]["plain"]["format"]
    assert config["handlers"]["console"]["filters"] == ["request_id"]


def test_daphnes_access_log_holds_no_query_string_and_no_raw_address(caplog):
    access = QueryFreeAccessLog(io.StringIO())
    caplog.set_level(logging.DEBUG, logger="daphne.access")
    access(
        "http",
        "complete",
        {
            "path": "/cases/search/?q=VT-2026-0042",
            "status": 200,
            "method": "GET",
            "client": "203.0.113.5:51234",
            "time_taken": 0.01,
            "size": 10,
        },
    )
    access("websocket", "connecting", {"path": "/ws/dashboard/?x=1", "client": "203.0.113.5:5"})
    assert "/cases/search/" in caplog.text and "/ws/dashboard/" in caplog.text
    assert "VT-2026" not in caplog.text and "x=1" not in caplog.text
    assert "203.0.113.5" not in caplog.text
    assert ip_fingerprint("203.0.113.5") in caplog.text
    # HTTP at DEBUG (Django's own access line has the request id), handshakes at INFO.
    assert [r.levelname for r in caplog.records if r.name == "daphne.access"] == ["DEBUG", "INFO"]


@pytest.mark.django_db
def test_rate_limit_lines_carry_a_keyed_hash_of_the_address_never_the_address(settings, caplog):
    settings.ONLINE_REPORT_POSTS_PER_HOUR = 1
    address = f"2001:db8:{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}::1"
    client = Client(REMOTE_ADDR=address)
    client.post(step_url(1), reporter(name=""))
    with caplog.at_level(logging.WARNING, logger="veiligthuis.security"):
        assert client.post(step_url(1), reporter()).status_code == 429
    lines = [r.getMessage() for r in caplog.records if "rate limit" in r.getMessage()]
    assert lines
    assert all(address not in line and "2001:db8" not in line for line in lines)
    assert any(ip_fingerprint(str(ipaddress.ip_address(address))) in line for line in lines)


def test_an_address_fingerprint_is_stable_but_keyed(settings):
    first = ip_fingerprint("192.0.2.1")
    assert first == ip_fingerprint("192.0.2.1") != ip_fingerprint("192.0.2.2")
    settings.SECRET_KEY = "another-key-" * 5
    assert ip_fingerprint("192.0.2.1") != first


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_socket_events_carry_a_request_id_of_their_own_and_are_counted(
    operator, json_log, settings
):
    settings.EVENTS_RELAY_INTERVAL_SECONDS = 0
    cookie = await database_sync_to_async(
        lambda: session_cookie(log_in_fully(Client(), operator))
    )()
    sockets_before = REGISTRY.get_sample_value("vt_dashboard_sockets") or 0.0
    socket, connected = await open_socket(cookie)
    assert connected
    await receive(socket)  # the snapshot
    assert REGISTRY.get_sample_value("vt_dashboard_sockets") == sockets_before + 1
    await socket.send_json_to({"type": "nonsense"})
    await receive(socket)
    await socket.disconnect()
    assert REGISTRY.get_sample_value("vt_dashboard_sockets") == sockets_before
    events = [line for line in json_log.parsed() if line.get("socket_event")]
    assert [line["socket_event"] for line in events] == ["connect", "receive", "disconnect"]
    ids = [line["request_id"] for line in events]
    assert "-" not in ids and len(set(ids)) == 3
    assert len({line["socket"] for line in events}) == 1


def test_a_json_line_is_one_object_a_line(json_log):
    logging.getLogger("veiligthuis.test").info("two\nlines")
    assert len(json_log.lines) == 1 and "\n" not in json_log.lines[0]
    assert json.loads(json_log.lines[0])["message"] == "two\nlines"
