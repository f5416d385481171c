"""Shared fixtures: staff members with real authenticators, and clients that log in fully."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import reverse

from accounts import roles
from accounts.devices import totp_device_model
from accounts.management.commands.totp_code import current_code
from accounts.models import User
from accounts.services import staff_create

PASSWORD = "een-lang-wachtwoord-voor-tests"
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_configure(config: pytest.Config) -> None:
    """Hash test passwords with MD5: PBKDF2's rounds are the slowest part of making a user.

    pytest-django has loaded the settings before this runs, so this process switches by
    override; the variable makes config/settings.py do the same in the Daphne servers the
    browser tests start, which must verify the hashes this process wrote.
    """
    from django.test.utils import override_settings

    os.environ["TEST_FAST_PASSWORD_HASHER"] = "1"
    override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS).enable()


def make_staff(username: str, role: str, team: str = "Team Centrum") -> User:
    return staff_create(
        username=username, role=role, team_name=team, password=PASSWORD, by="tests"
    ).user


def code_for(user: User) -> str:
    return current_code(totp_device_model().objects.get(user=user, confirmed=True))


def log_in_fully(client: Client, user: User) -> Client:
    """Log in through the real pages: password, then the TOTP code."""
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302, response.content
    response = client.post(reverse("accounts:token"), {"token": code_for(user)})
    assert response.status_code == 302, response.content
    return client


@pytest.fixture(autouse=True)
def each_test_starts_in_dutch() -> Iterator[None]:
    """A request in English (Accept-Language, the language cookie) leaves English active in
    the test's thread (LocaleMiddleware activates, nothing deactivates): the next test's
    lazy strings would read "Team leader". Every test starts in the site's language."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def own_stranger_refusal_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no refusals counted against its address (privacy.strangers):
    the limit is per minute, and many tests are refused from 127.0.0.1 within one."""
    import uuid

    monkeypatch.setattr("privacy.strangers._KEY_PREFIX", f"stranger-refusals-{uuid.uuid4().hex}")


@pytest.fixture
def operator(db) -> User:
    return make_staff("olga", roles.OPERATOR)


@pytest.fixture
def other_operator(db) -> User:
    return make_staff("otto", roles.OPERATOR, team="Team Zuidwest")


@pytest.fixture
def supervisor(db) -> User:
    return make_staff("sara", roles.SUPERVISOR)


@pytest.fixture
def operator_client(operator) -> Client:
    return log_in_fully(Client(), operator)


@pytest.fixture
def supervisor_client(supervisor) -> Client:
    return log_in_fully(Client(), supervisor)
