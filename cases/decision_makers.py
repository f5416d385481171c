"""Who takes part in a decision, read in one place.

Four eyes as the Handelingsprotocol Veilig Thuis has it: a gedragswetenschapper approves
the decisions of the safety assessment and a medical question goes to the vertrouwensarts
(settings.DECISION_APPROVERS, with that default); the proposer never approves. A decision
or a closing milder than what the assessment found (advice or closing on acute or
structural unsafety) needs the written reason of a gedragswetenschapper.

Approvals never stall: in a region where nobody active holds the required role yet, the
stand-in roles (settings.DECISION_APPROVERS_STAND_IN, the teamleider) act instead, and
stop doing so as soon as such a colleague exists there. cases.services applies these
rules inside the case action (case_decide, case_close), so no screen can skip them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from cases.codes import Decision

if TYPE_CHECKING:
    from cases.models import Case

# The outcome levels of the Veilig Thuis instrument that mean acute (A) or structural (B)
# unsafety in the triage instrument's terms; an outcome flagged acute always counts.
UNSAFE_LEVELS = frozenset({"acute", "structural"})

# Who may record why a decision is milder than the assessment: the protocol names the
# gedragswetenschapper, whatever the approver setting says.
LOWERING_ROLES = (roles.GEDRAGSWETENSCHAPPER,)


def approver_roles(*, medical: bool) -> tuple[str, ...]:
    """The roles the setting names for this kind of decision."""
    approvers = settings.DECISION_APPROVERS
    return tuple(approvers["medical"] if medical else approvers["default"])


def _region_has(role_names: Sequence[str], region: str) -> bool:
    return User.objects.filter(
        is_active=True, region=region, groups__name__in=list(role_names)
    ).exists()


def roles_acting_now(required: Sequence[str], *, region: str) -> tuple[str, ...]:
    """`required`, or the stand-in roles while the region has nobody active in them."""
    if _region_has(required, region):
        return tuple(required)
    return tuple(settings.DECISION_APPROVERS_STAND_IN)


def _holds(user: User, role_names: Sequence[str]) -> bool:
    return user.groups.filter(name__in=list(role_names)).exists()


def labels(role_names: Sequence[str]) -> str:
    """The roles as words for a screen ("Gedragswetenschapper of Teamleider")."""
    return _(" of ").join(roles.role_label(name) for name in role_names)


def approvers_now(*, region: str, medical: bool) -> tuple[str, ...]:
    return roles_acting_now(approver_roles(medical=medical), region=region)


def approval_refusal(*, user: User, region: str, medical: bool) -> str | None:
    """Why `user` may not approve a decision of this kind in `region`, or None."""
    acting = approvers_now(region=region, medical=medical)
    if _holds(user, acting):
        return None
    if medical:
        return _("Een medische vraag keurt een %(who)s goed.") % {"who": labels(acting).lower()}
    return _("Dit besluit keurt een %(who)s goed.") % {"who": labels(acting).lower()}


def lowering_refusal(*, user: User, region: str) -> str | None:
    """Why `user` may not record the reason for a milder decision or closing, or None."""
    acting = roles_acting_now(LOWERING_ROLES, region=region)
    if _holds(user, acting):
        return None
    return _(
        "De beoordeling vond acute of structurele onveiligheid: alleen een %(who)s kan "
        "met een schriftelijke reden tot advies of afsluiten besluiten."
    ) % {"who": labels(acting).lower()}


def assessment_found_unsafety(case: Case) -> bool:
    """The case is flagged acute, or the newest decided version of an assessment on it
    found acute or structural unsafety."""
    if case.acute:
        return True
    seen: set[str] = set()
    decided = case.assessments.filter(decided_at__isnull=False).order_by(
        "instrument_slug", "-version"
    )
    for assessment in decided:
        if assessment.instrument_slug in seen:
            continue
        seen.add(assessment.instrument_slug)
        if assessment.acute or assessment.level in UNSAFE_LEVELS:
            return True
    return False


def decision_lowers(case: Case, decision: str) -> bool:
    """Advice or closing where the assessment found acute or structural unsafety."""
    return decision == Decision.ADVICE_CLOSE and assessment_found_unsafety(case)


def closing_lowers(case: Case) -> bool:
    """Closing lowers what was found unless a decision that acts on it was taken (a
    handover or conditions, now at their end); a case still flagged acute always counts."""
    if case.acute:
        return True
    acted = bool(case.decision) and case.decision != Decision.ADVICE_CLOSE
    return not acted and assessment_found_unsafety(case)
