"""The public online report for professionals: /melden/, step by step."""

from __future__ import annotations

import datetime
import logging
import re

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from cases import rules
from cases.models import Case
from events.models import OutboxEvent
from melden.models import OnlineReportDraft
from tests.melden.helpers import (
    anonymity,
    client_step,
    file_report,
    fill_steps,
    meldcode,
    reporter,
    review,
    situation,
    step_url,
)

pytestmark = pytest.mark.django_db


def draft() -> OnlineReportDraft | None:
    return OnlineReportDraft.objects.first()


def saved_draft() -> OnlineReportDraft:
    record = draft()
    assert record is not None, "no draft was saved"
    return record


def error_next_to(response, field_id: str) -> str:
    """The error text rendered inside the field's own block."""
    html = response.content.decode()
    match = re.search(rf'id="{field_id}_error"[^>]*>([^<]+)<', html)
    assert match, f"no error next to {field_id}"
    return match.group(1)


def test_a_professional_files_a_report_and_gets_its_reference_once(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        client = file_report()
    case = Case.objects.get()
    assert re.fullmatch(r"VT-\d{4}-\d{6}", case.reference)
    assert (case.case_type, case.state, case.acute) == ("report", "intake", False)
    assert case.violence_forms == ["physical_abuse", "witnessing"]
    assert case.address["postcode"] == "2511 AB"
    assert "blauwe plekken" in case.account
    assert case.reporter_consents_to_disclosure is True
    contact = case.contacts.get()
    assert (contact.channel, contact.role, contact.anonymous, contact.is_reporter) == (
        "online",
        "professional",
        False,
        True,
    )
    assert (contact.name, contact.organisation, contact.profession) == (
        "Marieke Jansen",
        "Basisschool De Regenboog",
        "education",
    )
    assert contact.meldcode["steps"] == ["colleague_consulted", "signals_mapped", "vt_consulted"]
    assert contact.meldcode["afwegingskader"]["acute_or_structural"] is True
    assert contact.meldcode["afwegingskader_outcome"] == "report"
    assert contact.meldcode["client_informed"] == "no"
    assert contact.meldcode["client_not_informed_reason"] == "Vader is agressief."
    people = {(p.name, p.role, p.is_child) for p in case.people.all()}
    assert people == {
        ("Daan Visser", "victim", True),
        ("Peter Visser", "suspected_perpetrator", False),
    }
    assert OutboxEvent.objects.filter(kind="case.created", payload__case_id=case.pk).exists()
    assert draft() is None

    page = client.get("/melden/ontvangen/")
    assert case.reference in page.content.decode()
    again = client.get("/melden/ontvangen/")
    assert case.reference not in again.content.decode()


def test_the_outbox_event_for_dashboards_carries_nothing_personal():
    file_report()
    payload = repr(OutboxEvent.objects.get(kind="case.created").payload)
    for personal in ("Marieke", "Daan", "Visser", "2511", "blauwe", "Regenboog", "070"):
        assert personal not in payload


@pytest.mark.parametrize(
    "path", ["/melden/", "/melden/stap/1/", "/melden/advies/", "/melden/ontvangen/"]
)
def test_every_public_page_has_the_quick_exit_and_safe_headers(path):
    client = Client()
    if path == "/melden/advies/":
        fill_steps(client, 1)
        client.post(step_url(2), meldcode(afweging_suspicion="no"))
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-quick-exit" in html and "Snel weg" in html
    assert "/static/js/quick_exit.js" in html
    assert "<script>" not in html  # no inline script: the CSP forbids it anyway
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"  # never to another site
    assert "noindex" in response["X-Robots-Tag"]
    csp = response["Content-Security-Policy"]
    assert "http:" not in csp and "https:" not in csp and "unsafe-inline" not in csp


def test_the_browser_keeps_only_a_session_cookie_and_urls_hold_nothing_personal():
    client = Client()
    locations = []
    for number, data in enumerate(
        [reporter(), meldcode(), client_step(), situation(), anonymity()], start=1
    ):
        response = client.post(step_url(number), data)
        locations.append(response["Location"])
    assert set(client.cookies) <= {"sessionid", "csrftoken"}
    assert all(re.fullmatch(r"/melden/stap/\d/", location) for location in locations)
    session = client.session
    assert set(session.keys()) == {"online_report_draft"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT data, token_hash FROM reports_onlinereportdraft")
        rows = repr(cursor.fetchall())
    for plaintext in ("Marieke", "Daan", "2511", "blauwe", session["online_report_draft"]):
        assert plaintext not in rows


def test_a_step_cannot_be_skipped():
    client = Client()
    assert client.get(step_url(4))["Location"] == step_url(1)
    fill_steps(client, 1)
    assert client.get(step_url(4))["Location"] == step_url(2)


def test_every_reporter_field_is_mandatory_with_the_error_next_to_it():
    response = Client().post(step_url(1), {"website": ""})
    assert response.status_code == 400
    for field in ("name", "organisation", "profession", "phone", "email"):
        assert error_next_to(response, f"id_{field}")
    assert "acute" in response.context["form"].errors
    assert draft() is None


def test_a_wrong_phone_number_or_email_is_refused_next_to_the_field():
    response = Client().post(step_url(1), reporter(phone="bel me maar", email="geen-adres"))
    assert response.status_code == 400
    assert "telefoonnummer" in error_next_to(response, "id_phone")
    assert error_next_to(response, "id_email")
    assert draft() is None


def test_size_limits_apply_to_every_text():
    client = Client()
    response = client.post(step_url(1), reporter(name="x" * 201))
    assert response.status_code == 400
    assert error_next_to(response, "id_name")
    fill_steps(client, 3)
    response = client.post(step_url(4), situation(account="y" * 10_001))
    assert response.status_code == 400
    assert error_next_to(response, "id_account")


def test_control_characters_are_refused():
    response = Client().post(step_url(1), reporter(organisation="School\x07\x1b[31m"))
    assert response.status_code == 400
    assert "ongeldige tekens" in error_next_to(response, "id_organisation")


def test_a_bsn_must_pass_the_eleven_test_and_a_postcode_must_be_dutch():
    client = Client()
    fill_steps(client, 3)
    data = situation(postcode="ABCD 12")
    data["people-0-bsn"] = "123456789"
    response = client.post(step_url(4), data)
    assert response.status_code == 400
    assert "elfproef" in error_next_to(response, "id_people-0-bsn")
    assert "postcode" in error_next_to(response, "id_postcode")
    assert "4" not in (saved_draft().data or {})


def test_at_least_one_person_is_named():
    client = Client()
    fill_steps(client, 3)
    response = client.post(step_url(4), situation(**{"people-0-name": "", "people-1-name": ""}))
    assert response.status_code == 400
    blank = {key: "" for key in situation() if key.startswith("people-") and "FORMS" not in key}
    response = client.post(step_url(4), situation(**blank))
    assert response.status_code == 400
    assert "minstens één betrokkene" in response.content.decode()


def test_the_client_not_informed_needs_a_reason():
    client = Client()
    fill_steps(client, 2)
    response = client.post(step_url(3), client_step(client_not_informed_reason=""))
    assert response.status_code == 400
    assert error_next_to(response, "id_client_not_informed_reason")
    assert client.post(
        step_url(3), client_step(client_informed="yes", client_not_informed_reason="")
    )["Location"] == step_url(4)


# --- the afwegingskader -------------------------------------------------------------


def test_no_suspicion_means_no_report_the_form_says_so_and_offers_a_consultation():
    client = Client()
    fill_steps(client, 1)
    response = client.post(step_url(2), meldcode(afweging_suspicion="no"))
    assert response["Location"] == "/melden/advies/"
    page = client.get("/melden/advies/").content.decode()
    assert "een melding nu niet nodig" in page
    assert "0800-2000" in page and "consultatie" in page
    # Further steps lead back to the advice, and nothing becomes a case.
    assert client.get(step_url(3))["Location"] == "/melden/advies/"
    assert client.post(step_url(6), review())["Location"] in ("/melden/advies/", step_url(3))
    assert Case.objects.count() == 0


def test_help_that_works_and_is_accepted_means_consultation_not_report():
    client = Client()
    fill_steps(client, 1)
    answers = meldcode(
        afweging_acute_or_structural="no",
        afweging_can_help="yes",
        afweging_help_accepted="yes",
        afweging_lasting_safety="yes",
    )
    assert client.post(step_url(2), answers)["Location"] == "/melden/advies/"
    assert "u houdt zelf de regie" in client.get("/melden/advies/").content.decode()


@pytest.mark.parametrize(
    "answers,next_location",
    [
        ({"afweging_acute_or_structural": "no", "afweging_can_help": "no"}, step_url(3)),
        (
            {
                "afweging_acute_or_structural": "no",
                "afweging_can_help": "yes",
                "afweging_help_accepted": "no",
            },
            step_url(3),
        ),
        (
            {
                "afweging_acute_or_structural": "no",
                "afweging_can_help": "yes",
                "afweging_help_accepted": "yes",
                "afweging_lasting_safety": "no",
            },
            step_url(3),
        ),
    ],
)
def test_each_no_after_the_suspicion_leads_to_a_report(answers, next_location):
    client = Client()
    fill_steps(client, 1)
    assert client.post(step_url(2), meldcode(**answers))["Location"] == next_location


def test_each_question_is_asked_until_the_outcome_is_clear():
    client = Client()
    fill_steps(client, 1)
    response = client.post(step_url(2), meldcode(afweging_acute_or_structural="no"))
    assert response.status_code == 400
    assert error_next_to(response, "id_afweging_can_help")
    response = client.post(step_url(2), meldcode(afweging_suspicion=""))
    assert error_next_to(response, "id_afweging_suspicion")
    response = client.post(step_url(2), meldcode(afweging_suspicion="misschien"))
    assert error_next_to(response, "id_afweging_suspicion")
    assert "2" not in (saved_draft().data or {})


def test_a_professional_may_still_report_against_the_afwegingskader_with_a_reason():
    client = Client()
    fill_steps(client, 1)
    client.post(step_url(2), meldcode(afweging_suspicion="no"))
    refused = client.post("/melden/advies/", {"report_anyway": "on", "report_anyway_reason": ""})
    assert refused.status_code == 400
    assert error_next_to(refused, "id_report_anyway_reason")
    response = client.post(
        "/melden/advies/", {"report_anyway": "on", "report_anyway_reason": "Ik vertrouw het niet."}
    )
    assert response["Location"] == step_url(3)
    for number, data in ((3, client_step()), (4, situation()), (5, anonymity())):
        assert client.post(step_url(number), data).status_code == 302
    client.post(step_url(6), review())
    meldcode_record = Case.objects.get().contacts.get().meldcode
    assert meldcode_record["afwegingskader_outcome"] == "no_report"
    assert meldcode_record["report_anyway"] is True
    assert meldcode_record["report_anyway_reason"] == "Ik vertrouw het niet."


def test_stopping_on_the_advice_page_destroys_the_draft():
    client = Client()
    fill_steps(client, 1)
    client.post(step_url(2), meldcode(afweging_suspicion="no"))
    assert draft() is not None
    assert client.post("/melden/stoppen/")["Location"] == "/melden/"
    assert draft() is None


# --- acute danger -------------------------------------------------------------


def test_acute_danger_tells_them_to_call_112_at_once_and_the_report_is_flagged_acute():
    client = Client()
    invalid = client.post(step_url(1), reporter(acute="yes", name=""))
    assert invalid.status_code == 400
    assert re.search(r"data-acute-message>\s*<p><strong>[^<]*112", invalid.content.decode())
    client.post(step_url(1), reporter(acute="yes"))
    page = client.get(step_url(2)).content.decode()
    assert re.search(r"data-acute-message>\s*<p><strong>[^<]*112", page), "banner hidden"
    # Even answers that say "no report" do not stop an acute report.
    assert client.post(step_url(2), meldcode(afweging_suspicion="no"))["Location"] == step_url(3)
    for number, data in ((3, client_step()), (4, situation()), (5, anonymity())):
        assert client.post(step_url(number), data).status_code == 302
    client.post(step_url(6), review())
    case = Case.objects.get()
    assert case.acute is True
    assert case.contacts.get().meldcode["acute_reported"] is True
    assert OutboxEvent.objects.filter(kind="acute.alert", payload__case_id=case.pk).exists()
    assert "112" in client.get("/melden/ontvangen/").content.decode()


def test_without_acute_danger_the_112_banner_stays_hidden():
    client = Client()
    fill_steps(client, 1)
    assert re.search(r"data-acute-message hidden", client.get(step_url(2)).content.decode())


# --- anonymity towards the family -------------------------------------------------------------


def test_anonymity_towards_the_family_needs_an_allowed_ground_and_an_explanation():
    client = Client()
    fill_steps(client, 4)
    response = client.post(step_url(5), anonymity(anonymity_requested="yes"))
    assert response.status_code == 400
    assert error_next_to(response, "id_anonymity_ground")
    assert error_next_to(response, "id_anonymity_explanation")
    response = client.post(
        step_url(5),
        anonymity(
            anonymity_requested="yes",
            anonymity_ground="rather_not",
            anonymity_explanation="Liever niet.",
        ),
    )
    assert response.status_code == 400
    assert error_next_to(response, "id_anonymity_ground")
    assert "5" not in saved_draft().data


@pytest.mark.parametrize("ground", ["danger_child", "danger_reporter", "care_relationship"])
def test_each_allowed_ground_keeps_the_reporter_from_the_family_but_not_from_vt(ground):
    file_report(
        s5=anonymity(
            anonymity_requested="yes",
            anonymity_ground=ground,
            anonymity_explanation="Vader heeft eerder gedreigd.",
        )
    )
    case = Case.objects.get()
    contact = case.contacts.get()
    assert case.reporter_consents_to_disclosure is False
    assert contact.anonymous is False and contact.name == "Marieke Jansen"
    assert contact.meldcode["anonymous_towards_family"] is True
    assert contact.meldcode["anonymity_ground"] == ground
    assert contact.meldcode["anonymity_explanation"] == "Vader heeft eerder gedreigd."
    assert rules.reporter_identity_for_disclosure(case) == []


def test_without_a_request_for_anonymity_the_family_may_hear_who_reported():
    file_report()
    case = Case.objects.get()
    assert case.contacts.get().meldcode["anonymous_towards_family"] is False
    assert rules.reporter_identity_for_disclosure(case)[0]["name"] == "Marieke Jansen"


# --- review, back and forth -------------------------------------------------------------


def test_the_review_lists_every_answer_with_a_change_link_and_a_change_returns_to_review():
    client = Client()
    fill_steps(client, 5)
    page = client.get(step_url(6)).content.decode()
    for text in (
        "Marieke Jansen",
        "Basisschool De Regenboog",
        "Onderwijs",
        "Signalen in kaart gebracht",
        "Vader is agressief.",
        "Daan Visser",
        "Lange Poten 12",
        "Lichamelijke mishandeling",
        "blauwe plekken",
        "Stap 6 van 6",
    ):
        assert text in page, text
    for number in range(1, 6):
        assert f'href="{step_url(number)}">wijzig' in page
    response = client.post(step_url(1), reporter(organisation="Het Lyceum"))
    assert response["Location"] == step_url(6)
    assert "Het Lyceum" in client.get(step_url(6)).content.decode()


def test_back_leaves_an_unfinished_step_unsaved():
    client = Client()
    fill_steps(client, 2)
    response = client.post(step_url(3), {"back": "1", "client_informed": "misschien"})
    assert response["Location"] == step_url(2)
    assert "3" not in saved_draft().data


def test_the_review_must_be_confirmed():
    client = Client()
    fill_steps(client, 5)
    response = client.post(step_url(6), {})
    assert response.status_code == 400
    assert error_next_to(response, "id_truthful")
    assert Case.objects.count() == 0


def test_a_step_whose_stored_answers_became_invalid_is_sent_back_at_submit():
    client = Client()
    fill_steps(client, 5)
    record = saved_draft()
    data = dict(record.data)
    data["4"] = {**data["4"], "account": ""}
    record.data = data
    record.save()
    assert client.post(step_url(6), review())["Location"] == step_url(4)
    assert Case.objects.count() == 0


# --- drafts expire -------------------------------------------------------------


def test_an_expired_draft_is_gone_and_the_form_starts_again(settings):
    client = Client()
    fill_steps(client, 2)
    OnlineReportDraft.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get(step_url(3))["Location"] == step_url(1)
    assert OnlineReportDraft.objects.count() == 0


def test_purge_online_drafts_deletes_only_expired_drafts():
    from django.core.management import call_command

    Client().post(step_url(1), reporter())
    fresh = Client()
    fresh.post(step_url(1), reporter())
    OnlineReportDraft.objects.filter(pk=saved_draft().pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    call_command("purge_online_drafts", stdout=open("/dev/null", "w"))
    assert OnlineReportDraft.objects.count() == 1


def test_the_quick_exit_beacon_destroys_the_draft_and_the_session():
    client = Client()
    fill_steps(client, 2)
    assert client.post("/melden/snel-weg/").status_code == 204
    assert OnlineReportDraft.objects.count() == 0
    assert client.get(step_url(2))["Location"] == step_url(1)


# --- bots and abuse -------------------------------------------------------------


def test_a_filled_honeypot_gets_a_neutral_answer_nothing_saved_and_a_log_line(caplog):
    client = Client()
    with caplog.at_level(logging.WARNING, logger="veiligthuis.security"):
        response = client.post(step_url(1), reporter(website="http://spam.example"))
    assert response.status_code == 200
    assert "Bedankt" in response.content.decode()
    assert draft() is None
    assert "honeypot" in caplog.text
    assert "Marieke" not in caplog.text and "spam.example" not in caplog.text


def test_a_honeypot_on_the_last_step_saves_no_report():
    client = Client()
    fill_steps(client, 5)
    response = client.post(step_url(6), review(website="x"))
    assert response.status_code == 200
    assert Case.objects.count() == 0 and draft() is None


def test_a_post_without_a_csrf_token_is_refused_logged_and_saves_nothing(caplog):
    client = Client(enforce_csrf_checks=True)
    client.get(step_url(1))
    with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
        response = client.post(step_url(1), reporter())
    assert response.status_code == 403
    assert draft() is None
    assert "CSRF" in caplog.text


def test_a_post_with_a_forged_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True)
    client.get(step_url(1))
    response = client.post(step_url(1), {**reporter(), "csrfmiddlewaretoken": "x" * 64})
    assert response.status_code == 403
    assert draft() is None


def test_the_english_toggle_on_a_public_page_keeps_the_professional_on_their_step():
    client = Client()
    fill_steps(client, 1)
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": step_url(2)}, HTTP_REFERER=step_url(2)
    )
    assert response["Location"] == step_url(2)
    page = client.get(step_url(2))
    assert page.status_code == 200
    assert '<html lang="en">' in page.content.decode()


def test_an_operator_registered_professional_shows_the_meldcode_record_too(
    operator_client, operator
):
    from tests.cases.factories import register_case

    case = register_case(
        operator,
        contact={
            "channel": "phone",
            "role": "professional",
            "name": "Dokter Bakker",
            "phone": "070-1111111",
            "organisation": "Huisartsenpraktijk",
            "profession": "health",
            "meldcode": {
                "steps": ["signals_mapped"],
                "afwegingskader": {"suspicion": True, "acute_or_structural": True},
                "client_informed": "yes",
                "client_not_informed_reason": "",
            },
        },
    )
    page = operator_client.get(f"/cases/{case.pk}/").content.decode()
    assert "Meldcode van de professional: Dokter Bakker" in page
    assert "Signalen in kaart gebracht" in page
