from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User


@pytest.mark.django_db
def test_createstaff_creates_an_operator_and_prints_the_otpauth_uri():
    out = StringIO()
    call_command("createstaff", "--role", "operator", "--username", "nina", "--no-qr", stdout=out)
    text = out.getvalue()
    nina = User.objects.get(username="nina")
    assert nina.role == "operator"
    assert nina.has_perm("accounts.answer_hotline")
    assert not nina.has_perm("accounts.supervise")
    assert "otpauth://totp/" in text
    assert "issuer=Veilig%20Thuis" in text


@pytest.mark.django_db
def test_createstaff_prints_a_qr_code_by_default():
    out = StringIO()
    call_command("createstaff", "--role", "supervisor", "--username", "piet", stdout=out)
    assert "█" in out.getvalue()
    assert User.objects.get(username="piet").has_perm("accounts.supervise")


@pytest.mark.django_db
def test_createstaff_refuses_a_duplicate_and_changes_nothing(operator):
    with pytest.raises(CommandError, match="already exists"):
        call_command("createstaff", "--role", "supervisor", "--username", operator.username)
    operator.refresh_from_db()
    assert operator.role == "operator"
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_createstaff_refuses_an_unknown_role():
    with pytest.raises(CommandError):
        call_command("createstaff", "--role", "admin", "--username", "x")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_totp_code_is_refused_in_production(operator, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("totp_code", operator.username)
