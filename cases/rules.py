"""Separate handling per contact role, in one place. Each rule is a small function with
a test of its own (tests/cases/test_rules.py); forms, services and the state machine
ask these functions instead of repeating the rules."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from cases.codes import CaseType, ContactRole

if TYPE_CHECKING:
    from cases.models import Case, Contact


# --- who must identify -------------------------------------------------------------------


def may_stay_anonymous(*, role: str, case_type: str) -> bool:
    """Victims and perpetrators may stay anonymous for advice. A report needs the
    reporter's identity; a professional always identifies (anonymity towards the family
    is a separate matter)."""
    if role == ContactRole.PROFESSIONAL:
        return False
    if case_type == CaseType.REPORT:
        return False
    return role in (ContactRole.VICTIM, ContactRole.PERPETRATOR, ContactRole.BYSTANDER)


def identity_errors(*, role: str, case_type: str, data: dict[str, Any]) -> dict[str, str]:
    """Field errors for the identity a contact of this role must give."""
    errors: dict[str, str] = {}
    anonymous = bool(data.get("anonymous"))
    if anonymous and not may_stay_anonymous(role=role, case_type=case_type):
        if role == ContactRole.PROFESSIONAL:
            errors["anonymous"] = _("Een professional meldt onder eigen naam.")
        else:
            errors["anonymous"] = _("Voor een melding moet de melder zich bekendmaken.")
    must_identify = role == ContactRole.PROFESSIONAL or (
        case_type == CaseType.REPORT and not anonymous
    )
    if must_identify:
        if not (data.get("name") or "").strip():
            errors["name"] = _("Naam is verplicht voor deze melder.")
        if not (data.get("phone") or "").strip() and not (data.get("email") or "").strip():
            errors["phone"] = _("Geef een telefoonnummer of e-mailadres.")
    if role == ContactRole.PROFESSIONAL:
        if not (data.get("organisation") or "").strip():
            errors["organisation"] = _("Organisatie is verplicht voor een professional.")
        if not (data.get("profession") or "").strip():
            errors["profession"] = _("Beroepsgroep is verplicht voor een professional.")
    return errors


# --- victims: safety first ---------------------------------------------------------------

SAFETY_CHECK_QUESTIONS = ("safe_to_talk", "other_person_nearby", "children_present")


def safety_check_errors(*, role: str, data: dict[str, Any]) -> dict[str, str]:
    """A victim is asked first whether it is safe to talk, where the other person is and
    whether children are present; intake cannot be saved without the answers."""
    if role != ContactRole.VICTIM:
        return {}
    return {
        question: _("Stel eerst de veiligheidsvraag.")
        for question in SAFETY_CHECK_QUESTIONS
        if not data.get(question)
    }


def callback_refusal(contact: Contact, at: datetime.datetime) -> str | None:
    """Why a callback to this contact is not allowed now, or None when it is.

    The system never calls back on its own: only a safe number the caller gave, within
    the safe window they named, and never to a shared family phone for a minor.
    """
    if contact.never_call_back:
        return _("De beller wil niet teruggebeld worden.")
    if not contact.safe_number:
        return _("Er is geen veilig nummer opgegeven.")
    if contact.is_minor_about_self and contact.shared_family_phone:
        return _("Een kind bellen we niet terug op een gedeelde gezinstelefoon.")
    start, end = contact.safe_window_start, contact.safe_window_end
    if start is None or end is None:
        return _("Er is geen veilig tijdvak opgegeven.")
    now = at.timetz().replace(tzinfo=None)
    inside = start <= now <= end if start <= end else (now >= start or now <= end)
    if not inside:
        return _("Buiten het veilige tijdvak (%(start)s-%(end)s).") % {
            "start": start.strftime("%H:%M"),
            "end": end.strftime("%H:%M"),
        }
    return None


# --- perpetrators: the children are assessed anyway ---------------------------------------


def requires_safety_assessment(case: Case) -> bool:
    """A report always goes through the safety assessment; so does advice asked by a
    perpetrator when children are involved, whatever the caller asked for."""
    if case.case_type == CaseType.REPORT:
        return True
    has_children = case.people.filter(is_child=True).exists()
    perpetrator_called = case.contacts.filter(role=ContactRole.PERPETRATOR).exists()
    return has_children and perpetrator_called


def close_refusal(case: Case) -> str | None:
    """Why the case cannot be closed now, or None."""
    if case.case_type == CaseType.REPORT and not case.decision:
        return _("Een melding sluit je pas na een besluit.")
    if case.state == "intake" and requires_safety_assessment(case):
        return _("Er zijn kinderen betrokken: eerst een veiligheidsbeoordeling.")
    if not (case.close_reason or "").strip():
        return _("Geef een reden om af te sluiten.")
    return None


# --- bystanders: identity stays inside Veilig Thuis -----------------------------------


def reporter_identity_for_disclosure(case: Case) -> list[dict[str, str]]:
    """The reporters' identity as it may leave Veilig Thuis: only with recorded consent."""
    if not case.reporter_consents_to_disclosure:
        return []
    return [
        {"name": contact.name, "role": contact.role, "organisation": contact.organisation}
        for contact in case.contacts.filter(is_reporter=True, anonymous=False)
    ]


# --- professionals: Meldcode and statutory feedback -----------------------------------------


def afwegingskader_outcome(answers: Mapping[str, bool | None]) -> str:
    """'report', 'no_report' or 'consult' from the five afwegingskader answers (None: unanswered).

    1 no suspicion → no report; 2 acute or structural unsafety → report; 3 cannot help →
    report; 4 help not accepted → report; 5 help does not lead to lasting safety → report.
    """
    if not answers.get("suspicion"):
        return "no_report"
    if answers.get("acute_or_structural"):
        return "report"
    for question in ("can_help", "help_accepted", "lasting_safety"):
        if answers.get(question) is False:
            return "report"
    if all(answers.get(q) is True for q in ("can_help", "help_accepted", "lasting_safety")):
        return "consult"
    return "report"


def feedback_recipients(case: Case) -> list[Contact]:
    """Professional reporters owed statutory feedback (informants are owed none)."""
    return list(case.contacts.filter(role=ContactRole.PROFESSIONAL, is_reporter=True))


# --- minors about themselves ---------------------------------------------------------------


def uses_simple_language(contact: Contact) -> bool:
    return contact.is_minor_about_self or contact.simple_language


def youngest_child_birth_date(case: Case) -> datetime.date | None:
    dates = [
        person.date_of_birth
        for person in case.people.all()
        if person.is_child and person.date_of_birth
    ]
    return max(dates) if dates else None
