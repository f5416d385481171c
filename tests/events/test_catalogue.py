"""The event catalogue holds: every kind is sent, handled and delivered only to its audience.

The consumers are read from their source (static/js/*.js, dashboard/consumers.py) and the
senders from the Python tree, so a kind that loses its last consumer, or a consumer left
waiting for a kind nobody sends any more, fails here.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import pytest
from channels.db import database_sync_to_async
from django.db import transaction
from django.test import Client

from events.catalogue import CATALOGUE, Audience, Consumer, EventKind
from events.models import OutboxEvent
from events.services import event_record
from tests.conftest import log_in_fully
from tests.hotline.dashboard_helpers import open_socket, receive, session_cookie

ROOT = Path(__file__).resolve().parents[2]
KIND = r"[a-z]+\.[a-z_]+"
# Python modules that handle events by kind, besides the scripts (none does today: the
# dashboard socket forwards whatever its user's audience may see).
PYTHON_CONSUMERS = ("dashboard/consumers.py",)
NOT_SOURCE = {"tests", "migrations", "node_modules", "static", "templates", "locale"}


# --- who handles what: read from the consumers' source ------------------------------------


def _handled_in_js(source: str) -> tuple[set[str], set[str]]:
    """Exact kinds ("case.created") and prefixes (startsWith("call.")) a script handles."""
    exact = set(re.findall(rf"""["']({KIND})["']""", source))
    prefixes = set(re.findall(r"""startsWith\(\s*["']([a-z]+\.)["']\s*\)""", source))
    return exact, prefixes


def _handled_in_python(source: str) -> tuple[set[str], set[str]]:
    exact: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            for part in [node.left, *node.comparators]:
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    if re.fullmatch(KIND, part.value):
                        exact.add(part.value)
    return exact, set()


def handled() -> dict[str, tuple[set[str], set[str]]]:
    found = {
        str(path.relative_to(ROOT)): _handled_in_js(path.read_text())
        for path in sorted((ROOT / "static" / "js").glob("*.js"))
    }
    for name in PYTHON_CONSUMERS:
        found[name] = _handled_in_python((ROOT / name).read_text())
    return {name: kinds for name, kinds in found.items() if kinds != (set(), set())}


def consumers_of(kind: str) -> set[str]:
    return {
        name
        for name, (exact, prefixes) in handled().items()
        if kind in exact or any(kind.startswith(prefix) for prefix in prefixes)
    }


# --- who sends what: read from the event_record call sites --------------------------------


def _source_files() -> Iterator[Path]:
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if any(part in NOT_SOURCE or part.startswith(".") for part in parts[:-1]):
            continue
        yield path


def _called(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _kind_argument(node: ast.Call) -> ast.expr | None:
    return next((k.value for k in node.keywords if k.arg == "kind"), None)


def sent_kinds() -> set[str]:
    """Every kind passed to event_record as a literal, directly or through a helper that
    passes one of its parameters on as the kind (hotline.services._announce)."""
    trees = [ast.parse(path.read_text()) for path in _source_files()]
    # Helpers: function name -> (position, name) of the parameter they send as the kind.
    forwarders: dict[str, tuple[int, str]] = {}
    for tree in trees:
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            params = [a.arg for a in func.args.posonlyargs + func.args.args]
            for call in ast.walk(func):
                if isinstance(call, ast.Call) and _called(call) == "event_record":
                    kind = _kind_argument(call)
                    if isinstance(kind, ast.Name) and kind.id in params:
                        forwarders[func.name] = (params.index(kind.id), kind.id)
    sent: set[str] = set()
    for tree in trees:
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            name = _called(call)
            candidates: list[ast.expr | None] = []
            if name == "event_record":
                candidates.append(_kind_argument(call))
            elif name in forwarders:
                position, param = forwarders[name]
                if len(call.args) > position:
                    candidates.append(call.args[position])
                candidates += [k.value for k in call.keywords if k.arg == param]
            for arg in candidates:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    sent.add(arg.value)
        sent |= _case_action_kinds(tree)
    return sent


def _case_action_kinds(tree: ast.AST) -> set[str]:
    """Case actions name their one event in `event_kind` (cases.services.CaseAction): as
    the field's default, as a keyword, or set by the action's body."""
    kinds: set[str] = set()
    for node in ast.walk(tree):
        value: ast.expr | None = None
        if isinstance(node, ast.keyword) and node.arg == "event_kind":
            value = node.value
        elif isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            names = [getattr(t, "id", None) or getattr(t, "attr", None) for t in targets]
            if "event_kind" in names:
                value = node.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            kinds.add(value.value)
    return kinds


# --- the tests ----------------------------------------------------------------------------


def test_the_kinds_and_the_catalogue_are_the_same_list() -> None:
    assert set(get_args_flat(EventKind)) == set(CATALOGUE)


def get_args_flat(tp: Any) -> list[str]:
    """A Literal's values, with nested Literals (CallEventKind) flattened."""
    values: list[str] = []
    for arg in get_args(tp):
        values += get_args_flat(arg) if get_args(arg) else [arg]
    return values


def test_every_event_kind_has_a_consumer() -> None:
    missing = sorted(kind for kind in CATALOGUE if not consumers_of(kind))
    assert not missing, f"kinds nobody handles: {missing}"
    # And the catalogue says truthfully who handles each kind.
    for kind, spec in CATALOGUE.items():
        assert consumers_of(kind) == {str(c) for c in spec.consumers}, kind
        assert spec.why, kind


def test_every_event_kind_is_sent_and_nothing_else_is() -> None:
    assert sent_kinds() == set(CATALOGUE)


def test_no_consumer_listens_for_a_kind_nothing_sends() -> None:
    sent = sent_kinds()
    for name, (exact, prefixes) in handled().items():
        assert exact <= sent, f"{name} waits for {sorted(exact - sent)}, which nothing sends"
        for prefix in prefixes:
            assert any(kind.startswith(prefix) for kind in sent), f"{name}: {prefix}*"


def test_the_consumers_are_the_scripts_the_catalogue_names() -> None:
    assert set(handled()) == {str(c) for c in Consumer}


def _escalated_payload() -> dict[str, Any]:
    return {
        "handover_id": 1,
        "case_id": 1,
        "reference": "VT-2026-000001",
        "organisation": "cjg",
        "status": "escalated",
        "accept_due": "2026-01-09",
    }


@pytest.mark.django_db
def test_a_payload_with_an_unknown_key_is_refused() -> None:
    with pytest.raises(ValueError, match="audience"):
        event_record(
            kind="handover.escalated",
            payload={**_escalated_payload(), "audience": "supervisors"},
            region="haaglanden",
        )
    payload = _escalated_payload()
    del payload["accept_due"]
    with pytest.raises(ValueError, match="accept_due"):
        event_record(kind="handover.escalated", payload=payload, region="haaglanden")
    assert not OutboxEvent.objects.exists()


@pytest.mark.django_db
def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown event kind"):
        unknown: Any = "assessment.decided"  # mypy refuses the literal itself
        event_record(kind=unknown, payload={}, region="haaglanden")
    assert not OutboxEvent.objects.exists()


def test_only_hotline_and_supervisor_audiences_exist() -> None:
    # Each audience needs a permission that decides who is in it (AUDIENCE_PERMISSION).
    from events.catalogue import AUDIENCE_PERMISSION

    assert set(AUDIENCE_PERMISSION) == set(Audience)


def _record(kind: EventKind, payload: dict[str, Any]) -> int:
    with transaction.atomic():
        return event_record(kind=kind, payload=payload).seq


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_supervisor_only_event_never_reaches_an_operators_socket(
    operator: Any, supervisor: Any, settings: Any
) -> None:
    settings.EVENTS_RELAY_INTERVAL_SECONDS = 0
    assert CATALOGUE["handover.escalated"].audience == Audience.SUPERVISORS
    operator_cookie = session_cookie(await database_sync_to_async(log_in_fully)(Client(), operator))
    supervisor_cookie = session_cookie(
        await database_sync_to_async(log_in_fully)(Client(), supervisor)
    )
    operator_socket, connected = await open_socket(operator_cookie)
    assert connected
    supervisor_socket, connected = await open_socket(supervisor_cookie)
    assert connected
    start = (await receive(operator_socket))["seq"]
    await receive(supervisor_socket)

    escalated = await database_sync_to_async(_record)("handover.escalated", _escalated_payload())
    alert = {
        "case_id": 1,
        "reference": "VT-2026-000001",
        "state": "intake",
        "case_type": "report",
        "acute": True,
        "assessment_due": "2026-12-08",
        "team_id": None,
        "action": "acute_flagged",
        "reason": "acute",
    }
    acute = await database_sync_to_async(_record)("acute.alert", alert)

    # The supervisor gets both; the operator only the alert, the escalation never.
    assert [(await receive(supervisor_socket))["seq"] for _ in range(2)] == [escalated, acute]
    received = await receive(operator_socket)
    assert (received["kind"], received["seq"]) == ("acute.alert", acute)
    # Nor when the operator's page asks for what it missed.
    await operator_socket.send_json_to({"type": "since", "seq": start})
    reply = await receive(operator_socket)
    assert [e["kind"] for e in reply["events"]] == ["acute.alert"]
    assert reply["upto"] == acute
    await supervisor_socket.send_json_to({"type": "since", "seq": start})
    reply = await receive(supervisor_socket)
    assert [e["kind"] for e in reply["events"]] == ["handover.escalated", "acute.alert"]
    assert await operator_socket.receive_nothing(timeout=0.2)
    await operator_socket.disconnect()
    await supervisor_socket.disconnect()
