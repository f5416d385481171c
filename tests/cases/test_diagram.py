from __future__ import annotations

from io import StringIO
from pathlib import Path

from django.core.management import call_command

DIAGRAM = Path(__file__).resolve().parents[2] / "docs" / "case_states.dot"


def test_the_state_diagram_in_docs_matches_the_state_machine():
    out = StringIO()
    call_command("graph_transitions", "cases.Case.state", stdout=out)
    # graph_transitions lists edges in no fixed order; compare them as sets.
    generated = sorted(line.strip() for line in out.getvalue().splitlines() if line.strip())
    committed = sorted(line.strip() for line in DIAGRAM.read_text().splitlines() if line.strip())
    assert generated == committed, "run `make diagram` and commit docs/case_states.*"
