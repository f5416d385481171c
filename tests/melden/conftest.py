from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def generous_rate_limits(settings):
    """The limits count per address per hour in a shared cache; tests that are not about
    them must not trip over each other's requests from 127.0.0.1."""
    settings.ONLINE_REPORT_POSTS_PER_HOUR = 1_000_000
    settings.ONLINE_REPORT_SUBMISSIONS_PER_HOUR = 1_000_000
    settings.ONLINE_REPORT_RESUME_ATTEMPTS_PER_HOUR = 1_000_000
