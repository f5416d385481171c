"""Code lists, versioned in one place. National statistics (CBS, half-yearly) count by
these forms of violence and by contact role, so a code is never reused for something else:
a change of meaning gets a new code and a new VIOLENCE_CODES_VERSION."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

VIOLENCE_CODES_VERSION = "2026.1"


class ViolenceGroup(models.TextChoices):
    CHILD_ABUSE = "child_abuse", _("Kindermishandeling")
    DOMESTIC = "domestic", _("Huiselijk geweld")
    HARMFUL_PRACTICES = "harmful_practices", _("Schadelijke traditionele praktijken")
    ADDITIONAL = "additional", _("Aanvullend")


class ViolenceForm(models.TextChoices):
    PHYSICAL_ABUSE = "physical_abuse", _("Lichamelijke mishandeling")
    EMOTIONAL_ABUSE = "emotional_abuse", _("Psychische mishandeling")
    PHYSICAL_NEGLECT = "physical_neglect", _("Lichamelijke verwaarlozing")
    EMOTIONAL_NEGLECT = "emotional_neglect", _("Psychische verwaarlozing")
    SEXUAL_ABUSE = "sexual_abuse", _("Seksueel misbruik")
    WITNESSING_DOMESTIC_VIOLENCE = "witnessing", _("Getuige van huiselijk geweld")
    PARTNER_VIOLENCE = "partner_violence", _("(Ex-)partnergeweld")
    ELDER_ABUSE = "elder_abuse", _("Ouderenmishandeling")
    CHILD_TO_PARENT = "child_to_parent", _("Kind-oudergeweld")
    STALKING = "stalking", _("Stalking")
    FINANCIAL_EXPLOITATION = "financial_exploitation", _("Financiële uitbuiting")
    HONOUR_RELATED = "honour_related", _("Eergerelateerd geweld")
    FGM = "fgm", _("Vrouwelijke genitale verminking (VGV)")
    FORCED_MARRIAGE = "forced_marriage", _("Huwelijksdwang")
    ABANDONMENT_ABROAD = "abandonment_abroad", _("Achterlating in het buitenland")
    HUMAN_TRAFFICKING = "human_trafficking", _("Mensenhandel")


VIOLENCE_GROUPS: dict[str, str] = {
    ViolenceForm.PHYSICAL_ABUSE: ViolenceGroup.CHILD_ABUSE,
    ViolenceForm.EMOTIONAL_ABUSE: ViolenceGroup.CHILD_ABUSE,
    ViolenceForm.PHYSICAL_NEGLECT: ViolenceGroup.CHILD_ABUSE,
    ViolenceForm.EMOTIONAL_NEGLECT: ViolenceGroup.CHILD_ABUSE,
    ViolenceForm.SEXUAL_ABUSE: ViolenceGroup.CHILD_ABUSE,
    ViolenceForm.WITNESSING_DOMESTIC_VIOLENCE: ViolenceGroup.CHILD_ABUSE,
    ViolenceForm.PARTNER_VIOLENCE: ViolenceGroup.DOMESTIC,
    ViolenceForm.ELDER_ABUSE: ViolenceGroup.DOMESTIC,
    ViolenceForm.CHILD_TO_PARENT: ViolenceGroup.DOMESTIC,
    ViolenceForm.STALKING: ViolenceGroup.DOMESTIC,
    ViolenceForm.FINANCIAL_EXPLOITATION: ViolenceGroup.DOMESTIC,
    ViolenceForm.HONOUR_RELATED: ViolenceGroup.HARMFUL_PRACTICES,
    ViolenceForm.FGM: ViolenceGroup.HARMFUL_PRACTICES,
    ViolenceForm.FORCED_MARRIAGE: ViolenceGroup.HARMFUL_PRACTICES,
    ViolenceForm.ABANDONMENT_ABROAD: ViolenceGroup.HARMFUL_PRACTICES,
    ViolenceForm.HUMAN_TRAFFICKING: ViolenceGroup.ADDITIONAL,
}


class ContactRole(models.TextChoices):
    VICTIM = "victim", _("Slachtoffer")
    PERPETRATOR = "perpetrator", _("Pleger die hulp zoekt")
    BYSTANDER = "bystander", _("Omstander")
    PROFESSIONAL = "professional", _("Professional")
    OTHER = "other", _("Anders")


class CallerChoice(models.TextChoices):
    """What a caller chose in the hotline's menu (hotline's Call.role). The hotline asks it
    and the queue orders by it; CALLER_CONTACT below says which contact it becomes. It lives
    here, not in hotline, because cases never imports hotline and must read the choice."""

    UNKNOWN = "unknown", _("onbekend")
    VICTIM = "victim", _("slachtoffer")
    BYSTANDER = "bystander", _("omstander")
    PROFESSIONAL = "professional", _("professional")
    PERPETRATOR = "perpetrator", _("pleger")
    CHILD = "child", _("kind of jongere")


@dataclass(frozen=True)
class CallerContact:
    """The contact a menu choice becomes: its role, and whether a minor calls about
    themselves (Contact.is_minor_about_self)."""

    role: ContactRole
    minor_about_self: bool = False


# The one translation from the caller's menu choice to the contact on the case. A caller
# who chose nothing (UNKNOWN) has no entry: the operator asks rather than guesses.
CALLER_CONTACT: dict[str, CallerContact] = {
    CallerChoice.VICTIM: CallerContact(ContactRole.VICTIM),
    CallerChoice.BYSTANDER: CallerContact(ContactRole.BYSTANDER),
    CallerChoice.PROFESSIONAL: CallerContact(ContactRole.PROFESSIONAL),
    CallerChoice.PERPETRATOR: CallerContact(ContactRole.PERPETRATOR),
    CallerChoice.CHILD: CallerContact(ContactRole.VICTIM, minor_about_self=True),
}


def caller_contact(choice: str) -> CallerContact | None:
    """The contact for a stored menu choice; None when the caller chose nothing we know."""
    return CALLER_CONTACT.get(choice)


class Channel(models.TextChoices):
    PHONE = "phone", _("Telefoon")
    ONLINE = "online", _("Online melding")
    OTHER = "other", _("Anders (door medewerker ingevoerd)")


class CaseType(models.TextChoices):
    ADVICE = "advice", _("Advies")
    REPORT = "report", _("Melding")


class PersonRole(models.TextChoices):
    VICTIM = "victim", _("Slachtoffer")
    SUSPECTED_PERPETRATOR = "suspected_perpetrator", _("Vermoedelijke pleger")
    WITNESS = "witness", _("Getuige")
    OTHER = "other", _("Anders")


class Decision(models.TextChoices):
    ADVICE_CLOSE = "advice_close", _("Advies / afsluiten")
    HANDOVER_LOCAL = "handover_local", _("Overdracht aan lokaal veld (CJG)")
    CONDITIONS = "conditions", _("Voorwaarden en vervolg")
    INVESTIGATION = "investigation", _("Onderzoek")
    COUNCIL_REQUEST = "council_request", _("Verzoek aan de Raad / Jeugdbeschermingstafel")
    HANDOVER_JBW = "handover_jbw", _("Overdracht aan Jeugdbescherming West")


class MeldcodeStep(models.TextChoices):
    SIGNALS_MAPPED = "signals_mapped", _("Signalen in kaart gebracht")
    COLLEAGUE_CONSULTED = "colleague_consulted", _("Collega geraadpleegd")
    VT_CONSULTED = "vt_consulted", _("Veilig Thuis geraadpleegd")
    CLIENT_TALKED = "client_talked", _("Gesprek met de cliënt gevoerd")
    VIOLENCE_WEIGHED = "violence_weighed", _("Geweld gewogen")


# The afwegingskader: five questions, in order; see cases.rules.afwegingskader_outcome.
AFWEGINGSKADER_QUESTIONS: list[tuple[str, StrOrPromise]] = [
    ("suspicion", _("1. Heb ik een vermoeden van huiselijk geweld of kindermishandeling?")),
    ("acute_or_structural", _("2. Is er sprake van acute en/of structurele onveiligheid?")),
    ("can_help", _("3. Kan ik effectieve hulp bieden of organiseren?")),
    ("help_accepted", _("4. Aanvaarden de betrokkenen de hulp?")),
    ("lasting_safety", _("5. Leidt de hulp binnen de gewenste termijn tot duurzame veiligheid?")),
]
