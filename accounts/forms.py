from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class StaffLoginForm(AuthenticationForm):
    """Username and password: the first of the two factors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Gebruikersnaam")
        self.fields["password"].label = _("Wachtwoord")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})


class TokenForm(forms.Form):
    """The six-digit code from the authenticator app (or a backup code): the second factor."""

    token = forms.RegexField(
        label=_("Code uit je authenticator-app (of een reservecode)"),
        # Six digits, or a backup code: 16 letters and digits, dashes and spaces optional.
        regex=r"^\s*(\d{6}|[A-Za-z2-7]{4}([-\s]?[A-Za-z2-7]{4}){3})\s*$",
        error_messages={
            "invalid": _("Een code bestaat uit 6 cijfers. Een reservecode bestaat uit 16 tekens.")
        },
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


class EnrolmentForm(TokenForm):
    """The first code from a newly set-up authenticator: proves the scan worked."""

    token = forms.RegexField(
        label=_("Code uit je authenticator-app"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Een code bestaat uit 6 cijfers.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}
        ),
    )


class StaffPasswordChangeForm(PasswordChangeForm):
    """The current password, then a new one twice; AUTH_PASSWORD_VALIDATORS decide."""

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.fields["old_password"].label = _("Huidig wachtwoord")
        self.fields["new_password1"].label = _("Nieuw wachtwoord")
        self.fields["new_password2"].label = _("Nieuw wachtwoord (nog een keer)")


class PasswordConfirmForm(forms.Form):
    """Your own password again, before something as weighty as new backup codes."""

    password = forms.CharField(
        label=_("Je wachtwoord"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Dit wachtwoord klopt niet."))
        return password
