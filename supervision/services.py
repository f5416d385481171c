"""Writes from the supervisor's screen: reassigning a case, each in one transaction with
its history row, its access log row and its `case.changed` event."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Team, User
from cases.models import Case, CaseTransition
from cases.services import CaseChanged, case_event_payload
from events.services import event_record
from privacy.access_log import access_record, target_of
from supervision.selectors import staff_of_region, teams_of_region

SUPERVISE = "accounts.supervise"


class InvalidReassignment(ValueError):
    """The new operator or team is not allowed; `errors` maps field name to message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def case_reassign(
    *,
    case_id: int,
    by: User,
    assigned_to: User | None,
    team: Team | None,
    expected_version: int | None = None,
) -> Case:
    """Give a case (and with it its monitoring and feedback tasks) to another operator
    and/or team of the case's region.

    The operator must be active staff of that region who works cases; the team must be one
    of the region. Leaving both empty is refused: a case is always somebody's.
    """
    errors: dict[str, str] = {}
    if assigned_to is None and team is None:
        errors["assigned_to"] = _("Kies een medewerker of een team.")
    # Checked before the transaction, so the refusal's log row is not rolled back with it.
    if not by.has_perm(SUPERVISE) or not Case.objects.visible_to(by).filter(pk=case_id).exists():
        access_record(
            actor=by,
            action="change",
            target_type="cases.case",
            target_id=case_id,
            allowed=False,
            reason="reassign refused: not a supervisor of this case's region",
        )
        raise PermissionDenied
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        if expected_version is not None and case.version != expected_version:
            raise CaseChanged()
        if (
            assigned_to is not None
            and not staff_of_region(case.region).filter(pk=assigned_to.pk).exists()
        ):
            errors["assigned_to"] = _("Kies een actieve medewerker van deze regio.")
        if team is not None and not teams_of_region(case.region).filter(pk=team.pk).exists():
            errors["team"] = _("Kies een team van deze regio.")
        if errors:
            raise InvalidReassignment(errors)
        before = (case.assigned_to.get_username() if case.assigned_to else "-", case.team_id)
        if assigned_to is not None:
            case.assigned_to = assigned_to
        if team is not None:
            case.team = team
        case.version += 1
        case.save(update_fields=["assigned_to", "team", "version", "updated_at"])
        note = (
            f"reassigned from {before[0]}/team {before[1] or '-'} to "
            f"{case.assigned_to.get_username() if case.assigned_to else '-'}"
            f"/team {case.team_id or '-'}"
        )
        CaseTransition.objects.create(
            case=case,
            name="reassign",
            from_state=case.state,
            to_state=case.state,
            by=by,
            reason=note,
        )
        target_type, target_id = target_of(case)
        access_record(
            actor=by, action="change", target_type=target_type, target_id=target_id, reason=note
        )
        event_record(kind="case.changed", payload=case_event_payload(case), region=case.region)
    return case
