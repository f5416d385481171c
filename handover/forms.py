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
