"""Writes from the supervisor's screen: reassigning a case, through the case action
cases.services.case_reassign (the lock, version, audit entry and event are its own)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.models import Team, User
from accounts.roles import SUPERVISE
from cases import services as case_services
from cases.models import Case
from privacy.access_log import access_record
from supervision.selectors import staff_of_region, teams_of_region


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

    def check(case: Case) -> None:
        if (
            assigned_to is not None
            and not staff_of_region(case.region).filter(pk=assigned_to.pk).exists()
        ):
            errors["assigned_to"] = _("Kies een actieve medewerker van deze regio.")
        if team is not None and not teams_of_region(case.region).filter(pk=team.pk).exists():
            errors["team"] = _("Kies een team van deze regio.")
        if errors:
            raise InvalidReassignment(errors)

    return case_services.case_reassign(
        case_id=case_id,
        by=by,
        check=check,
        assigned_to=assigned_to,
        team=team,
        expected_version=expected_version,
    )
