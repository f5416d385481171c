from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
from cases.codes import ContactRole, ViolenceForm
from cases.models import State
from supervision import metrics
from supervision.selectors import CaseFilters, staff_of_region, teams_of_region

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

OPEN_STATES = [(value, label) for value, label in State.choices if value != State.CLOSED]


class CaseFilterForm(forms.Form):
    """The filters above the open cases; an unknown value is an error next to its field."""

    state = forms.ChoiceField(label=_("Fase"), required=False)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    operator = forms.ModelChoiceField(
        label=_("Medewerker"), queryset=User.objects.none(), required=False
    )
    contact_role = forms.ChoiceField(label=_("Rol van de melder"), required=False)
    violence_form = forms.ChoiceField(label=_("Vorm van geweld"), required=False)
    acute = forms.ChoiceField(
        label=_("Acuut"),
        required=False,
        choices=[("", _("alle")), ("yes", _("alleen acuut")), ("no", _("niet acuut"))],
    )
    sort = forms.ChoiceField(
        label=_("Volgorde"),
        required=False,
        choices=[("urgency", _("meest urgent eerst")), ("reported", _("nieuwste melding eerst"))],
    )

    def __init__(self, *args: Any, region: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("alle"))]
        cast(forms.ChoiceField, self.fields["state"]).choices = everything + OPEN_STATES
        team = cast("forms.ModelChoiceField[Team]", self.fields["team"])
        team.queryset = teams_of_region(region)
        team.empty_label = _("alle")
        operator = cast("forms.ModelChoiceField[User]", self.fields["operator"])
        operator.queryset = staff_of_region(region)
        operator.empty_label = _("alle")
        contact_role = cast(forms.ChoiceField, self.fields["contact_role"])
        contact_role.choices = everything + list(ContactRole.choices)
        violence_form = cast(forms.ChoiceField, self.fields["violence_form"])
        violence_form.choices = everything + list(ViolenceForm.choices)

    def to_filters(self) -> CaseFilters:
        data = self.cleaned_data
        return CaseFilters(
            state=data.get("state") or "",
            team_id=data["team"].pk if data.get("team") else None,
            operator_id=data["operator"].pk if data.get("operator") else None,
            contact_role=data.get("contact_role") or "",
            violence_form=data.get("violence_form") or "",
            acute={"yes": True, "no": False}.get(data.get("acute") or ""),
            sort=data.get("sort") or "urgency",
        )


class UsernameChoiceField(forms.ModelChoiceField):
    """Staff listed by their username."""

    def label_from_instance(self, obj: User) -> str:
        return obj.get_username()


class ReassignForm(forms.Form):
    assigned_to = UsernameChoiceField(
        label=_("Medewerker"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("ongewijzigd"),
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("ongewijzigd")
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, region: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assigned_to = cast("forms.ModelChoiceField[User]", self.fields["assigned_to"])
        assigned_to.queryset = staff_of_region(region)
        cast("forms.ModelChoiceField[Team]", self.fields["team"]).queryset = teams_of_region(region)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not self.errors and not data.get("assigned_to") and not data.get("team"):
            self.add_error("assigned_to", _("Kies een medewerker of een team."))
        return data


class StatisticsForm(forms.Form):
    """A period for the national statistics: a half-year preset, or from/to dates."""

    period = forms.ChoiceField(label=_("Halfjaar"), required=False)
    start = forms.DateField(label=_("Van"), required=False, input_formats=["%Y-%m-%d"])
    end = forms.DateField(label=_("Tot en met"), required=False, input_formats=["%Y-%m-%d"])
    round = forms.ChoiceField(
        label=_("Afronden"),
        required=False,
        choices=[("1", _("niet afronden")), ("5", _("op veelvouden van 5"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["start"].widget.input_type = "date"
        self.fields["end"].widget.input_type = "date"
        today = timezone.localdate()
        presets: list[tuple[str, StrOrPromise]] = [("", _("zelf kiezen"))]
        for year in (today.year, today.year - 1, today.year - 2):
            for half in (2, 1):
                first, _last = metrics.half_year(year, half)
                if first <= today:
                    presets.append((f"{year}-H{half}", f"{year} H{half}"))
        cast(forms.ChoiceField, self.fields["period"]).choices = presets

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        period = data.get("period")
        if period:
            year, half = period.split("-H")
            data["start"], data["end"] = metrics.half_year(int(year), int(half))
        elif not data.get("start") or not data.get("end"):
            self.add_error("start", _("Kies een halfjaar, of een begin- en einddatum."))
            return data
        if data["end"] < data["start"]:
            self.add_error("end", _("De einddatum ligt voor de begindatum."))
        elif data["end"] - data["start"] > datetime.timedelta(days=400):
            self.add_error("end", _("Kies een periode van hoogstens een jaar."))
        data["round_to"] = int(data.get("round") or 1)
        return data
