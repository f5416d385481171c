"""The review step says dates and roles in the reader's words (issue 19, item 3)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.melden.helpers import fill_steps, step_url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "born"), [("nl", "4 mei 2016"), ("en", "4 May 2016")])
def test_the_review_gives_a_date_of_birth_in_words_in_the_dutch_order(language, born):
    client = Client()
    client.cookies["django_language"] = language
    fill_steps(client, 5)
    page = client.get(step_url(6)).content.decode()
    assert born in page
    assert "2016-05-04" not in page
    assert "suspected_perpetrator" not in page


def test_a_date_the_browser_did_not_send_as_a_date_is_shown_as_typed():
    from melden.views import _date_in_words

    assert _date_in_words("vorig jaar") == "vorig jaar"
    assert _date_in_words("") == ""
