"""Attack replays on staff accounts: idle sessions, 2FA lockout, TOTP secrets at rest,
password change, session fixation, backup codes, authenticator reset, region scoping.

Each test here was written first and seen failing on the code before its fix.
"""

from __future__ import annotations

import logging
import re
import time
from base64 import b32decode
from binascii import unhexlify
from importlib import import_module
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP

from accounts import roles
from accounts.models import User
from cases.models import Case
from privacy.models import AccessLogEntry
from tests.cases.factories import register_case
from tests.conftest import PASSWORD, code_for, log_in_fully, make_staff

BACKUP_CODE = re.compile(r"\b[a-z2-7]{4}(?:-[a-z2-7]{4}){3}\b")
OTHER_REGION = "Regio Zuid"


def code_from_hex(key: str) -> str:
    totp = TOTP(unhexlify(key.encode()), 30, 0, 6, 0)
    totp.time = time.time()
    return f"{totp.token():06d}"


def password_step(client: Client, user: User) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302, response.content


def in_other_region(user: User) -> User:
    user.region = OTHER_REGION
    user.save(update_fields=["region"])
    return user


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "access refused" in r.getMessage()]


# --- (3) the idle timeout holds on the supervisor screen ---------------------------------


@pytest.mark.django_db
def test_the_supervisor_poll_does_not_keep_an_idle_session_alive(supervisor_client):
    script = Path(settings.BASE_DIR, "static/js/supervisor.js").read_text()
    assert "X-Background-Poll" in script, "the supervisor screen must mark its poll"
    poll = reverse("supervision:live")
    session = supervisor_client.session
    session["last_seen"] = int(timezone.now().timestamp()) - 14 * 60
    session.save()
    idle_since = supervisor_client.session["last_seen"]
    # The poll still answers while the session is alive ...
    response = supervisor_client.get(poll, headers={"x-background-poll": "1"})
    assert response.status_code == 200
    # ... but it is not activity.
    assert supervisor_client.session["last_seen"] == idle_since
    session = supervisor_client.session
    session["last_seen"] = idle_since - 2 * 60  # two more polls later: 16 minutes idle
    session.save()
    response = supervisor_client.get(poll, headers={"x-background-poll": "1"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_a_staff_page_warns_before_the_idle_logout_and_offers_to_stay(supervisor_client):
    page = supervisor_client.get("/").content.decode()
    assert 'role="alertdialog"' in page
    assert "Blijf ingelogd" in page
    assert "data-idle-seconds" in page
    session = supervisor_client.session
    session["last_seen"] = int(timezone.now().timestamp()) - 14 * 60
    session.save()
    response = supervisor_client.post(reverse("accounts:keepalive"))
    assert response.status_code == 204
    assert supervisor_client.session["last_seen"] >= int(timezone.now().timestamp()) - 2


@pytest.mark.django_db
def test_the_stay_logged_in_request_cannot_revive_an_expired_session(supervisor_client):
    session = supervisor_client.session
    session["last_seen"] = int(timezone.now().timestamp()) - 16 * 60
    session.save()
    response = supervisor_client.post(reverse("accounts:keepalive"))
    assert response.status_code == 302
    assert supervisor_client.get("/").status_code == 302


@pytest.mark.django_db
def test_the_stay_logged_in_request_needs_a_post(supervisor_client):
    assert supervisor_client.get(reverse("accounts:keepalive")).status_code == 405


# --- (4) wrong codes lock the account across password logins -----------------------------


@pytest.mark.django_db
def test_wrong_codes_lock_the_account_across_password_logins(operator):
    limit = settings.LOGIN_FAILURE_LIMIT
    wrong = 0
    locked = False
    for _ in range(3):
        client = Client(REMOTE_ADDR=f"192.0.2.{wrong + 1}")  # even from a new address
        response = client.post(
            reverse("accounts:login"), {"username": operator.username, "password": PASSWORD}
        )
        if response.status_code == 429:
            locked = True
            break
        for _ in range(limit - 1):
            response = client.post(reverse("accounts:token"), {"token": "000000"})
            wrong += 1
            if response.status_code == 429:
                locked = True
                break
        if locked:
            break
    assert locked, f"{wrong} wrong codes and no lockout"
    assert wrong <= limit
    # Now the right password and the right code do not help either.
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": operator.username, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_full_login_clears_the_wrong_code_count(operator):
    client = Client()
    password_step(client, operator)
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        client.post(reverse("accounts:token"), {"token": "000000"})
    # django-otp's own back-off on the device would delay the right code; not what is tested.
    from accounts.devices import totp_device_model

    totp_device_model().objects.filter(user=operator).update(throttling_failure_count=0)
    assert client.post(reverse("accounts:token"), {"token": code_for(operator)}).status_code == 302
    operator.refresh_from_db()
    assert operator.second_factor_failures == 0


@pytest.mark.django_db
def test_a_supervisor_lifts_a_wrong_code_lockout(supervisor_client, operator):
    client = Client()
    password_step(client, operator)
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        client.post(reverse("accounts:token"), {"token": "000000"})
    page = supervisor_client.get(reverse("accounts:staff_list")).content.decode()
    assert reverse("accounts:staff_unlock", args=[operator.pk]) in page
    supervisor_client.post(reverse("accounts:staff_unlock", args=[operator.pk]))
    log_in_fully(Client(), operator)


# --- (5) TOTP secrets are encrypted at rest ----------------------------------------------


def _secret_hex(config_url: str) -> str:
    secret = parse_qs(urlparse(config_url).query)["secret"][0]
    return b32decode(secret + "=" * (-len(secret) % 8)).hex()


@pytest.mark.django_db
def test_totp_secrets_are_not_stored_in_plain_text(operator):
    from accounts.devices import totp_device_model

    model = totp_device_model()
    device = model.objects.get(user=operator)
    secret = _secret_hex(device.config_url)
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM otp_totp_totpdevice")
        assert cursor.fetchone()[0] == 0, "no plain TOTP rows"
        cursor.execute(f"SELECT * FROM {qn(model._meta.db_table)}")
        raw = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert secret not in raw
    assert secret.upper() not in raw
    assert code_from_hex(secret) == code_for(operator)


@pytest.mark.django_db(transaction=True)
def test_existing_authenticators_keep_working_after_the_migration():
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.devices import totp_device_model

    user = make_staff("piet", roles.OPERATOR)
    totp_device_model().objects.filter(user=user).delete()
    plain = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    key = plain.key
    migration = import_module("privacy.migrations.0006_stafftotpdevice_encrypted_keys")
    migration.encrypt_existing_devices(apps, None)
    assert not TOTPDevice.objects.exists()
    moved = totp_device_model().objects.get(user=user)
    assert moved.key == key and moved.confirmed
    client = Client()
    password_step(client, user)
    response = client.post(reverse("accounts:token"), {"token": code_from_hex(key)})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_key_rotation_re_encrypts_the_totp_secrets(operator, settings):
    from cryptography.fernet import Fernet

    from accounts.devices import totp_device_model
    from privacy.rotation import encrypted_tables, keys_rotate

    model = totp_device_model()
    assert model._meta.db_table in {t.table for t in encrypted_tables()}
    before = code_for(operator)
    settings.FIELD_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.FIELD_ENCRYPTION_KEYS,
    ]
    report = keys_rotate(model_list=[model])
    assert report.rotated >= 1
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS[:1]
    assert code_for(operator) == before


# --- (9) password change -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_member_of_staff_changes_their_password_with_the_validators(operator_client, operator):
    url = reverse("accounts:password_change")
    assert operator_client.get(url).status_code == 200
    new = "een-heel-ander-lang-wachtwoord-42"
    response = operator_client.post(
        url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    operator.refresh_from_db()
    assert operator.check_password(new)
    # Still logged in (the session follows the new password), and fully so.
    assert operator_client.get("/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("weak", ["12345678", "wachtwoord", "olga", "kort"])
def test_a_weak_password_is_refused_and_nothing_is_saved(operator_client, operator, weak):
    response = operator_client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak},
    )
    assert response.status_code == 400
    operator.refresh_from_db()
    assert operator.check_password(PASSWORD)


@pytest.mark.django_db
def test_a_wrong_old_password_changes_nothing(operator_client, operator):
    new = "een-heel-ander-lang-wachtwoord-42"
    response = operator_client.post(
        reverse("accounts:password_change"),
        {"old_password": "fout", "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 400
    operator.refresh_from_db()
    assert operator.check_password(PASSWORD)


@pytest.mark.django_db
def test_the_password_page_needs_the_second_factor(client, operator):
    password_step(client, operator)
    response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:token"))


# --- (9) the session key changes at each factor -------------------------------------------


@pytest.mark.django_db
def test_the_session_key_changes_at_each_factor(client, operator):
    client.get(reverse("accounts:login"))
    session = client.session
    session["planted"] = True  # a session the attacker could have fixed
    session.save()
    keys = [session.session_key]
    password_step(client, operator)
    keys.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    response = client.post(reverse("accounts:token"), {"token": code_for(operator)})
    assert response.status_code == 302
    keys.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    assert len(set(keys)) == 3, keys
    assert client.get("/").status_code == 200


# --- (9) backup codes --------------------------------------------------------------------


def new_backup_codes(client: Client) -> list[str]:
    response = client.post(reverse("accounts:backup_codes"), {"password": PASSWORD})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store" or "no-store" in response["Cache-Control"]
    codes = BACKUP_CODE.findall(response.content.decode())
    assert len(codes) == 10
    return codes


@pytest.mark.django_db
def test_a_backup_code_works_once(operator_client, operator):
    codes = new_backup_codes(operator_client)
    client = Client()
    password_step(client, operator)
    response = client.post(reverse("accounts:token"), {"token": codes[0]})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    again = Client()
    password_step(again, operator)
    response = again.post(reverse("accounts:token"), {"token": codes[0]})
    assert response.status_code == 200
    assert again.get("/").status_code == 302
    # Another code from the set still works, typed in capitals and without dashes.
    response = again.post(reverse("accounts:token"), {"token": codes[1].replace("-", "").upper()})
    assert response.status_code == 302


@pytest.mark.django_db
def test_backup_codes_are_stored_hashed_and_shown_once(operator_client):
    codes = new_backup_codes(operator_client)
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        raw = ""
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            raw += " ".join(str(v) for row in cursor.fetchall() for v in row)
    for code in codes:
        assert code not in raw and code.replace("-", "") not in raw
    page = operator_client.get(reverse("accounts:backup_codes")).content.decode()
    assert not BACKUP_CODE.findall(page)
    assert "10" in page  # how many are left, never which


@pytest.mark.django_db
def test_new_backup_codes_need_the_password_and_replace_the_old_ones(operator_client, operator):
    old = new_backup_codes(operator_client)
    response = operator_client.post(reverse("accounts:backup_codes"), {"password": "fout"})
    assert response.status_code == 400
    assert not BACKUP_CODE.findall(response.content.decode())
    new_backup_codes(operator_client)
    client = Client()
    password_step(client, operator)
    assert client.post(reverse("accounts:token"), {"token": old[2]}).status_code == 200


@pytest.mark.django_db
def test_wrong_backup_codes_count_towards_the_lockout(operator):
    client = Client()
    password_step(client, operator)
    response = None
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        response = client.post(reverse("accounts:token"), {"token": "aaaa-bbbb-cccc-dddd"})
    assert response is not None and response.status_code == 429


# --- (9) authenticator reset by a supervisor ---------------------------------------------


def reset_url(user: User) -> str:
    return reverse("accounts:staff_reset_authenticator", args=[user.pk])


@pytest.mark.django_db
def test_a_supervisor_resets_a_lost_authenticator_and_it_is_logged(
    supervisor_client, supervisor, operator, caplog
):
    from accounts.devices import totp_device_model

    old_code = code_for(operator)
    page = supervisor_client.get(reverse("accounts:staff_list")).content.decode()
    assert reset_url(operator) in page
    with caplog.at_level(logging.INFO, logger="veiligthuis.security"):
        response = supervisor_client.post(reset_url(operator))
    assert response.status_code == 302
    assert not totp_device_model().objects.filter(user=operator, confirmed=True).exists()
    assert any(
        f"authenticator reset: user={operator.pk} by={supervisor.pk}" in r.getMessage()
        for r in caplog.records
    )
    entry = AccessLogEntry.objects.filter(
        target_type="accounts.user", target_id=str(operator.pk), action="change"
    ).get()
    assert entry.actor_id == supervisor.pk and entry.allowed
    # The old authenticator is useless now; the member enrols a new one at the next login.
    client = Client()
    password_step(client, operator)
    assert client.post(reverse("accounts:token"), {"token": old_code}).status_code == 400
    assert client.get("/").status_code == 302
    # (django-otp's back-off after that wrong code would delay the next one by a second.)
    totp_device_model().objects.filter(user=operator).update(throttling_failure_count=0)
    page = client.get(reverse("accounts:token")).content.decode()
    assert "otpauth://totp/" in page
    secret = re.search(r'data-secret="([A-Z2-7]+)"', page)
    assert secret is not None
    key = b32decode(secret.group(1) + "=" * (-len(secret.group(1)) % 8)).hex()
    response = client.post(reverse("accounts:token"), {"token": code_from_hex(key)})
    assert response.status_code == 200  # the page with the new backup codes, shown once
    assert len(BACKUP_CODE.findall(response.content.decode())) == 10
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_an_operator_cannot_reset_someones_authenticator_and_the_refusal_is_logged(
    operator_client, other_operator, caplog
):
    from accounts.devices import totp_device_model

    with caplog.at_level(logging.WARNING, logger="veiligthuis.security"):
        response = operator_client.post(reset_url(other_operator))
    assert response.status_code == 403
    assert refusals(caplog)
    assert totp_device_model().objects.filter(user=other_operator, confirmed=True).exists()


@pytest.mark.django_db
def test_a_supervisor_cannot_reset_an_authenticator_in_another_region(
    supervisor_client, other_operator, caplog
):
    from accounts.devices import totp_device_model

    in_other_region(other_operator)
    with caplog.at_level(logging.WARNING, logger="veiligthuis.security"):
        response = supervisor_client.post(reset_url(other_operator))
    assert response.status_code == 403
    assert refusals(caplog)
    assert totp_device_model().objects.filter(user=other_operator, confirmed=True).exists()


@pytest.mark.django_db
def test_resetting_an_authenticator_needs_a_post_and_a_known_user(supervisor_client, operator):
    assert supervisor_client.get(reset_url(operator)).status_code == 405
    assert supervisor_client.post("/accounts/staff/999999/reset-authenticator/").status_code == 404


@pytest.mark.django_db
def test_without_a_reset_nobody_can_enrol_a_new_authenticator_after_the_password(client, operator):
    from accounts.devices import totp_device_model

    totp_device_model().objects.filter(user=operator).delete()
    password_step(client, operator)
    page = client.get(reverse("accounts:token")).content.decode()
    assert "otpauth://" not in page
    assert not totp_device_model().objects.filter(user=operator).exists()


# --- (9) supervisors are scoped to their region -------------------------------------------


@pytest.mark.django_db
def test_a_supervisor_cannot_unlock_staff_of_another_region(
    supervisor_client, other_operator, caplog
):
    in_other_region(other_operator)
    locked = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        locked.post(
            reverse("accounts:login"), {"username": other_operator.username, "password": "x"}
        )
    page = supervisor_client.get(reverse("accounts:staff_list")).content.decode()
    assert other_operator.username not in page
    with caplog.at_level(logging.WARNING, logger="veiligthuis.security"):
        response = supervisor_client.post(
            reverse("accounts:staff_unlock", args=[other_operator.pk])
        )
    assert response.status_code == 403
    assert refusals(caplog)
    response = locked.post(
        reverse("accounts:login"), {"username": other_operator.username, "password": PASSWORD}
    )
    assert response.status_code == 429


@pytest.mark.django_db
def test_a_supervisor_cannot_read_access_history_of_another_region(
    supervisor_client, operator, other_operator, caplog
):
    in_other_region(other_operator)
    case = register_case(other_operator)
    Case.objects.filter(pk=case.pk).update(region=OTHER_REGION)
    targets = [("accounts.user", other_operator.pk), ("cases.case", case.pk)]
    for target_type, target_id in targets:
        for name in ("privacy:access_history", "privacy:access_history_export"):
            caplog.clear()
            with caplog.at_level(logging.WARNING, logger="veiligthuis.security"):
                response = supervisor_client.get(reverse(name, args=[target_type, target_id]))
            assert response.status_code == 403, (name, target_type)
            assert refusals(caplog)
    assert not AccessLogEntry.objects.filter(action="export").exists()
    # Their own region's staff and cases: allowed.
    own_case = register_case(operator)
    for target_type, target_id in (("accounts.user", operator.pk), ("cases.case", own_case.pk)):
        response = supervisor_client.get(
            reverse("privacy:access_history", args=[target_type, target_id])
        )
        assert response.status_code == 200
