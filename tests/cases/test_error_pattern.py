"""One error pattern for every form (issue 19): a failed submit lists each error at the top
as a link to its field; help texts and errors are tied to their fields; the staff intake
checks phone numbers, birth dates and the BSN exactly as the public form does."""

from __future__ import annotations

import datetime
import re

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Contact
from cases.templatetags.error_summary import summary_items
from cases.validators import validate_bsn, validate_date_of_birth, validate_phone_number
from melden.forms import OnlinePersonForm, ReporterStep
from tests.cases.test_views import intake_post

pytestmark = pytest.mark.django_db


def summary_links(page: str) -> dict[str, str]:
    """The error summary's links: href -> text."""
    block = re.search(r"<div class=\"error-summary\".*?</div>", page, re.S)
    assert block, "no error summary on the page"
    return dict(re.findall(r'<a href="(#[^"]+)">([^<]+)</a>', block.group(0)))


def test_a_failed_intake_lists_each_error_at_the_top_as_a_link_to_its_field(operator_client):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = operator_client.post(
        reverse("cases:intake_new"),
        intake_post(
            **{
                "contact-phone": "06-1234",
                "contact-safe_number": "12345",
                "people-0-date_of_birth": tomorrow,
                "people-0-bsn": "123456789",
            }
        ),
    )
    assert response.status_code == 400
    page = response.content.decode()
    links = summary_links(page)
    assert links["#id_contact-phone"] == "Telefoonnummer: Dit is geen geldig telefoonnummer."
    assert "#id_contact-safe_number" in links
    assert links["#id_people-0-date_of_birth"].startswith("Betrokkene 1: Geboortedatum:")
    assert "elfproef" in links["#id_people-0-bsn"]
    # Every link points at an element on the page.
    for href in links:
        assert f'id="{href[1:]}"' in page
    assert "autofocus" in page and "/static/js/error_summary.js" in page
    assert not Case.objects.exists() and not Contact.objects.exists()


def test_a_radio_group_error_links_to_its_first_radio_and_is_tied_to_the_fieldset(
    operator_client,
):
    response = operator_client.post(
        reverse("cases:intake_new"), intake_post(**{"contact-role": ""})
    )
    page = response.content.decode()
    assert "#id_contact-role_0" in summary_links(page)
    assert 'id="id_contact-role_0"' in page
    fieldset = re.search(r'<fieldset [^>]*id="id_contact-role"[^>]*>', page)
    assert fieldset and 'aria-describedby="id_contact-role_error"' in fieldset.group(0)
    assert 'id="id_contact-role_error"' in page


def test_help_texts_are_read_with_their_field():
    form = ReporterStep()
    html = str(form["phone"])
    assert 'aria-describedby="id_phone_helptext"' in html
    from django.template.loader import render_to_string

    rendered = render_to_string("includes/field.html", {"field": form["phone"]})
    assert 'id="id_phone_helptext"' in rendered


def test_the_summary_lists_form_wide_and_hidden_field_errors_without_a_link():
    class Small(forms.Form):
        version = forms.IntegerField(widget=forms.HiddenInput)
        name = forms.CharField()

        def clean(self):
            raise forms.ValidationError("Iemand anders heeft dit net gewijzigd.")

    items = summary_items(Small(data={"version": "x", "name": ""}))
    texts = {item.text: item.href for item in items}
    assert texts["Iemand anders heeft dit net gewijzigd."] == ""
    assert next(text for text, href in texts.items() if href == "#id_name").startswith("Name: ")
    assert any(href == "" and text.startswith("Version: ") for text, href in texts.items())


def test_an_unbound_form_has_no_summary():
    assert summary_items(ReporterStep()) == []


@pytest.mark.parametrize("number", ["06-1234", "12345", "geen nummer", "anoniem"])
def test_a_phone_number_that_cannot_be_called_is_refused(number):
    with pytest.raises(forms.ValidationError):
        validate_phone_number(number)


@pytest.mark.parametrize("number", ["0612345678", "070-3456789", "+49 30 12345678", ""])
def test_a_real_phone_number_passes(number):
    validate_phone_number(number)


def test_a_birth_date_in_the_future_or_before_1900_is_refused():
    for born in (timezone.localdate() + datetime.timedelta(days=1), datetime.date(1899, 12, 31)):
        with pytest.raises(forms.ValidationError):
            validate_date_of_birth(born)
    validate_date_of_birth(datetime.date(2016, 3, 1))
    validate_date_of_birth(None)


def test_the_bsn_must_pass_the_eleven_test():
    validate_bsn("111222333")
    with pytest.raises(forms.ValidationError):
        validate_bsn("123456789")


def test_the_public_form_and_the_intake_refuse_the_same_birth_date():
    from cases.forms import PersonForm

    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    data = {"role": "victim", "is_child": "child", "name": "Noor", "date_of_birth": tomorrow}
    public, staff = OnlinePersonForm(data=data), PersonForm(data=data)
    assert not public.is_valid() and not staff.is_valid()
    assert public.errors["date_of_birth"] == staff.errors["date_of_birth"]


def test_a_question_label_keeps_its_question_mark_without_a_colon(operator_client):
    response = operator_client.post(
        reverse("cases:intake_new"), intake_post(**{"contact-safe_to_talk": ""})
    )
    links = summary_links(response.content.decode())
    assert links["#id_contact-safe_to_talk"].startswith("Kun je nu veilig praten? ")
