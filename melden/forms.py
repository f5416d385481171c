"""The steps of the public online report for professionals (/melden/).

Every step is validated on the server with the error next to its field, every text has a
size limit, and no text may hold control characters. A step's raw answers are kept in the
encrypted draft and validated again, all together, when the report is submitted.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases import rules
from cases.codes import AFWEGINGSKADER_QUESTIONS, MeldcodeStep, PersonRole, ViolenceForm
from cases.forms import PROFESSIONS
from cases.validators import validate_bsn, validate_date_of_birth, validate_phone_number
from privacy.blind_index import NotIndexable, normalise_address

NAME_LIMIT = 200
REASON_LIMIT = 2000
ACCOUNT_LIMIT = 10_000
MAX_PEOPLE = 6

YES_NO = [("yes", _("Ja")), ("no", _("Nee"))]
HONEYPOT_FIELD = "website"


# The only grounds on which a professional stays anonymous towards the family.
ANONYMITY_GROUNDS = [
    ("danger_child", _("Het kind komt (meer) in gevaar als het gezin weet dat ik meld")),
    ("danger_reporter", _("Ikzelf of een collega kom(t) in gevaar")),
    (
        "care_relationship",
        _("De hulpverleningsrelatie met het gezin komt ernstig in gevaar"),
    ),
]


def no_control_characters(value: str) -> None:
    """Text may hold line breaks and tabs, nothing else invisible."""
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in value or ""):
        raise ValidationError(_("Deze tekst bevat ongeldige tekens."), code="control")


def text(
    label: Any, *, limit: int = NAME_LIMIT, required: bool = True, **kwargs: Any
) -> forms.CharField:
    kwargs.setdefault("validators", [no_control_characters])
    return forms.CharField(label=label, max_length=limit, required=required, **kwargs)


def long_text(label: Any, *, limit: int, required: bool = False, rows: int = 3) -> forms.CharField:
    return text(
        label,
        limit=limit,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": limit}),
    )


class StepForm(forms.Form):
    """Every step carries the honeypot: a field people never see and bots fill in."""

    website = forms.CharField(
        required=False,
        max_length=ACCOUNT_LIMIT,
        label=_("Laat dit veld leeg"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def honeypot_filled(self) -> bool:
        return bool((self.data.get(HONEYPOT_FIELD) or "").strip())


# --- step 1: the professional -------------------------------------------------------------


class ReporterStep(StepForm):
    acute = forms.ChoiceField(
        label=_("Is er nu iemand in acuut gevaar?"),
        help_text=_("Acuut: iemand is nu of de komende dagen in direct lichamelijk gevaar."),
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    name = text(_("Uw naam"), widget=forms.TextInput(attrs={"autocomplete": "name"}))
    organisation = text(
        _("Organisatie"), widget=forms.TextInput(attrs={"autocomplete": "organization"})
    )
    profession = forms.ChoiceField(label=_("Beroepsgroep"), choices=PROFESSIONS)
    phone = text(
        _("Telefoonnummer"),
        limit=40,
        validators=[no_control_characters, validate_phone_number],
        help_text=_("Waarop Veilig Thuis u overdag kan bereiken."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("E-mailadres"),
        max_length=254,
        help_text=_("Hier sturen we de ontvangstbevestiging en de terugkoppeling heen."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        errors = rules.identity_errors(
            role="professional", case_type="report", data={**data, "anonymous": False}
        )
        for field, message in errors.items():
            if field in self.fields and field not in self.errors:
                self.add_error(field, message)
        return data


# --- step 2: the Meldcode and the afwegingskader ---------------------------------------------


class MeldcodeStepForm(StepForm):
    steps = forms.MultipleChoiceField(
        label=_("Welke stappen van de meldcode heeft u gezet?"),
        choices=MeldcodeStep.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for slug, label in AFWEGINGSKADER_QUESTIONS:
            self.fields[f"afweging_{slug}"] = forms.ChoiceField(
                label=label, choices=YES_NO, widget=forms.RadioSelect, required=False
            )

    def answers(self) -> dict[str, bool | None]:
        data = self.cleaned_data
        return {
            slug: {"yes": True, "no": False}.get(data.get(f"afweging_{slug}") or "")
            for slug, _label in AFWEGINGSKADER_QUESTIONS
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if any(f"afweging_{slug}" in self.errors for slug, _label in AFWEGINGSKADER_QUESTIONS):
            return data
        # Each question is needed until the answers so far decide the outcome.
        answers = self.answers()
        for slug, _label in AFWEGINGSKADER_QUESTIONS:
            value = answers[slug]
            if value is None:
                self.add_error(f"afweging_{slug}", _("Beantwoord deze vraag."))
                break
            if slug == "suspicion" and value is False:
                break
            if slug == "acute_or_structural" and value is True:
                break
            if slug in ("can_help", "help_accepted", "lasting_safety") and value is False:
                break
        return data

    def outcome(self) -> str:
        return rules.afwegingskader_outcome(self.answers())


class ReportAnywayForm(StepForm):
    """When the afwegingskader says no report is needed, a professional may still report."""

    report_anyway = forms.BooleanField(
        label=_("Ik wil toch een melding doen, omdat ik de situatie onveilig vind"),
        required=True,
    )
    report_anyway_reason = long_text(
        _("Waarom toch een melding?"), limit=REASON_LIMIT, required=True
    )


# --- step 3: was the client told? ---------------------------------------------------------------


class ClientStep(StepForm):
    client_informed = forms.ChoiceField(
        label=_("Heeft u de cliënt (of de ouders) verteld dat u meldt?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    client_not_informed_reason = long_text(_("Zo nee: waarom niet?"), limit=REASON_LIMIT)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("client_informed") == "no" and not data.get("client_not_informed_reason"):
            self.add_error(
                "client_not_informed_reason",
                _("Leg uit waarom u de cliënt niet heeft ingelicht (bijvoorbeeld: gevaar)."),
            )
        return data


# --- step 4: the people involved and what happened ------------------------------------------------


class OnlinePersonForm(forms.Form):
    role = forms.ChoiceField(label=_("Rol"), choices=[("", "—"), *PersonRole.choices])
    is_child = forms.ChoiceField(
        label=_("Kind of volwassene"),
        choices=[("", "—"), ("child", _("Kind (< 18)")), ("adult", _("Volwassene"))],
    )
    name = text(_("Naam"))
    date_of_birth = forms.DateField(
        label=_("Geboortedatum"),
        required=False,
        validators=[validate_date_of_birth],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    bsn = text(
        _("BSN (als u dat weet)"),
        limit=11,
        required=False,
        validators=[no_control_characters, validate_bsn],
    )

    def clean_bsn(self) -> str:
        return (self.cleaned_data.get("bsn") or "").strip()

    def to_service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "role": data["role"],
            "is_child": data["is_child"] == "child",
            "name": data["name"],
            "date_of_birth": data.get("date_of_birth"),
            "bsn": data.get("bsn", ""),
        }


class BasePeopleFormSet(forms.BaseFormSet):
    """One person block to start with; "Persoon toevoegen" adds one (by script, or by a
    round trip without it). Every block may stay empty, however the page was built: a
    posted INITIAL_FORMS never makes an empty block required."""

    def initial_form_count(self) -> int:
        if self.is_bound:
            return 0
        return super().initial_form_count()

    def clean(self) -> None:
        if any(self.errors):
            return
        if not any(form.has_changed() for form in self.forms):
            raise ValidationError(_("Noem minstens één betrokkene."))


PeopleFormSet = forms.formset_factory(
    OnlinePersonForm,
    formset=BasePeopleFormSet,
    extra=1,
    max_num=MAX_PEOPLE,
    absolute_max=MAX_PEOPLE,
    validate_max=True,
)


class SituationStep(StepForm):
    postcode = text(_("Postcode"), limit=7)
    house_number = text(_("Huisnummer"), limit=10)
    addition = text(_("Toevoeging"), limit=10, required=False)
    street = text(_("Straat"), required=False)
    city = text(_("Plaats"), limit=100, required=False)
    violence_forms = forms.MultipleChoiceField(
        label=_("Om welke vormen van geweld gaat het?"),
        choices=ViolenceForm.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    account = long_text(
        _("Wat heeft u gezien of gehoord? (signalen, feiten, uitspraken)"),
        limit=ACCOUNT_LIMIT,
        required=True,
        rows=8,
    )

    def clean_postcode(self) -> str:
        postcode = self.cleaned_data.get("postcode", "")
        try:
            normalise_address(postcode, "1")
        except NotIndexable:
            raise ValidationError(_("Geef een geldige postcode (1234 AB).")) from None
        return postcode

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if "postcode" in data and "house_number" in data:
            try:
                normalise_address(data["postcode"], data["house_number"], data.get("addition", ""))
            except NotIndexable:
                self.add_error("house_number", _("Geef een geldig huisnummer."))
        return data


# --- step 5: anonymity towards the family ---------------


class AnonymityStep(StepForm):
    anonymity_requested = forms.ChoiceField(
        label=_("Mag Veilig Thuis het gezin vertellen dat de melding van u komt?"),
        choices=[
            ("no", _("Ja, dat mag (gebruikelijk: een professional meldt onder eigen naam)")),
            ("yes", _("Nee, ik vraag om anonimiteit tegenover het gezin (uitzondering)")),
        ],
        widget=forms.RadioSelect,
    )
    anonymity_ground = forms.ChoiceField(
        label=_("Op welke grond?"),
        choices=ANONYMITY_GROUNDS,
        widget=forms.RadioSelect,
        required=False,
    )
    anonymity_explanation = long_text(_("Licht dit toe"), limit=REASON_LIMIT)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("anonymity_requested") == "yes":
            if not data.get("anonymity_ground") and "anonymity_ground" not in self.errors:
                self.add_error("anonymity_ground", _("Kies een van de toegestane gronden."))
            if not data.get("anonymity_explanation") and "anonymity_explanation" not in self.errors:
                self.add_error("anonymity_explanation", _("Licht de grond toe."))
        return data


# --- step 6: review ---------------


class ReviewStep(StepForm):
    truthful = forms.BooleanField(
        label=_("Ik heb dit naar waarheid en zo volledig mogelijk ingevuld"), required=True
    )
