"""Intake forms for operators: usable during a live call, keyboard first.

Role-specific fields sit in fieldsets marked with the roles they belong to; a small
script shows only those for the chosen role. The server validates everything again,
with the rules from cases.rules, and puts each error next to its field.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.forms import BaseFormSet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import acute_clock, rules
from cases.codes import (
    AFWEGINGSKADER_QUESTIONS,
    CaseType,
    Channel,
    ContactRole,
    MeldcodeStep,
    PersonRole,
    ViolenceForm,
)
from cases.models import SafetyActionKind
from cases.selectors import CaseSearch
from cases.validators import validate_bsn, validate_date_of_birth, validate_phone_number
from privacy.blind_index import (
    NotIndexable,
    bsn_index,
    date_of_birth_index,
    name_index,
    normalise_address,
    normalise_name,
    normalise_phone,
    normalise_postcode,
    normalise_postcode_house,
    phone_index,
    postcode_house_index,
    postcode_index,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

YES_NO_UNKNOWN = [("", "—"), ("yes", _("Ja")), ("no", _("Nee")), ("unknown", _("Weet niet"))]
YES_NO = [("", "—"), ("yes", _("Ja")), ("no", _("Nee"))]
PROFESSIONS = [
    ("", "—"),
    ("education", _("Onderwijs")),
    ("childcare", _("Kinderopvang")),
    ("health", _("Gezondheidszorg")),
    ("youth_care", _("Jeugdhulp")),
    ("social_support", _("Maatschappelijke ondersteuning")),
    ("police_justice", _("Politie en justitie")),
    ("other", _("Anders")),
]
LANGUAGES = [("nl", _("Nederlands")), ("en", _("Engels")), ("other", _("Andere taal"))]

TEXT_LIMIT = 200
TIME_FORMATS = ["%H:%M", "%H.%M", "%H:%M:%S"]
TIME_ATTRS = {"inputmode": "numeric", "autocomplete": "off", "size": 5, "maxlength": 8}
ACCOUNT_LIMIT = 10_000


class ContactForm(forms.Form):
    channel = forms.ChoiceField(label=_("Kanaal"), choices=Channel.choices, initial=Channel.PHONE)
    role = forms.ChoiceField(
        label=_("Wie belt of meldt?"), choices=ContactRole.choices, widget=forms.RadioSelect
    )
    is_minor_about_self = forms.BooleanField(
        label=_("Een kind of jongere belt over zichzelf"), required=False
    )
    language = forms.ChoiceField(label=_("Taal van het gesprek"), choices=LANGUAGES)
    # Victim: the safety check comes before anything else.
    safe_to_talk = forms.ChoiceField(
        label=_("Kun je nu veilig praten?"), choices=YES_NO, required=False
    )
    other_person_nearby = forms.ChoiceField(
        label=_("Is de ander in de buurt?"), choices=YES_NO_UNKNOWN, required=False
    )
    children_present = forms.ChoiceField(
        label=_("Zijn er kinderen bij?"), choices=YES_NO_UNKNOWN, required=False
    )
    anonymous = forms.BooleanField(label=_("Wil anoniem blijven"), required=False)
    is_reporter = forms.BooleanField(
        label=_("Is de melder (niet alleen informant)"), required=False, initial=True
    )
    name = forms.CharField(label=_("Naam"), max_length=TEXT_LIMIT, required=False)
    phone = forms.CharField(
        label=_("Telefoonnummer"),
        max_length=40,
        required=False,
        validators=[validate_phone_number],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(label=_("E-mailadres"), max_length=254, required=False)
    organisation = forms.CharField(label=_("Organisatie"), max_length=TEXT_LIMIT, required=False)
    profession = forms.ChoiceField(label=_("Beroepsgroep"), choices=PROFESSIONS, required=False)
    never_call_back = forms.BooleanField(label=_("Nooit terugbellen"), required=False)
    safe_number = forms.CharField(
        label=_("Veilig terugbelnummer"),
        max_length=40,
        required=False,
        validators=[validate_phone_number],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    # Text, not type="time": the browser would show its own 12-hour clock on a machine set
    # to English; the page is 24-hour everywhere.
    safe_window_start = forms.TimeField(
        label=_("Veilig bellen vanaf (uu:mm)"),
        required=False,
        input_formats=TIME_FORMATS,
        widget=forms.TimeInput(attrs=TIME_ATTRS, format="%H:%M"),
        error_messages={"invalid": _("Geef de tijd als uu:mm (24 uur).")},
    )
    safe_window_end = forms.TimeField(
        label=_("Veilig bellen tot (uu:mm)"),
        required=False,
        input_formats=TIME_FORMATS,
        widget=forms.TimeInput(attrs=TIME_ATTRS, format="%H:%M"),
        error_messages={"invalid": _("Geef de tijd als uu:mm (24 uur).")},
    )
    shared_family_phone = forms.BooleanField(
        label=_("Dit nummer is een gedeelde gezinstelefoon"), required=False
    )
    wants_help_referral = forms.BooleanField(
        label=_("Wil doorverwezen worden naar hulp voor plegers"), required=False
    )
    meldcode_steps = forms.MultipleChoiceField(
        label=_("Gezette stappen van de meldcode"),
        choices=MeldcodeStep.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    client_informed = forms.ChoiceField(
        label=_("Is de cliënt verteld over de melding?"), choices=YES_NO, required=False
    )
    client_not_informed_reason = forms.CharField(
        label=_("Waarom niet?"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    # Which fieldset each role sees (the template and intake.js read this).
    ROLE_FIELDSETS: dict[str, list[str]] = {
        "safety": [ContactRole.VICTIM],
        "callback": [
            ContactRole.VICTIM,
            ContactRole.PERPETRATOR,
            ContactRole.BYSTANDER,
            ContactRole.OTHER,
        ],
        "professional": [ContactRole.PROFESSIONAL],
        "perpetrator": [ContactRole.PERPETRATOR],
    }

    def __init__(self, *args: Any, case_type: str = CaseType.ADVICE, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case_type = case_type
        for slug, label in AFWEGINGSKADER_QUESTIONS:
            self.fields[f"afweging_{slug}"] = forms.ChoiceField(
                label=label, choices=YES_NO, required=False
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        role = data.get("role", "")
        errors: dict[str, StrOrPromise] = {}
        errors.update(rules.safety_check_errors(role=role, data=data))
        errors.update(rules.identity_errors(role=role, case_type=self.case_type, data=data))
        start, end = data.get("safe_window_start"), data.get("safe_window_end")
        if (start is None) != (end is None):
            errors["safe_window_end"] = _("Geef zowel een begin- als een eindtijd.")
        if data.get("safe_number") and start is None and not data.get("never_call_back"):
            errors["safe_window_start"] = _("Bij een veilig nummer hoort een veilig tijdvak.")
        if role == ContactRole.PROFESSIONAL and data.get("client_informed") == "no":
            if not (data.get("client_not_informed_reason") or "").strip():
                errors["client_not_informed_reason"] = _(
                    "Leg uit waarom de cliënt niet is ingelicht."
                )
        for field, message in errors.items():
            if field in self.fields and field not in self.errors:
                self.add_error(field, message)
        return data

    def to_service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        role = data["role"]
        result: dict[str, Any] = {
            key: data.get(key)
            for key in (
                "channel",
                "role",
                "is_minor_about_self",
                "language",
                "anonymous",
                "is_reporter",
                "name",
                "phone",
                "email",
                "organisation",
                "profession",
                "never_call_back",
                "safe_number",
                "safe_window_start",
                "safe_window_end",
                "shared_family_phone",
                "wants_help_referral",
            )
        }
        if role == ContactRole.VICTIM:
            result["safety_check"] = {q: data.get(q, "") for q in rules.SAFETY_CHECK_QUESTIONS}
        if role == ContactRole.PROFESSIONAL:
            answers = {
                slug: {"yes": True, "no": False}.get(data.get(f"afweging_{slug}", ""))
                for slug, _label in AFWEGINGSKADER_QUESTIONS
            }
            result["meldcode"] = {
                "steps": sorted(data.get("meldcode_steps") or []),
                "afwegingskader": answers,
                "client_informed": data.get("client_informed", ""),
                "client_not_informed_reason": data.get("client_not_informed_reason", ""),
            }
        return result


class CaseForm(forms.Form):
    case_type = forms.ChoiceField(
        label=_("Advies of melding?"),
        choices=CaseType.choices,
        widget=forms.RadioSelect,
        initial=CaseType.ADVICE,
    )
    acute = forms.BooleanField(label=_("Acuut gevaar (nu of de komende dagen)"), required=False)
    violence_forms = forms.MultipleChoiceField(
        label=_("Vormen van geweld"),
        choices=ViolenceForm.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    account = forms.CharField(
        label=_("Relaas: wat is er gebeurd?"),
        max_length=ACCOUNT_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    postcode = forms.CharField(label=_("Postcode"), max_length=7, required=False)
    house_number = forms.CharField(label=_("Huisnummer"), max_length=10, required=False)
    addition = forms.CharField(label=_("Toevoeging"), max_length=10, required=False)
    street = forms.CharField(label=_("Straat"), max_length=TEXT_LIMIT, required=False)
    city = forms.CharField(label=_("Plaats"), max_length=100, required=False)
    reporter_consents_to_disclosure = forms.BooleanField(
        label=_("Melder geeft toestemming om de naam te noemen aan het gezin of een partner"),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        postcode, number = data.get("postcode", ""), data.get("house_number", "")
        if postcode or number:
            try:
                normalise_address(postcode, number, data.get("addition", ""))
            except NotIndexable:
                self.add_error("postcode", _("Geef een geldige postcode (1234 AB) en huisnummer."))
        if data.get("case_type") == CaseType.REPORT and not data.get("violence_forms"):
            self.add_error("violence_forms", _("Kies minstens één vorm van geweld."))
        return data

    def to_service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        address_fields = ("postcode", "house_number", "addition", "street", "city")
        return {
            "case_type": data["case_type"],
            "acute": data.get("acute", False),
            "violence_forms": data.get("violence_forms", []),
            "account": data.get("account", ""),
            "address": {key: data.get(key, "") for key in address_fields},
            "reporter_consents_to_disclosure": data.get("reporter_consents_to_disclosure", False),
        }


class PersonForm(forms.Form):
    role = forms.ChoiceField(label=_("Rol"), choices=[("", "—"), *PersonRole.choices])
    is_child = forms.ChoiceField(
        label=_("Kind of volwassene"),
        choices=[("", "—"), ("child", _("Kind (< 18)")), ("adult", _("Volwassene"))],
    )
    name = forms.CharField(label=_("Naam"), max_length=TEXT_LIMIT, required=False)
    date_of_birth = forms.DateField(
        label=_("Geboortedatum"),
        required=False,
        validators=[validate_date_of_birth],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    bsn = forms.CharField(label=_("BSN"), max_length=11, required=False, validators=[validate_bsn])

    def to_service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "role": data["role"],
            "is_child": data["is_child"] == "child",
            "name": data.get("name", ""),
            "date_of_birth": data.get("date_of_birth"),
            "bsn": data.get("bsn", ""),
        }


MAX_PEOPLE = 20


class BasePeopleFormSet(BaseFormSet):
    """One person row to start with; "Persoon toevoegen" adds one (by script, or by a round
    trip without it). Every row may stay empty, however many the page posted."""

    def initial_form_count(self) -> int:
        if self.is_bound:
            return 0
        return super().initial_form_count()


PeopleFormSet: type[BaseFormSet[PersonForm]] = forms.formset_factory(
    PersonForm,
    formset=BasePeopleFormSet,
    extra=1,
    max_num=MAX_PEOPLE,
    absolute_max=MAX_PEOPLE,
    validate_max=True,
)


def initial_from_post(form: forms.BaseForm, post: Any) -> dict[str, Any]:
    """What was typed into `form`, as initial values: the page again, without errors, for
    a round trip that is not a save ("Persoon toevoegen" without script)."""
    initial: dict[str, Any] = {}
    for name, field in form.fields.items():
        key = form.add_prefix(name)
        if isinstance(field, forms.MultipleChoiceField):
            initial[name] = post.getlist(key)
        elif isinstance(field, forms.BooleanField):
            initial[name] = key in post
        elif key in post:
            initial[name] = post.get(key)
    return initial


class StepForm(forms.Form):
    """A case transition posted from the case page."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(max_length=2000, required=False)
    conversion_reason = forms.CharField(max_length=30, required=False)
    # Closing: the gedragswetenschapper's reason where the assessment found unsafety, and
    # the second, confirming POST of the step that cannot be undone.
    lowering_reason = forms.CharField(max_length=4000, required=False)
    confirmed = forms.BooleanField(required=False)


# A reference looks like VT-2026-000123; a part of one is any piece of that shape.
REFERENCE_SHAPE = "VT-9999-999999"


def reference_part(raw: str) -> str:
    """`raw` upper-cased without spaces when it can be a piece of a reference ("000123",
    "2026-0001", "vt-2026"), otherwise "": a name or phone number typed into the reference
    box is then neither searched for nor written to the access log."""
    part = "".join((raw or "").split()).upper()[: len(REFERENCE_SHAPE)]
    if not part:
        return ""
    for offset in range(len(REFERENCE_SHAPE) - len(part) + 1):
        window = REFERENCE_SHAPE[offset : offset + len(part)]
        if all(
            (ch.isdigit() and ch.isascii()) if shape == "9" else ch == shape
            for ch, shape in zip(part, window, strict=True)
        ):
            return part
    return ""


class CaseSearchForm(forms.Form):
    """Search by personal data, posted (never in a URL); fill in one field or more and a
    case must match all of them. Only the blind indexes of the values are searched for."""

    name = forms.CharField(
        label=_("Naam"),
        max_length=TEXT_LIMIT,
        required=False,
        help_text=_("De volledige naam; hoofdletters, accenten en spaties maken niet uit."),
    )
    phone = forms.CharField(label=_("Telefoonnummer"), max_length=40, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=7, required=False)
    house_number = forms.CharField(
        label=_("Huisnummer"),
        max_length=10,
        required=False,
        help_text=_("Zonder toevoeging: 12 vindt ook 12-A."),
    )
    date_of_birth = forms.DateField(
        label=_("Geboortedatum"),
        required=False,
        input_formats=["%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d"],
        help_text=_("dd-mm-jjjj"),
        error_messages={"invalid": _("Geef de geboortedatum als dd-mm-jjjj.")},
    )
    bsn = forms.CharField(label=_("BSN"), max_length=11, required=False)

    def _indexable(self, field: str, normalise: Callable[[str], str], message: StrOrPromise) -> str:
        """The typed value if the blind index can take it; searched only through that."""
        value: str = self.cleaned_data.get(field, "").strip()
        if value:
            try:
                normalise(value)
            except NotIndexable:
                raise forms.ValidationError(message) from None
        return value

    def clean_name(self) -> str:
        return self._indexable("name", normalise_name, _("Geef een naam met letters."))

    def clean_phone(self) -> str:
        return self._indexable("phone", normalise_phone, _("Dit is geen geldig telefoonnummer."))

    def clean_postcode(self) -> str:
        return self._indexable(
            "postcode", normalise_postcode, _("Geef een geldige postcode (1234 AB).")
        )

    def clean_date_of_birth(self) -> datetime.date | None:
        born = self.cleaned_data.get("date_of_birth")
        validate_date_of_birth(born)
        return born

    def clean_bsn(self) -> str:
        bsn: str = self.cleaned_data.get("bsn", "").strip()
        validate_bsn(bsn)
        return bsn

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        postcode, number = data.get("postcode", ""), data.get("house_number", "").strip()
        if number and "postcode" not in self.errors:
            if not postcode:
                self.add_error("postcode", _("Geef bij een huisnummer ook de postcode."))
            else:
                try:
                    normalise_postcode_house(postcode, number)
                except NotIndexable:
                    self.add_error("house_number", _("Geef een huisnummer met cijfers."))
        if not self.errors and not any(data.get(name) for name in self.fields):
            raise forms.ValidationError(_("Vul minstens één zoekveld in."))
        return data

    def to_search(self) -> CaseSearch:
        data = self.cleaned_data
        postcode, number = data.get("postcode", ""), data.get("house_number", "").strip()
        return CaseSearch(
            name_index=name_index(data["name"]) if data.get("name") else "",
            phone_index=phone_index(data["phone"]) if data.get("phone") else "",
            postcode_house_index=postcode_house_index(postcode, number) if number else "",
            postcode_index=postcode_index(postcode) if postcode and not number else "",
            dob_index=date_of_birth_index(data.get("date_of_birth")),
            bsn_index=bsn_index(data["bsn"]) if data.get("bsn") else "",
        )


class ContactAddForm(forms.Form):
    """A further contact on a known case, from the case page: is it a new report (its own
    clock, perhaps reopening the case) or advice and more information (a contact only)?"""

    version = forms.IntegerField(widget=forms.HiddenInput)
    is_report = forms.ChoiceField(
        label=_("Is dit een nieuwe melding?"),
        choices=[
            ("yes", _("Ja, een nieuwe melding")),
            ("no", _("Nee: advies, terugbellen of aanvullende informatie")),
        ],
        widget=forms.RadioSelect,
    )
    acute = forms.BooleanField(label=_("Acuut gevaar (nu of de komende dagen)"), required=False)
    violence_forms = forms.MultipleChoiceField(
        label=_("Vormen van geweld"),
        choices=ViolenceForm.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    account = forms.CharField(
        label=_("Wat vertelt deze melder of beller?"),
        max_length=ACCOUNT_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    @staticmethod
    def case_type_of(data: Any) -> str:
        """The case type the contact's identity rules follow, from the posted answer."""
        return CaseType.REPORT if (data or {}).get("add-is_report") == "yes" else CaseType.ADVICE

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("is_report") == "yes" and not data.get("violence_forms"):
            self.add_error("violence_forms", _("Kies minstens één vorm van geweld."))
        return data

    def to_service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "case_type": CaseType.REPORT if data["is_report"] == "yes" else CaseType.ADVICE,
            "acute": data.get("acute", False),
            "violence_forms": data.get("violence_forms", []),
            "account": data.get("account", ""),
        }


class SafetyActionForm(forms.Form):
    """A safety action about acute danger, with the time it happened (24-hour, Dutch date
    order). Checked here for the page; the action checks the time again with the case
    locked (cases.acute_clock.action_time_refusal)."""

    kind = forms.ChoiceField(
        label=_("Wat is er gedaan?"),
        choices=SafetyActionKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Kies welke veiligheidsactie is ondernomen."),
            "invalid_choice": _("Kies welke veiligheidsactie is ondernomen."),
        },
    )
    happened_on = forms.DateField(
        label=_("Datum"),
        input_formats=["%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d"],
        help_text=_("dd-mm-jjjj"),
        error_messages={
            "required": _("Geef de datum van de actie."),
            "invalid": _("Geef de datum als dd-mm-jjjj."),
        },
    )
    happened_at_time = forms.TimeField(
        label=_("Tijdstip (uu:mm)"),
        input_formats=["%H:%M", "%H.%M", "%H:%M:%S"],
        # Text, not type="time": the browser would show its own 12-hour clock on a machine
        # set to English; the page is 24-hour everywhere.
        widget=forms.TimeInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "size": 5, "maxlength": 8},
            format="%H:%M",
        ),
        error_messages={
            "required": _("Geef het tijdstip van de actie."),
            "invalid": _("Geef het tijdstip als uu:mm (24 uur)."),
        },
    )
    note = forms.CharField(
        label=_("Toelichting"),
        help_text=_("Verplicht bij 'geen actie mogelijk': waarom niet."),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if (
            data.get("kind") == SafetyActionKind.NONE_POSSIBLE
            and not (data.get("note") or "").strip()
        ):
            self.add_error("note", _("Schrijf op waarom geen veiligheidsactie mogelijk was."))
        day, time = data.get("happened_on"), data.get("happened_at_time")
        if day is not None and time is not None:
            happened_at = timezone.make_aware(datetime.datetime.combine(day, time))
            if happened_at > timezone.now() + acute_clock.FUTURE_TOLERANCE:
                self.add_error("happened_at_time", _("Dit tijdstip ligt in de toekomst."))
            data["happened_at"] = happened_at
        return data
