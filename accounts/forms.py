from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class StaffLoginForm(AuthenticationForm):
    """Username and password: the first of the two factors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Gebruikersnaam")
        self.fields["password"].label = _("Wachtwoord")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})


class TokenForm(forms.Form):
    """The six-digit code from the authenticator app: the second factor."""

    token = forms.RegexField(
        label=_("Code uit je authenticator-app"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Een code bestaat uit 6 cijfers.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "size": 8,
            }
        ),
    )

    def clean_token(self) -> str:
        return self.cleaned_data["token"].strip()
