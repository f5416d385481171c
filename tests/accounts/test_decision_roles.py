"""The protocol's decision makers as roles (issue 16): gedragswetenschapper and
vertrouwensarts from createstaff, the supervisor role shown as teamleider."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from accounts import roles
from accounts.models import User
from privacy.models import AccessLogEntry
from tests.conftest import log_in_fully, make_staff

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [roles.GEDRAGSWETENSCHAPPER, roles.VERTROUWENSARTS])
def test_createstaff_creates_a_decision_maker_who_may_review_the_regions_cases(role):
    out = StringIO()
    call_command("createstaff", "--role", role, "--username", "gwen", "--no-qr", stdout=out)
    gwen = User.objects.get(username="gwen")
    assert gwen.role == role
    assert gwen.has_perm(roles.DECIDE_CASES)
    assert gwen.has_perm(roles.SUPERVISE)
    assert gwen.has_perm(roles.WORK_CASES)
    assert f"Created {role} gwen." in out.getvalue()


def test_createstaff_names_the_roles_it_knows_when_a_role_is_unknown():
    with pytest.raises(CommandError, match="gedragswetenschapper"):
        call_command("createstaff", "--role", "gedragsdeskundige", "--username", "x")
    assert not User.objects.exists()


def test_every_role_has_its_group_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLES)


def test_the_supervisor_role_keeps_its_code_and_is_shown_as_teamleider(supervisor):
    assert supervisor.role == "supervisor"
    assert supervisor.role_label == "Teamleider"
    html = log_in_fully(Client(), supervisor).get(reverse("supervision:overview")).content
    assert "Teamleider" in html.decode()


@pytest.mark.parametrize("role", [roles.GEDRAGSWETENSCHAPPER, roles.VERTROUWENSARTS])
def test_a_decision_maker_may_not_unlock_colleagues_or_reset_their_second_factor(role, operator):
    """Supervision pages yes; vouching for a colleague's lost phone is the team leader's."""
    client = log_in_fully(Client(), make_staff("gwen", role))
    assert client.get(reverse("supervision:overview")).status_code == 200
    assert reverse("accounts:staff_list") not in client.get(reverse("home")).content.decode()
    assert client.get(reverse("accounts:staff_list")).status_code == 403
    reset = reverse("accounts:staff_reset_authenticator", args=[operator.pk])
    assert client.post(reset).status_code == 403
    refused = AccessLogEntry.objects.filter(allowed=False).values_list("target_id", flat=True)
    assert set(refused) >= {"accounts:staff_list", "accounts:staff_reset_authenticator"}


def test_the_team_leader_manages_the_staff_of_the_region(supervisor_client):
    assert reverse("accounts:staff_list") in supervisor_client.get(reverse("home")).content.decode()
    assert supervisor_client.get(reverse("accounts:staff_list")).status_code == 200
