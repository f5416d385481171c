"""Staff roles as Django groups, with the permissions each role carries.

This table is the one place a role's rights are written down; `sync_role_groups` runs
after every migrate and makes the groups in the database match it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

OPERATOR = "operator"
# The teamleider, who manages the team. The code value stays "supervisor": the groups and
# accounts made before the protocol's decision makers existed keep working unchanged.
SUPERVISOR = "supervisor"
TEAMLEIDER = SUPERVISOR
# The protocol's decision makers (Handelingsprotocol Veilig Thuis, four eyes): the
# behavioural scientist approves the decisions of the safety assessment, the confidential
# doctor the medical questions (cases.decision_makers reads who approves what).
GEDRAGSWETENSCHAPPER = "gedragswetenschapper"
VERTROUWENSARTS = "vertrouwensarts"
# Staff of a partner organisation (CJG, Jeugdbescherming West, ...): the handover inbox of
# their own organisation only (routing.PartnerMembership says which), with 2FA like staff.
PARTNER = "partner"
ROLES = (OPERATOR, SUPERVISOR, GEDRAGSWETENSCHAPPER, VERTROUWENSARTS, PARTNER)
# The strongest first: what User.role shows for someone with more than one.
ROLES_BY_STRENGTH = (GEDRAGSWETENSCHAPPER, VERTROUWENSARTS, SUPERVISOR, OPERATOR, PARTNER)

# What a screen calls each role: words, never the code.
ROLE_LABELS = {
    OPERATOR: _("Medewerker"),
    SUPERVISOR: _("Teamleider"),
    GEDRAGSWETENSCHAPPER: _("Gedragswetenschapper"),
    VERTROUWENSARTS: _("Vertrouwensarts"),
    PARTNER: _("Partner"),
}

# Where each role lands after logging in, by URL name: the page its work starts from.
# The strongest role decides (User.role); a superuser without a role manages the staff.
ROLE_HOMES = {
    OPERATOR: "dashboard:dashboard",
    SUPERVISOR: "supervision:overview",
    GEDRAGSWETENSCHAPPER: "safety_assessment:approvals",
    VERTROUWENSARTS: "safety_assessment:approvals",
    PARTNER: "partner:inbox",
    "superuser": "accounts:staff_list",
}

# The permissions, as "app_label.codename": the only place these strings are written
# (tests/privacy/test_access_gate.py fails on a copy elsewhere). Views, services and
# selectors import the constant.
ANSWER_HOTLINE = "accounts.answer_hotline"
SUPERVISE = "accounts.supervise"
# Unlocking colleagues and resetting their second factor is the team leader's: the decision
# makers see the supervision pages, but a lost phone is not theirs to vouch for.
MANAGE_STAFF = "accounts.manage_staff"
DECIDE_CASES = "cases.decide_case"
USE_PARTNER_INBOX = "handover.use_partner_inbox"
# Working on cases (intake, steps, assessment, handover) is what answering the hotline
# allows; a name of its own so a separate permission later changes one line.
WORK_CASES = ANSWER_HOTLINE
PERMISSIONS = (ANSWER_HOTLINE, SUPERVISE, MANAGE_STAFF, DECIDE_CASES, USE_PARTNER_INBOX)

# The permissions each role holds.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    OPERATOR: [ANSWER_HOTLINE],
    SUPERVISOR: [ANSWER_HOTLINE, SUPERVISE, MANAGE_STAFF, DECIDE_CASES],
    # The decision makers review the region's cases: the supervision pages (approvals,
    # open reports, acute alerts) and the case work of a senior member of staff.
    GEDRAGSWETENSCHAPPER: [ANSWER_HOTLINE, SUPERVISE, DECIDE_CASES],
    VERTROUWENSARTS: [ANSWER_HOTLINE, SUPERVISE, DECIDE_CASES],
    PARTNER: [USE_PARTNER_INBOX],
}


def sync_role_groups(**kwargs: Any) -> None:
    """Runs after each app's migrations; permissions of apps not migrated yet are picked
    up on a later run, so after a full migrate every group is complete."""
    from django.contrib.auth.models import Group, Permission

    for role, permission_names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        permissions = []
        for name in permission_names:
            app_label, codename = name.split(".", 1)
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:
                permissions.append(permission)
        group.permissions.set(permissions)


# Roles an access log entry can name besides the staff roles.
OTHER_ROLE_LABELS = {
    "superuser": _("Beheerder"),
    "none": _("Geen rol"),
    "anonymous": _("Niet ingelogd"),
}


def role_label(role: str) -> str:
    """A role in words; a value of someone's own making (the purge command's
    "beheer (user)") shows as written, since it is words already."""
    return str(ROLE_LABELS.get(role) or OTHER_ROLE_LABELS.get(role) or role)
