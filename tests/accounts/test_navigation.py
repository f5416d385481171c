"""The staff pages' navigation bar, the landing page after the login, and the help page
(issue 19, item 4)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from accounts import roles
from accounts.services import staff_create
from tests.conftest import PASSWORD, code_for, log_in_fully, make_staff

pytestmark = pytest.mark.django_db


def logged_in_to(client: Client, user, *, next_path: str = "") -> str:
    """Log in through the real pages; where the last step sends the user."""
    data = {"username": user.username, "password": PASSWORD}
    if next_path:
        data["next"] = next_path
    client.post(reverse("accounts:login"), data)
    response = client.post(reverse("accounts:token"), {"token": code_for(user), "next": next_path})
    assert response.status_code == 302
    return response["Location"]


def nav_links(html: str) -> list[tuple[str, bool]]:
    nav = re.search(r'<nav class="staff-nav"[^>]*>(.*?)</nav>', html, re.S)
    assert nav, "no navigation bar"
    return [
        (label.strip(), "aria-current" in attrs)
        for attrs, label in re.findall(r"<a ([^>]*)>([^<]*)</a>", nav.group(1))
    ]


@pytest.mark.parametrize(
    ("role", "home"),
    [
        (roles.OPERATOR, "dashboard:dashboard"),
        (roles.SUPERVISOR, "supervision:overview"),
        (roles.GEDRAGSWETENSCHAPPER, "safety_assessment:approvals"),
        (roles.VERTROUWENSARTS, "safety_assessment:approvals"),
    ],
)
def test_the_login_lands_on_the_roles_own_home(role, home):
    user = make_staff(f"user-{role[:12]}", role)
    assert logged_in_to(Client(), user) == reverse(home)


def test_a_partner_lands_on_the_inbox_of_their_organisation():
    from handover.services import partner_member_add

    user = make_staff("petra", roles.PARTNER, team="")
    partner_member_add(user=user, organisation_slug="cjg-den-haag")
    assert logged_in_to(Client(), user) == reverse("partner:inbox")


def test_a_superuser_without_a_role_lands_on_the_staff_list():
    user = staff_create(
        username="beheer", role=roles.OPERATOR, team_name="", password=PASSWORD, by="tests"
    ).user
    user.groups.clear()
    user.is_superuser = True
    user.save()
    assert logged_in_to(Client(), user) == reverse("accounts:staff_list")


def test_the_page_asked_for_before_the_login_wins_over_the_home(operator):
    assert logged_in_to(Client(), operator, next_path="/cases/") == "/cases/"


def test_a_foreign_next_page_is_ignored_and_the_home_used(operator):
    assert logged_in_to(Client(), operator, next_path="https://evil.example/") == reverse(
        "dashboard:dashboard"
    )


def test_an_operator_sees_the_hotline_pages_with_the_current_one_marked(operator_client):
    html = operator_client.get(reverse("cases:case_list")).content.decode()
    links = nav_links(html)
    assert links == [
        ("Hulplijn", False),
        ("Nieuwe intake", False),
        ("Dossiers", True),
        ("Monitoring", False),
        ("Help", False),
    ]


def test_the_longest_matching_page_is_the_current_one(operator_client):
    html = operator_client.get(reverse("cases:intake_new")).content.decode()
    assert [label for label, current in nav_links(html) if current] == ["Nieuwe intake"]


def test_a_supervisor_also_sees_the_supervision_pages(supervisor_client):
    html = supervisor_client.get(reverse("supervision:overview")).content.decode()
    labels = [label for label, _current in nav_links(html)]
    for label in (
        "Hulplijn",
        "Supervisie",
        "Goedkeuren",
        "Te late beoordelingen",
        "Te late overdrachten",
        "Medewerkers",
        "Help",
    ):
        assert label in labels
    assert [label for label, current in nav_links(html) if current] == ["Supervisie"]


def test_a_partner_sees_only_their_inbox_and_help():
    from handover.services import partner_member_add

    user = make_staff("pieter", roles.PARTNER, team="")
    partner_member_add(user=user, organisation_slug="cjg-den-haag")
    html = log_in_fully(Client(), user).get(reverse("partner:inbox")).content.decode()
    assert nav_links(html) == [("Overdrachten", True), ("Help", False)]


def test_there_is_no_navigation_halfway_through_the_login_or_on_public_pages(client, operator):
    client.post(reverse("accounts:login"), {"username": operator.username, "password": PASSWORD})
    assert 'class="staff-nav"' not in client.get(reverse("accounts:token")).content.decode()
    assert 'class="staff-nav"' not in client.get(reverse("melden:start")).content.decode()


def test_the_help_link_opens_the_operators_guide_with_its_screenshots(operator_client):
    response = operator_client.get(reverse("operator_guide"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Handleiding voor medewerkers van de hulplijn</h1>" in html
    assert ("Help", True) in nav_links(html)
    screenshots = re.findall(r'<img src="(screenshots/[a-z0-9-]+\.png)"', html)
    assert "screenshots/dashboard.png" in screenshots
    for src in screenshots:
        image = operator_client.get(reverse("operator_guide") + src)
        assert image.status_code == 200, src
        assert image["Content-Type"] == "image/png"
        assert b"".join(image.streaming_content).startswith(b"\x89PNG")


def test_the_guides_screenshots_cannot_reach_outside_their_folder(operator_client):
    assert operator_client.get("/help/screenshots/..%2F..%2Fmanage.png").status_code == 404
    assert operator_client.get("/help/screenshots/not-there.png").status_code == 404


def test_the_help_page_is_for_logged_in_staff_only(client):
    response = client.get(reverse("operator_guide"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    response = client.get("/help/screenshots/dashboard.png")
    assert response.status_code == 302


def test_groups_are_the_roles_of_the_table():
    # The homes name only roles the table knows (and the superuser).
    assert set(roles.ROLE_HOMES) - {"superuser"} == set(roles.ROLES)
    assert Group.objects.filter(name__in=roles.ROLES).count() == len(roles.ROLES)


def test_raw_html_in_the_guide_is_shown_as_text_never_run(operator_client, tmp_path, monkeypatch):
    guide = tmp_path / "operator-guide.md"
    guide.write_text("# Gids\n\n<script>window.x = 1</script>\n", encoding="utf-8")
    monkeypatch.setattr("accounts.views.OPERATOR_GUIDE", guide)
    html = operator_client.get(reverse("operator_guide")).content.decode()
    assert "<h1>Gids</h1>" in html
    assert "<script>window.x" not in html
    assert "&lt;script&gt;window.x = 1&lt;/script&gt;" in html


def test_a_missing_guide_is_a_plain_404(operator_client, tmp_path, monkeypatch):
    monkeypatch.setattr("accounts.views.OPERATOR_GUIDE", tmp_path / "gone.md")
    assert operator_client.get(reverse("operator_guide")).status_code == 404
