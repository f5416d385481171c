"""The one form of the hotline's own: what was done about an acute call without a case."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.models import AcuteCallHandling
from hotline.services import HANDLINGS_NEEDING_A_REASON


class AcuteCallHandlingForm(forms.Form):
    handling = forms.ChoiceField(
        label=_("Wat is er gedaan?"),
        choices=AcuteCallHandling.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Kies wat er is gedaan."),
            "invalid_choice": _("Kies wat er is gedaan."),
        },
    )
    reason = forms.CharField(
        label=_("Reden en toelichting"),
        help_text=_("Verplicht bij 'terugbellen niet mogelijk' en 'niets mogelijk'."),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if (
            data.get("handling") in HANDLINGS_NEEDING_A_REASON
            and not (data.get("reason") or "").strip()
        ):
            self.add_error("reason", _("Schrijf op waarom."))
        return data
