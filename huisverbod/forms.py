"""Forms of the tijdelijk huisverbod: each field labelled, dates as dd-mm-jjjj and times on
the 24-hour clock; the services check the rest and name the field an error belongs to."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from huisverbod.models import ExtensionAdvice

DATE_FORMATS = ["%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d"]
TEXT_LIMIT = 4000


def _person_choices(case: Case) -> list[tuple[str, str]]:
    choices = []
    for person in case.people.all().order_by("pk"):
        label = person.name or str(_("naam onbekend"))
        choices.append((str(person.pk), f"{label} ({person.get_role_display()})"))
    return choices


class HuisverbodForm(forms.Form):
    imposed_on = forms.DateField(
        label=_("Opgelegd op (dag 1)"),
        input_formats=DATE_FORMATS,
        help_text=_("dd-mm-jjjj: de dag waarop de burgemeester het huisverbod oplegde"),
        error_messages={
            "required": _("Geef de dag waarop het huisverbod is opgelegd."),
            "invalid": _("Geef de datum als dd-mm-jjjj."),
        },
    )
    imposed_time = forms.TimeField(
        label=_("Om (uu:mm)"),
        input_formats=["%H:%M", "%H.%M"],
        widget=forms.TimeInput(attrs={"inputmode": "numeric", "placeholder": "uu:mm"}),
        error_messages={
            "required": _("Geef het tijdstip waarop het huisverbod is opgelegd."),
            "invalid": _("Geef de tijd als uu:mm, bijvoorbeeld 21:30."),
        },
    )
    removed_person = forms.ChoiceField(
        label=_("Uithuisgeplaatste"),
        required=False,
        help_text=_("Een betrokkene van dit dossier, of geef hieronder een omschrijving."),
    )
    removed_person_description = forms.CharField(
        label=_("Uithuisgeplaatste, als die niet bij de betrokkenen staat"),
        max_length=200,
        required=False,
    )
    people_at_home = forms.MultipleChoiceField(
        label=_("Achterblijvers"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Kies ten minste één achterblijver.")},
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = _person_choices(case)
        removed = self.fields["removed_person"]
        assert isinstance(removed, forms.ChoiceField)
        removed.choices = [("", _("— kies —")), *people]
        at_home = self.fields["people_at_home"]
        assert isinstance(at_home, forms.MultipleChoiceField)
        at_home.choices = people

    def imposed_at(self) -> datetime.datetime:
        return timezone.make_aware(
            datetime.datetime.combine(
                self.cleaned_data["imposed_on"], self.cleaned_data["imposed_time"]
            )
        )

    def removed_person_id(self) -> int | None:
        value = self.cleaned_data.get("removed_person") or ""
        return int(value) if value else None

    def people_at_home_ids(self) -> list[int]:
        return [int(value) for value in self.cleaned_data["people_at_home"]]


class ExtensionForm(forms.Form):
    extended_until = forms.DateField(
        label=_("Verlengd tot en met"),
        input_formats=DATE_FORMATS,
        help_text=_("dd-mm-jjjj; ten hoogste dag 28"),
        error_messages={
            "required": _("Geef de dag tot en met wanneer de burgemeester verlengde."),
            "invalid": _("Geef de datum als dd-mm-jjjj."),
        },
    )


class AdviceForm(forms.Form):
    advice = forms.ChoiceField(
        label=_("Advies aan de burgemeester"),
        choices=ExtensionAdvice.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Kies het advies.")},
    )
    advice_text = forms.CharField(
        label=_("Onderbouwing"),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Onderbouw het advies.")},
    )


class TaskDoneForm(forms.Form):
    note = forms.CharField(
        label=_("Wat leverde het contact op?"),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Schrijf kort op wat het contact opleverde.")},
    )
