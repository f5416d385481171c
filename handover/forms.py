from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from handover.destinations import FACT_QUESTIONS
from handover.models import MonitoringResult, PartnerOrganisation


class HandoverForm(forms.Form):
    """Staff hand a case over: the facts the rules need, the destination, the package."""

    organisation = forms.ChoiceField(label=_("Organisatie die de overdracht ontvangt"))
    override_reason = forms.CharField(
        label=_("Reden voor een andere organisatie dan voorgesteld"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Alleen nodig als je een andere organisatie kiest dan de regels voorstellen."),
    )
    safety_conditions = forms.CharField(
        label=_("Veiligheidsvoorwaarden (één per regel)"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    facts_for_receiver = forms.CharField(
        label=_("Wat de ontvanger moet weten"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Schrijf dit voor de ontvanger. Noem niets waaruit blijkt wie de melding deed, "
            "tenzij de melder toestemming gaf."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["organisation"]).choices = [("", "—")] + [
            (organisation.slug, organisation.name)
            for organisation in PartnerOrganisation.objects.filter(active=True)
        ]
        for name, question in FACT_QUESTIONS.items():
            self.fields[name] = forms.BooleanField(label=question, required=False)

    def fact_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in FACT_QUESTIONS]

    def answers(self) -> dict[str, bool]:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return {name: bool(data.get(name)) for name in FACT_QUESTIONS}

    def conditions(self) -> list[str]:
        return self.cleaned_data["safety_conditions"].splitlines()


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reden van de weigering"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Geef de reden van de weigering.")},
    )


class MonitoringForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Uitkomst van het contact"),
        choices=[
            (MonitoringResult.Outcome.SAFE, MonitoringResult.Outcome.SAFE.label),
            (MonitoringResult.Outcome.UNSAFE, MonitoringResult.Outcome.UNSAFE.label),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Kies de uitkomst van het contact.")},
    )
    note = forms.CharField(
        label=_("Toelichting"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PhoneAnswerForm(forms.Form):
    """Staff record the answer a partner that works by phone (police, shelter) gave."""

    answer = forms.ChoiceField(
        label=_("Antwoord van de partner"),
        choices=[("accept", _("Geaccepteerd")), ("reject", _("Geweigerd"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Kies het antwoord van de partner.")},
    )
    answered_by_name = forms.CharField(
        label=_("Naam van wie bij de partner antwoordde"),
        max_length=200,
        error_messages={"required": _("Noem wie bij de partner het antwoord gaf.")},
    )
    reason = forms.CharField(
        label=_("Reden van de weigering"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("answer") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Geef de reden van de weigering."))
        return data


# --- the Jeugdbeschermingstafel and the Raad ----------------------------------------------

DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"]


def _date_field(label: Any, *, required: bool = False, help_text: Any = "") -> forms.DateField:
    # type=date: the browser shows the date in the user's (Dutch) order and sends ISO;
    # typed by hand, dd-mm-jjjj is understood too.
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=help_text,
        error_messages={
            "invalid": _("Geef een datum als dd-mm-jjjj."),
            "required": _("Vul de datum in."),
        },
    )


class ParentsInformedFields(forms.Form):
    """Informing the parents: the date, or why it is postponed. One of the two is needed
    before the table meets (handover.services checks it)."""

    parents_informed_on = _date_field(_("Ouders geïnformeerd op"))
    parents_informing_postponed_reason = forms.CharField(
        label=_("Of: reden om het informeren van de ouders uit te stellen"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Bijvoorbeeld als informeren een kind in gevaar brengt."),
    )


class TablePrepareForm(ParentsInformedFields):
    meeting_planned_on = _date_field(_("Tafel gepland op"))

    field_order = [
        "meeting_planned_on",
        "parents_informed_on",
        "parents_informing_postponed_reason",
    ]


class TableOutcomeForm(ParentsInformedFields):
    """The table met: when, who was invited and who came, and what it decided."""

    held_on = _date_field(_("Datum van de tafel"), required=True)
    invited = forms.TypedMultipleChoiceField(
        label=_("Uitgenodigd (ouders; kinderen vanaf 12 jaar)"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    attended = forms.TypedMultipleChoiceField(
        label=_("Aanwezig"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    outcome = forms.ChoiceField(
        label=_("Uitkomst van de tafel"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Kies de uitkomst van de tafel.")},
    )
    agreements = forms.CharField(
        label=_("Afspraken (bij aanhouden)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    review_on = _date_field(
        _("Datum van heroverweging (bij aanhouden)"),
        help_text=_("Ten hoogste 6 maanden na de eerste tafel."),
    )
    council_reason = forms.CharField(
        label=_("Verzoek tot onderzoek voor de Raad (bij verzoek aan de Raad)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "De Raad leest dit. Noem niets waaruit blijkt wie de melding deed, tenzij de "
            "melder toestemming gaf."
        ),
    )

    field_order = [
        "held_on",
        "invited",
        "attended",
        "parents_informed_on",
        "parents_informing_postponed_reason",
        "outcome",
        "agreements",
        "review_on",
        "council_reason",
    ]

    def __init__(self, *args: Any, people: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from handover.models import TableMeeting

        choices = [(person.pk, _person_label(person)) for person in people]
        cast(forms.ChoiceField, self.fields["invited"]).choices = choices
        cast(forms.ChoiceField, self.fields["attended"]).choices = choices
        cast(forms.ChoiceField, self.fields["outcome"]).choices = TableMeeting.Outcome.choices


def _person_label(person: Any) -> str:
    """A person as the table knows them: name, role, child with date of birth."""
    parts = [person.name or str(_("naam onbekend")), str(person.get_role_display())]
    if person.is_child:
        born = person.date_of_birth.strftime("%d-%m-%Y") if person.date_of_birth else "?"
        parts.append(str(_("kind, geboren %(date)s") % {"date": born}))
    else:
        parts.append(str(_("volwassene")))
    return " · ".join(parts)


class UrgentCouncilRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Waarom dit niet via de Jeugdbeschermingstafel kan (spoed)"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "De Raad leest dit. Noem niets waaruit blijkt wie de melding deed, tenzij de "
            "melder toestemming gaf."
        ),
        error_messages={
            "required": _("Geef de reden waarom dit niet via de Jeugdbeschermingstafel kan.")
        },
    )
