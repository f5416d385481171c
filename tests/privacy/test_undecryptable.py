"""A corrupted ciphertext gives a clear page for that record, not a 500 that shows data."""

from __future__ import annotations

import logging

import pytest
from django.db import connection

from tests.cases.factories import register_case
from tests.privacy.conftest import KEY_B

MARKER = "MARKER-7513"


@pytest.fixture
def case_page(settings, operator):
    settings.ROOT_URLCONF = "tests.privacy.undecryptable_urls"
    case = register_case(operator, account=f"Relaas {MARKER}")
    return case, f"/test/case/{case.pk}/"


@pytest.mark.django_db
def test_a_readable_case_is_shown(operator_client, case_page):
    _, url = case_page
    assert MARKER in operator_client.get(url).content.decode()


@pytest.mark.django_db
def test_a_corrupted_value_gives_a_clear_page_that_names_no_data(
    operator_client, case_page, caplog
):
    case, url = case_page
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reports_case SET account = %s WHERE id = %s", ["gAAAAAbroken", case.pk]
        )
    caplog.set_level(logging.DEBUG)
    response = operator_client.get(url)
    page = response.content.decode()
    assert response.status_code == 500
    assert "Dit dossier kan niet worden ontsleuteld; neem contact op met beheer." in page
    assert "gAAAAA" not in page
    assert "Traceback" not in page
    (record,) = [r for r in caplog.records if r.name == "veiligthuis.privacy"]
    assert "cases.Case.account" in record.getMessage()
    assert "gAAAAAbroken" not in record.getMessage()
    assert record.exc_info is None


@pytest.mark.django_db
def test_a_removed_key_gives_the_same_page_without_the_other_fields(
    operator_client, case_page, settings, caplog
):
    _, url = case_page
    # Only the case is left behind: the operator's authenticator (its key is encrypted too)
    # is re-encrypted under the new key, or the login itself could not be checked.
    from accounts.devices import totp_device_model

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, *settings.FIELD_ENCRYPTION_KEYS]
    for device in totp_device_model().objects.all():
        device.save()
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    settings.DEBUG = True  # even with debug pages on, no technical 500 page with data
    response = operator_client.get(url)
    assert response.status_code == 500
    assert "kan niet worden ontsleuteld" in response.content.decode()
    assert MARKER not in response.content.decode()
    assert MARKER not in caplog.text
