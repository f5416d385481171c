from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cases.codes import Decision
from safety_assessment import scoring
from safety_assessment.instrument_loader import Instrument, Section, text_in
from safety_assessment.services import ANSWER_PROBLEMS

YES, NO = "yes", "no"


def _language() -> str:
    return get_language() or "nl"


class AssessmentForm(forms.Form):
    """The questions of one instrument version, built from its data file.

    Only types are checked here (yes/no, whole numbers in range); what must be answered
    (all of A and B, C unless B is positive) is the scoring engine's rule, applied by the
    service, whose per-question errors come back through `add_service_errors`.
    """

    def __init__(
        self,
        *args: Any,
        instrument: Instrument,
        answers: Mapping[str, Any] | None = None,
        revising: bool = False,
        deciding: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.deciding = deciding
        language = _language()
        answers = answers or {}
        for number, question in enumerate(instrument.questions.values(), start=1):
            label = text_in(question.text, language)
            value = answers.get(question.id)
            if question.type == "yes_no":
                self.fields[question.id] = forms.ChoiceField(
                    label=label,
                    choices=[(YES, _("Ja")), (NO, _("Nee"))],
                    widget=forms.RadioSelect,
                    required=False,
                    initial=None if value is None else (YES if value else NO),
                )
            else:
                self.fields[question.id] = forms.IntegerField(
                    label=f"{number}. {label}",
                    min_value=question.min,
                    max_value=question.max,
                    required=False,
                    initial=value,
                    widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                )
        if instrument.judgement:
            self.fields["judgement_level"] = forms.ChoiceField(
                label=_("Professioneel oordeel (optioneel)"),
                help_text=_("Kan de uitkomst verhogen, nooit verlagen. Onderbouw het hieronder."),
                choices=[("", _("Geen: de uitkomst van de vragen geldt"))]
                + [(level.id, text_in(level.label, language)) for level in instrument.levels],
                required=False,
            )
            self.fields["judgement_reason"] = forms.CharField(
                label=_("Onderbouwing professioneel oordeel"),
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
            )
        if revising:
            self.fields["change_reason"] = forms.CharField(
                label=_("Waarom wordt de vastgestelde beoordeling herzien?"),
                help_text=_("De vorige versie blijft bewaard."),
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.deciding:
            # All of the errors at once: what is missing as well as what is mistyped.
            problems = scoring.answer_problems(self.instrument, self.answers(), complete=True)
            for question_id, problem in problems.items():
                if problem == "missing" and question_id not in self.errors:
                    self.add_error(question_id, ANSWER_PROBLEMS[problem]())
        return cleaned

    def sections(self) -> list[dict[str, Any]]:
        language = _language()
        numbered = 0
        result = []
        for section in self.instrument.sections:
            fields = []
            for question in section.questions:
                numbered += 1
                fields.append(
                    {"field": self[question.id], "number": numbered, "type": question.type}
                )
            result.append(self._section_context(section, fields, language))
        return result

    @staticmethod
    def _section_context(section: Section, fields: list[Any], language: str) -> dict[str, Any]:
        return {
            "id": section.id,
            "title": text_in(section.title, language),
            "help": text_in(section.help, language) if section.help else "",
            "fields": fields,
        }

    def answers(self) -> dict[str, bool | int | None]:
        result: dict[str, bool | int | None] = {}
        for question in self.instrument.questions.values():
            value = getattr(self, "cleaned_data", {}).get(question.id)
            if question.type == "yes_no":
                result[question.id] = {YES: True, NO: False}.get(value or "")
            else:
                result[question.id] = value
        return result

    def service_kwargs(self) -> dict[str, Any]:
        return {
            "answers": self.answers(),
            "judgement_level": self.cleaned_data.get("judgement_level") or "",
            "judgement_reason": self.cleaned_data.get("judgement_reason") or "",
            "change_reason": self.cleaned_data.get("change_reason") or "",
        }

    def add_service_errors(self, errors: Mapping[str, str]) -> None:
        for name, message in errors.items():
            self.add_error(name if name in self.fields else None, message)


class ProposalForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Besluit"),
        choices=[("", _("Kies een besluit")), *Decision.choices],
        error_messages={"required": _("Kies een besluit.")},
    )
    reason = forms.CharField(
        label=_("Motivering"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Motiveer het besluit.")},
    )

    medical_question = forms.BooleanField(
        label=_("Medische vraag: de vertrouwensarts beoordeelt dit besluit"),
        required=False,
    )

    def __init__(self, *args: Any, late: bool = False, warning_id: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if warning_id:
            # The warning above the field is read out with it, before anything is submitted.
            self.fields["decision"].widget.attrs["aria-describedby"] = warning_id
        if late:
            self.fields["late_reason"] = forms.CharField(
                label=_("Waarom is het besluit later dan 5 werkdagen?"),
                widget=forms.Textarea(attrs={"rows": 2}),
                error_messages={
                    "required": _("De termijn is verstreken: leg vast waarom het later is.")
                },
            )


class AcuteClearForm(forms.Form):
    action_taken = forms.CharField(
        label=_("Welke actie is ondernomen?"),
        help_text=_("Bijvoorbeeld: politie ter plaatse, tijdelijk huisverbod, crisisdienst."),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Leg vast welke actie is ondernomen voordat acuut vervalt.")},
    )
