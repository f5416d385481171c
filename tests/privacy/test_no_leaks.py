"""No personal data leaks: a case full of a marker string is worked on, and the marker
never shows up in the logs, the channel layer, a URL or the cache."""

from __future__ import annotations

import logging
import pickle
from typing import Any

import pytest
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.test import Client
from django.urls import NoReverseMatch, reverse

from cases.codes import PersonRole
from tests.cases.factories import register_case, victim_contact
from tests.conftest import log_in_fully, make_staff
from tests.hotline.conftest import TwilioSays, new_sid

MARKER = "MARKER-7513"
PHONE = "+31 6 7513 7513"
# Every way the personal data in this test could be written down.
TELLTALES = (MARKER, "75137513", "7513 7513", "7513-7513")


class Watch:
    """Everything that leaves a request other than the page itself."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.channel_messages: list[Any] = []

    def visit(self, client: Client, method: str, url: str, data: Any = None) -> Any:
        self.urls.append(url)
        response = getattr(client, method)(url, data or {})
        if response.get("Location"):
            self.urls.append(response["Location"])
        return response


@pytest.fixture
def watch(monkeypatch, caplog, django_capture_on_commit_callbacks) -> Watch:
    watch = Watch()
    caplog.set_level(logging.DEBUG)
    layer = get_channel_layer()
    assert layer is not None
    real_send, real_group_send = layer.send, layer.group_send

    async def send(channel: str, message: dict) -> None:
        watch.channel_messages.append((channel, message))
        await real_send(channel, message)

    async def group_send(group: str, message: dict) -> None:
        watch.channel_messages.append((group, message))
        await real_group_send(group, message)

    monkeypatch.setattr(layer, "send", send)
    monkeypatch.setattr(layer, "group_send", group_send)
    return watch


def cached_values() -> list[bytes]:
    """The raw bytes of every cache entry (in-memory or Redis)."""
    # _cache: the backend's own store (LocMemCache's dict, RedisCache's client), not on BaseCache.
    backend: Any = getattr(cache, "_cache", None)
    if isinstance(backend, dict):  # LocMemCache
        return [v if isinstance(v, bytes) else pickle.dumps(v) for v in backend.values()]
    client = backend.get_client(None)
    return [client.get(key) or b"" for key in client.scan_iter(match="vt-cache*")]


def assert_no_leak(watch: Watch, caplog) -> None:
    logged = "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in caplog.records
    )
    sent = repr(watch.channel_messages)
    urls = "\n".join(watch.urls)
    cached = b"\n".join(cached_values()).decode("utf-8", "replace")
    for telltale in TELLTALES:
        assert telltale not in logged, f"{telltale} in the logs"
        assert telltale not in sent, f"{telltale} in a channel layer message"
        assert telltale not in urls, f"{telltale} in a URL"
        assert telltale not in cached, f"{telltale} in the cache"


def marked_case(by):
    return register_case(
        by,
        account=f"Relaas {MARKER}: de buren horen geschreeuw.",
        contact=victim_contact(name=f"Melder {MARKER}", phone=PHONE),
        people=[
            {"role": PersonRole.VICTIM, "is_child": True, "name": f"Kind {MARKER}"},
            {
                "role": PersonRole.SUSPECTED_PERPETRATOR,
                "is_child": False,
                "name": f"Ouder {MARKER}",
            },
        ],
    )


@pytest.mark.django_db
def test_registering_a_case_and_a_call_leaks_nothing(
    watch, caplog, operator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        marked_case(operator)
    twilio = TwilioSays(Client())
    sid = new_sid()
    with django_capture_on_commit_callbacks(execute=True):
        for response in (
            twilio.voice(sid, From=PHONE.replace(" ", "")),
            twilio.menu(sid, "role", "1"),
            twilio.menu(sid, "acute", "2"),
        ):
            assert response.status_code == 200
            watch.urls.append(response.request["PATH_INFO"])
    assert watch.channel_messages, "the dashboards heard nothing: the test would prove nothing"
    assert_no_leak(watch, caplog)


@pytest.mark.django_db
def test_the_privacy_pages_and_a_refusal_leak_nothing(
    watch, caplog, operator, operator_client, supervisor_client
):
    case = marked_case(operator)
    history = reverse("privacy:access_history", args=["cases.case", case.pk])
    export = reverse("privacy:access_history_export", args=["cases.case", case.pk])
    destroy = reverse("privacy:destroy_on_request", args=["cases.case", case.pk])
    assert watch.visit(supervisor_client, "get", history).status_code == 200
    csv_response = watch.visit(supervisor_client, "get", export)
    assert MARKER not in csv_response.content.decode()
    assert watch.visit(supervisor_client, "get", destroy).status_code == 200
    assert watch.visit(supervisor_client, "post", destroy, {"reference": MARKER}).status_code == 400
    assert watch.visit(operator_client, "get", history).status_code == 403
    assert_no_leak(watch, caplog)


def _reports_url(name: str, *args: Any) -> str | None:
    try:
        return reverse(f"cases:{name}", args=args)
    except NoReverseMatch:
        return None


@pytest.mark.django_db
def test_the_case_pages_and_intake_leak_nothing(watch, caplog, operator, operator_client):
    case = marked_case(operator)
    assert watch.visit(operator_client, "get", _reports_url("case_list")).status_code == 200
    detail = _reports_url("case_detail", case.pk)
    assert watch.visit(operator_client, "get", detail).status_code == 200
    # An intake that fails validation echoes the input on the page, and nowhere else.
    response = watch.visit(
        operator_client,
        "post",
        _reports_url("intake_new"),
        {"account": f"Relaas {MARKER}", "name": f"Melder {MARKER}", "phone": PHONE},
    )
    assert response.status_code in {200, 400}
    # Someone from another team is refused the case.
    stranger = log_in_fully(Client(), make_staff("vera", "operator", team="Team Noord"))
    assert watch.visit(stranger, "get", detail).status_code in {403, 404}
    assert_no_leak(watch, caplog)


@pytest.mark.django_db
def test_the_watch_itself_catches_a_leak(watch, caplog):
    logging.getLogger("somewhere").debug("caller said %s", MARKER)
    with pytest.raises(AssertionError, match="in the logs"):
        assert_no_leak(watch, caplog)
