from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class DestroyOnRequestForm(forms.Form):
    """Typing the reference is the confirmation: destruction cannot be undone."""

    reference = forms.CharField(
        label=_("Typ het kenmerk ter bevestiging"),
        max_length=40,
        help_text=_("Het dossier wordt definitief vernietigd; alleen een grafsteen blijft."),
    )

    def __init__(self, *args: Any, expected_reference: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expected_reference = expected_reference

    def clean_reference(self) -> str:
        typed = self.cleaned_data["reference"].strip()
        if typed.upper() != self.expected_reference.upper():
            raise forms.ValidationError(_("Dit is niet het kenmerk van dit dossier."))
        return typed
