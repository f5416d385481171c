"""The staff pages' navigation bar: the pages of each role, the current one marked.

One list for every page (a context processor), so a new page is added here once. URL
names, not imports: the pages belong to apps in the layers above accounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts import roles


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool


# (permission, URL name, label), in the order of a working day; an item shows when the user
# holds its permission. The first item whose URL is the longest prefix of the page's path is
# the current one ("Dossiers" on /cases/12/, "Nieuwe intake" on /cases/new/).
NAV_PAGES: tuple[tuple[str, str, Promise], ...] = (
    (roles.ANSWER_HOTLINE, "dashboard:dashboard", _("Hulplijn")),
    (roles.WORK_CASES, "cases:intake_new", _("Nieuwe intake")),
    (roles.WORK_CASES, "cases:case_list", _("Dossiers")),
    (roles.WORK_CASES, "monitoring:list", _("Monitoring")),
    (roles.SUPERVISE, "supervision:overview", _("Supervisie")),
    (roles.DECIDE_CASES, "safety_assessment:approvals", _("Goedkeuren")),
    (roles.SUPERVISE, "safety_assessment:overdue", _("Te late beoordelingen")),
    (roles.SUPERVISE, "handover:escalated", _("Te late overdrachten")),
    (roles.MANAGE_STAFF, "accounts:staff_list", _("Medewerkers")),
    (roles.USE_PARTNER_INBOX, "partner:inbox", _("Overdrachten")),
)


def role_home_url(user: Any) -> str:
    """The page a member of staff lands on after logging in: the role's own (operators on
    the dashboard). Someone with no role of their own gets the start page with its links."""
    name = roles.ROLE_HOMES.get(getattr(user, "role", ""))
    if name is not None:
        try:
            return reverse(name)
        except NoReverseMatch:
            pass
    return reverse("home")


def nav_items(user: Any, path: str) -> list[NavItem]:
    pages = []
    for permission, url_name, label in NAV_PAGES:
        if user.has_perm(permission):
            try:
                pages.append((str(label), reverse(url_name)))
            except NoReverseMatch:
                continue
    matching = [url for _label, url in pages if path.startswith(url)]
    current = max(matching, key=len, default=None)
    return [NavItem(label=label, url=url, current=url == current) for label, url in pages]


def staff_navigation(request: HttpRequest) -> dict[str, Any]:
    """The bar on every staff page of a fully logged-in member of staff; nothing on the
    public pages or halfway through the login."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # django-otp's middleware gives every request.user an is_verified().
    is_verified = getattr(user, "is_verified", None)
    if is_verified is None or not is_verified():
        return {}
    return {
        "staff_nav": nav_items(user, request.path),
        "help_url": reverse("operator_guide"),
        "help_current": request.path.startswith(reverse("operator_guide")),
    }
