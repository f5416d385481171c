from __future__ import annotations

import logging

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD, code_for, log_in_fully

STAFF_PAGES = ["/", "/accounts/staff/", "/admin/"]


def password_only(client: Client, user) -> Client:
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:token"))
    return client


@pytest.mark.django_db
def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get("/accounts/staff/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Faccounts%2Fstaff%2F"


@pytest.mark.django_db
def test_the_login_page_is_dutch_labelled_and_not_cached(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'lang="nl"' in page
    assert '<label for="id_username">Gebruikersnaam' in page
    assert '<label for="id_password">Wachtwoord' in page
    assert response["Cache-Control"] == "no-store"
    assert "default-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize("page", STAFF_PAGES)
def test_a_password_only_login_opens_no_staff_page(client, supervisor, page):
    password_only(client, supervisor)
    response = client.get(page)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:token"))


@pytest.mark.django_db
def test_password_and_code_open_the_staff_pages(client, supervisor):
    log_in_fully(client, supervisor)
    assert client.get("/").status_code == 200
    assert client.get("/accounts/staff/").status_code == 200


@pytest.mark.django_db
def test_a_wrong_code_is_refused_next_to_the_field(client, operator):
    password_only(client, operator)
    wrong = f"{(int(code_for(operator)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("accounts:token"), {"token": wrong})
    assert response.status_code == 200
    assert "Deze code klopt niet" in response.content.decode()
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_a_malformed_code_gets_a_clear_error(client, operator):
    password_only(client, operator)
    response = client.post(reverse("accounts:token"), {"token": "12ab"})
    assert "Een code bestaat uit 6 cijfers." in response.content.decode()


@pytest.mark.django_db
def test_a_wrong_password_is_refused_with_a_message(client, operator):
    response = client.post(
        reverse("accounts:login"), {"username": operator.username, "password": "fout"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_repeated_wrong_passwords_lock_the_account_even_for_the_right_one(
    client, operator, settings
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": operator.username, "password": "x"})
    response = client.post(
        reverse("accounts:login"), {"username": operator.username, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "tijdelijk geblokkeerd" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_repeated_wrong_codes_lock_the_account_and_end_the_half_login(client, operator, settings):
    password_only(client, operator)
    response = None
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(reverse("accounts:token"), {"token": "000000"})
    assert response is not None
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # The correct password no longer helps either.
    response = client.post(
        reverse("accounts:login"), {"username": operator.username, "password": PASSWORD}
    )
    assert response.status_code == 429


@pytest.mark.django_db
def test_an_operator_is_refused_a_supervisor_page_and_the_refusal_is_logged(
    operator_client, operator, caplog
):
    with caplog.at_level(logging.WARNING, logger="veiligthuis.security"):
        response = operator_client.get("/accounts/staff/")
    assert response.status_code == 403
    assert "Geen toegang" in response.content.decode()
    refusal = [r for r in caplog.records if "access refused" in r.getMessage()]
    assert len(refusal) == 1
    message = refusal[0].getMessage()
    assert f"user={operator.pk}" in message
    assert "role=operator" in message
    assert "view=accounts:staff_list" in message


@pytest.mark.django_db
def test_a_supervisor_can_lift_a_lockout(supervisor_client, operator, settings):
    locked = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        locked.post(reverse("accounts:login"), {"username": operator.username, "password": "x"})
    page = supervisor_client.get("/accounts/staff/").content.decode()
    assert f"/accounts/staff/{operator.pk}/unlock/" in page
    response = supervisor_client.post(f"/accounts/staff/{operator.pk}/unlock/")
    assert response.status_code == 302
    log_in_fully(Client(), operator)


@pytest.mark.django_db
def test_an_operator_cannot_lift_a_lockout_and_it_is_logged(
    operator_client, other_operator, caplog
):
    with caplog.at_level(logging.WARNING, logger="veiligthuis.security"):
        response = operator_client.post(f"/accounts/staff/{other_operator.pk}/unlock/")
    assert response.status_code == 403
    assert any("access refused" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_unlocking_an_unknown_user_is_a_404(supervisor_client):
    assert supervisor_client.post("/accounts/staff/999999/unlock/").status_code == 404


@pytest.mark.django_db
def test_logout_needs_a_post_and_ends_the_session(operator_client):
    assert operator_client.get(reverse("accounts:logout")).status_code == 405
    operator_client.post(reverse("accounts:logout"))
    assert operator_client.get("/").status_code == 302


@pytest.mark.django_db
def test_a_login_redirects_only_to_our_own_pages(client, operator):
    response = client.post(
        reverse("accounts:login") + "?next=https://evil.example/",
        {"username": operator.username, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert "evil.example" not in response["Location"].split("next=")[0]
    response = client.post(
        reverse("accounts:token"), {"token": code_for(operator), "next": "https://evil.example/"}
    )
    # Not the foreign page: the operator's own home, the dashboard.
    assert response["Location"] == reverse("dashboard:dashboard")


@pytest.mark.django_db
def test_a_user_without_an_authenticator_cannot_get_past_the_code_page(client, operator):
    operator.stafftotpdevice_set.all().delete()
    password_only(client, operator)
    response = client.get(reverse("accounts:token"))
    assert "nog geen authenticator-app ingesteld" in response.content.decode()
    response = client.post(reverse("accounts:token"), {"token": "123456"})
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_the_login_page_switches_to_english_on_request(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get(reverse("accounts:login")).content.decode()
    assert 'lang="en"' in page
    assert "Staff login" in page
    assert '<label for="id_password">Password' in page


@pytest.mark.django_db
def test_a_refused_page_is_also_written_to_the_access_log(operator_client, operator):
    from privacy.models import AccessLogEntry

    operator_client.get("/accounts/staff/")
    entry = AccessLogEntry.objects.get(allowed=False)
    assert entry.actor_id == operator.pk
    assert entry.role == "operator"
    assert (entry.target_type, entry.target_id) == ("page", "accounts:staff_list")
    assert entry.ip_address == "127.0.0.1"
