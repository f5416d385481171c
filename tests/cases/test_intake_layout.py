"""The intake in sections with "Persoon toevoegen" rows and 24-hour safe-callback times
(issue 19, item 4): one person row to start with, as many as needed up to the limit, and
the server adds a row without script too."""

from __future__ import annotations

import logging
import re

import pytest

from cases.forms import MAX_PEOPLE
from cases.models import Case, Person
from tests.cases.test_views import intake_post

pytestmark = pytest.mark.django_db


def person_rows(html: str) -> int:
    """The rows on the page, not the script's template for the next one."""
    shown = re.sub(r"<template.*?</template>", "", html, flags=re.S)
    return len(re.findall(r'<fieldset class="person card-inner"', shown))


def rows(count: int) -> dict:
    data = {"people-TOTAL_FORMS": str(count)}
    for index in range(count):
        data |= {
            f"people-{index}-role": "victim",
            f"people-{index}-is_child": "child",
            f"people-{index}-name": f"Kind {index + 1}",
        }
    return data


def test_a_new_intake_shows_one_person_row_and_the_add_button(operator_client):
    html = operator_client.get("/cases/new/").content.decode()
    assert person_rows(html) == 1
    assert 'name="add_person"' in html
    # The sections, linked at the top.
    for anchor in ("#contact-heading", "#case-heading", "#address-heading", "#people-heading"):
        assert f'href="{anchor}"' in html


def test_persoon_toevoegen_without_script_adds_a_row_keeps_what_was_typed_and_saves_nothing(
    operator_client,
):
    data = intake_post(**{"people-TOTAL_FORMS": "1", "contact-name": "Sanne"}) | {"add_person": "1"}
    response = operator_client.post("/cases/new/", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert person_rows(html) == 2
    assert 'value="Noor"' in html and 'value="Sanne"' in html
    assert 'value="09:00"' in html
    # Not a save, and not a failed one: no errors on the page.
    assert 'class="error-text"' not in html
    assert Case.objects.count() == 0
    # The new row is the one the page puts the focus on.
    assert html.count("data-new-person") == 2  # the new row and the script's template


def test_an_intake_with_five_people_saves_all_five(operator_client):
    response = operator_client.post("/cases/new/", intake_post(**rows(5)))
    assert response.status_code == 302
    case = Case.objects.get()
    assert sorted(Person.objects.filter(case=case).values_list("name", flat=True)) == [
        f"Kind {n}" for n in range(1, 6)
    ]


def test_empty_rows_are_left_out_and_refuse_nothing(operator_client):
    response = operator_client.post("/cases/new/", intake_post(**{"people-TOTAL_FORMS": "4"}))
    assert response.status_code == 302
    assert Person.objects.count() == 1


def test_more_rows_than_the_limit_are_refused_with_a_message_and_nothing_saved(operator_client):
    response = operator_client.post("/cases/new/", intake_post(**rows(MAX_PEOPLE + 1)))
    assert response.status_code == 400
    assert Case.objects.count() == 0
    assert "Niet alles is goed ingevuld" in response.content.decode()


def test_a_forged_row_count_gives_the_form_again_not_a_500(operator_client):
    data = intake_post(**{"people-TOTAL_FORMS": "veel"}) | {"add_person": "1"}
    response = operator_client.post("/cases/new/", data)
    assert response.status_code == 200
    assert person_rows(response.content.decode()) == 2
    assert Case.objects.count() == 0


@pytest.mark.parametrize("time", ["9:00", "21.30"])
def test_safe_callback_times_are_24_hour_text(operator_client, time):
    html = operator_client.get("/cases/new/").content.decode()
    found = re.search(r'<input[^>]*name="contact-safe_window_start"[^>]*>', html)
    assert found, "no safe-callback start field"
    field = found.group(0)
    assert 'type="text"' in field and 'inputmode="numeric"' in field
    response = operator_client.post("/cases/new/", intake_post(**{"contact-safe_window_end": time}))
    assert response.status_code == 302


def test_a_twelve_hour_time_is_refused_next_to_the_field(operator_client, caplog):
    with caplog.at_level(logging.INFO):
        response = operator_client.post(
            "/cases/new/", intake_post(**{"contact-safe_window_start": "9:00 PM"})
        )
    assert response.status_code == 400
    assert "Geef de tijd als uu:mm (24 uur)." in response.content.decode()
    assert Case.objects.count() == 0


def test_someone_without_the_hotline_role_cannot_add_a_row_and_is_logged(client, caplog):
    from tests.conftest import log_in_fully, make_staff

    partner = make_staff("pia", "partner", team="")
    with caplog.at_level(logging.WARNING, logger="veiligthuis.security"):
        response = log_in_fully(client, partner).post(
            "/cases/new/", intake_post() | {"add_person": "1"}
        )
    assert response.status_code == 403
    assert Case.objects.count() == 0
    assert any("refused" in record.getMessage() for record in caplog.records)
