"""CSV for every list on the supervisor's screen, and the half-yearly statistics.

Only what the screen shows: references, states, dates, team names and staff usernames.
Never names of the people involved, phone numbers, narratives or reasons.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from cases.codes import CaseType, ContactRole, Decision, ViolenceForm
from supervision import metrics

if TYPE_CHECKING:
    from _typeshed import SupportsWrite


def csv_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet would run a cell starting with = + - @ as a formula (CSV injection).
    if text[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + text
    return text


def write_rows(out: SupportsWrite[str], header: list[str], rows: Iterable[Iterable[Any]]) -> int:
    writer = csv.writer(out)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
        count += 1
    return count


def _date(value: datetime.date | datetime.datetime | None) -> str:
    if value is None:
        return ""
    return value.isoformat()


def _username(user: Any) -> str:
    return user.get_username() if user is not None else ""


def open_case_rows(rows: Iterable[dict[str, Any]]) -> tuple[list[str], Iterable[list[Any]]]:
    header = [
        "reference",
        "case_type",
        "state",
        "acute",
        "reported_at",
        "deadline",
        "deadline_status",
        "working_days",
        "team",
        "operator",
        "violence_forms",
    ]

    def generate() -> Iterable[list[Any]]:
        for row in rows:
            case, bucket = row["case"], row["bucket"]
            yield [
                case.reference,
                case.case_type,
                case.state,
                "yes" if case.acute else "no",
                _date(case.reported_at),
                _date(case.deadline),
                bucket.kind if bucket else "",
                bucket.working_days if bucket else "",
                case.team.name if case.team else "",
                _username(case.assigned_to or case.created_by),
                " ".join(case.violence_forms or []),
            ]

    return header, generate()


def approval_rows(proposals: Iterable[Any]) -> tuple[list[str], Iterable[list[Any]]]:
    header = ["reference", "decision", "proposed_by", "proposed_at", "assessment_due"]
    return header, (
        [
            p.case.reference,
            p.decision,
            _username(p.proposed_by),
            _date(p.proposed_at),
            _date(p.case.assessment_due),
        ]
        for p in proposals
    )


def handover_rows(handovers: Iterable[Any]) -> tuple[list[str], Iterable[list[Any]]]:
    header = ["reference", "organisation", "status", "handed_over_at", "accept_due"]
    return header, (
        [h.case.reference, h.organisation.name, h.status, _date(h.created_at), _date(h.accept_due)]
        for h in handovers
    )


def monitoring_rows(tasks: Iterable[Any]) -> tuple[list[str], Iterable[list[Any]]]:
    header = ["reference", "months_after_handover", "due_on", "team", "operator"]
    return header, (
        [
            t.case.reference,
            t.months_after_handover,
            _date(t.due_on),
            t.case.team.name if t.case.team else "",
            _username(t.case.assigned_to),
        ]
        for t in tasks
    )


def acute_rows(cases: Iterable[Any]) -> tuple[list[str], Iterable[list[Any]]]:
    header = ["reference", "state", "reported_at", "last_step", "last_step_at", "team", "operator"]
    return header, (
        [
            c.reference,
            c.state,
            _date(c.reported_at),
            c.last_step or "",
            _date(c.last_step_at),
            c.team.name if c.team else "",
            _username(c.assigned_to),
        ]
        for c in cases
    )


def statistics_rows(
    counts: dict[str, Any], *, round_to: int
) -> tuple[list[str], Iterable[list[Any]]]:
    """One table in the long shape statistics offices read: table, case type, category,
    count. With rounding every cell and every total is rounded on its own, so totals may
    differ from the sum of the rounded cells (as in published CBS tables)."""
    header = ["table", "case_type", "category", "count"]
    categories = {
        "role": [*ContactRole.values, "unknown"],
        "form": ViolenceForm.values,
        "outcome": Decision.values,
    }

    def generate() -> Iterable[list[Any]]:
        for table in ("role", "form", "outcome"):
            counter = counts[table]
            for case_type in CaseType.values:
                total = 0
                for category in categories[table]:
                    n = counter.get((case_type, category), 0)
                    total += n
                    yield [table, case_type, category, metrics.round_to(n, round_to)]
                yield [table, case_type, "total", metrics.round_to(total, round_to)]

    return header, generate()
