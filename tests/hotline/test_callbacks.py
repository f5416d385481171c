"""The safe callback: only an operator's click, only a safe number, only in the safe window."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Contact
from hotline.models import Callback, CallbackOutcome
from privacy.models import AccessLogEntry
from tests.cases.factories import register_case, victim_contact
from tests.conftest import log_in_fully
from tests.hotline.conftest import ACCOUNT_SID, call_params, new_sid

SAFE_NUMBER = "06-12345678"
SAFE_NUMBER_E164 = "+31612345678"
CALLER_ID = "+3197010200300"
# Any form the number could show up in: a log or a stored row must hold none of them.
NUMBER_FORMS = ("12345678", "6-1234", "612 345", "+316")


def window(start_hours: float, end_hours: float) -> dict[str, dt.time]:
    """A safe window relative to now (local time), so the tests hold at any hour."""
    now = timezone.localtime()
    return {
        "safe_window_start": (now + dt.timedelta(hours=start_hours)).time().replace(second=0),
        "safe_window_end": (now + dt.timedelta(hours=end_hours)).time().replace(second=0),
    }


def safe_contact(operator, **overrides) -> Contact:
    fields = {"safe_number": SAFE_NUMBER, **window(-1, 1)}
    fields.update(overrides)
    case = register_case(operator, contact=victim_contact(**fields))
    return case.contacts.get()


def place(client, contact: Contact, *, follow: bool = True):
    return client.post(reverse("hotline:callback_request", args=[contact.pk]), follow=follow)


def page_messages(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


@pytest.fixture
def twilio_ready(fake_twilio_api, settings):
    settings.TWILIO_CALLER_ID = CALLER_ID
    return fake_twilio_api


# --- a callback inside the window -------------------------------------------------------


def test_a_callback_in_the_safe_window_rings_the_safe_number_through_twilio(
    operator, operator_client, twilio_ready, settings, caplog
):
    caplog.set_level(logging.DEBUG)
    contact = safe_contact(operator)
    response = place(operator_client, contact)
    assert response.redirect_chain[-1][0] == reverse("cases:case_detail", args=[contact.case_id])
    assert "De telefoon gaat over" in page_messages(response)
    callback = Callback.objects.get()
    [request] = twilio_ready.requests
    assert request["path"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"
    base = f"{settings.PUBLIC_BASE_URL}/hotline/twilio/callback/?callback={callback.pk}"
    assert request["form"] == {
        "To": SAFE_NUMBER_E164,
        "From": CALLER_ID,
        "Url": base,
        "Method": "POST",
        "StatusCallback": base + "&step=status",
        "StatusCallbackMethod": "POST",
    }
    assert (callback.contact, callback.operator) == (contact, operator)
    assert callback.outcome == CallbackOutcome.DIALLING
    assert callback.sid.startswith("CA")
    assert not callback.simulated
    # The number went to Twilio and nowhere else: not to a log, the row or the access log.
    assert caplog.records, "the test must see the log lines it checks"
    for form in NUMBER_FORMS:
        assert form not in caplog.text
        assert form not in repr(Callback.objects.values().get())
        assert not AccessLogEntry.objects.filter(reason__contains=form).exists()
    entry = AccessLogEntry.objects.get(reason__startswith="veilig terugbellen")
    assert (entry.target_type, entry.target_id, entry.allowed, entry.actor_username) == (
        "cases.case",
        str(contact.case_id),
        True,
        operator.username,
    )


def test_without_twilio_a_callback_is_simulated_and_says_so(operator, operator_client, settings):
    settings.TWILIO_ACCOUNT_SID = ""
    contact = safe_contact(operator)
    response = place(operator_client, contact)
    assert "Gesimuleerd" in page_messages(response)
    callback = Callback.objects.get()
    assert (callback.simulated, callback.outcome, callback.sid) == (
        True,
        CallbackOutcome.SIMULATED,
        "",
    )


def test_a_double_click_rings_the_phone_once(operator, operator_client, twilio_ready):
    contact = safe_contact(operator)
    place(operator_client, contact)
    response = place(operator_client, contact)
    assert "Er loopt al een terugbelpoging" in page_messages(response)
    assert len(twilio_ready.requests) == 1
    assert Callback.objects.count() == 1


# --- refused: outside the window, never call back, no safe number, a child's shared phone ---


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        (window(2, 3), "Buiten het veilige tijdvak"),
        ({"never_call_back": True}, "wil niet teruggebeld worden"),
        ({"safe_number": ""}, "geen veilig nummer"),
        (
            {"is_minor_about_self": True, "shared_family_phone": True},
            "gedeelde gezinstelefoon",
        ),
    ],
    ids=["outside-window", "never-call-back", "no-safe-number", "minor-shared-phone"],
)
def test_a_callback_the_rules_forbid_is_refused_with_the_reason_and_nothing_is_dialled(
    operator, operator_client, twilio_ready, overrides, reason
):
    contact = safe_contact(operator, **overrides)
    response = place(operator_client, contact)
    assert response.redirect_chain[-1][0] == reverse("cases:case_detail", args=[contact.case_id])
    assert reason in page_messages(response)
    assert twilio_ready.requests == []
    assert not Callback.objects.exists()
    refusal = AccessLogEntry.objects.get(target_type="cases.case", allowed=False)
    assert refusal.target_id == str(contact.case_id)
    assert reason in refusal.reason
    assert refusal.actor_username == operator.username


def test_the_window_shown_is_the_one_in_the_refusal(operator, operator_client, twilio_ready):
    contact = safe_contact(operator, **window(2, 3))
    assert contact.safe_window_start is not None
    assert contact.safe_window_end is not None
    start = contact.safe_window_start.strftime("%H:%M")
    end = contact.safe_window_end.strftime("%H:%M")
    response = place(operator_client, contact)
    assert f"Buiten het veilige tijdvak ({start}-{end})" in page_messages(response)


def test_the_rules_are_checked_again_at_the_moment_of_calling(
    operator, operator_client, twilio_ready
):
    contact = safe_contact(operator)
    page = operator_client.get(reverse("cases:case_detail", args=[contact.case_id]))
    assert "Veilig terugbellen</button>" in page.content.decode()
    # Between loading the page and clicking, the caller asked never to be called back.
    Contact.objects.filter(pk=contact.pk).update(never_call_back=True)
    response = place(operator_client, contact)
    assert "wil niet teruggebeld worden" in page_messages(response)
    assert twilio_ready.requests == []


def test_the_case_page_offers_the_button_only_when_allowed_and_otherwise_says_why(
    operator, operator_client, twilio_ready
):
    allowed = safe_contact(operator)
    page = operator_client.get(reverse("cases:case_detail", args=[allowed.case_id]))
    html = page.content.decode()
    assert f'action="/hotline/callbacks/{allowed.pk}/"' in html
    assert "Veilig terugbellen</button>" in html
    refused = safe_contact(operator, **window(2, 3))
    html = operator_client.get(
        reverse("cases:case_detail", args=[refused.case_id])
    ).content.decode()
    assert "disabled" in html
    assert "Buiten het veilige tijdvak" in html
    # Showing the page dials nobody.
    assert twilio_ready.requests == []


# --- Twilio fails: the operator is told, the attempt is recorded, nothing retries ---------


@pytest.mark.parametrize(
    ("mode", "told"),
    [("error", "Twilio gaf een foutmelding"), ("hang", "Twilio antwoordde niet op tijd")],
)
def test_a_failing_twilio_is_reported_to_the_operator_and_recorded(
    operator, operator_client, twilio_ready, settings, caplog, mode, told
):
    caplog.set_level(logging.DEBUG)
    twilio_ready.mode = mode
    settings.TWILIO_REST_TIMEOUT_SECONDS = 0.3
    contact = safe_contact(operator)
    response = place(operator_client, contact)
    shown = page_messages(response)
    assert told in shown
    assert "niet vanzelf opnieuw gebeld" in shown
    callback = Callback.objects.get()
    assert callback.outcome == CallbackOutcome.FAILED
    assert callback.note
    assert callback.ended_at is not None
    assert len(twilio_ready.requests) == 1  # no retry
    for form in NUMBER_FORMS:
        assert form not in caplog.text


def test_twilios_refusal_quoting_the_number_stays_out_of_logs_and_rows(
    operator, operator_client, twilio_ready, caplog
):
    caplog.set_level(logging.DEBUG)
    twilio_ready.mode = "reject"
    contact = safe_contact(operator)
    response = place(operator_client, contact)
    assert "mislukt" in page_messages(response)
    callback = Callback.objects.get()
    assert callback.note == "twilio 400 code 21211"
    for form in NUMBER_FORMS:
        assert form not in caplog.text
        assert form not in page_messages(response)


def test_without_a_caller_id_nothing_is_dialled_and_the_operator_is_told(
    operator, operator_client, fake_twilio_api, settings
):
    settings.TWILIO_CALLER_ID = ""
    response = place(operator_client, safe_contact(operator))
    assert "geen uitgaand nummer" in page_messages(response)
    assert fake_twilio_api.requests == []
    assert Callback.objects.get().outcome == CallbackOutcome.FAILED


# --- need-to-know --------------------------------------------------------------------


def test_an_operator_without_access_to_the_case_is_refused_and_logged(
    operator, other_operator, twilio_ready
):
    contact = safe_contact(operator)
    client = log_in_fully(Client(), other_operator)
    response = place(client, contact, follow=False)
    assert response.status_code == 403
    assert twilio_ready.requests == []
    assert not Callback.objects.exists()
    refusal = AccessLogEntry.objects.get(target_type="cases.case", allowed=False)
    assert (refusal.target_id, refusal.actor_username, refusal.reason) == (
        str(contact.case_id),
        other_operator.username,
        "not need-to-know",
    )


def test_the_callback_endpoint_takes_no_get_and_no_anonymous_user(
    client, operator, operator_client, twilio_ready
):
    contact = safe_contact(operator)
    url = reverse("hotline:callback_request", args=[contact.pk])
    assert operator_client.get(url).status_code == 405
    assert client.post(url).status_code in {302, 403}  # to the login page, or refused
    assert twilio_ready.requests == []
    assert not Callback.objects.exists()


def test_only_the_operators_post_can_place_a_call():
    # The system never calls back on its own: no task, command or webhook may reach the
    # outbound call. One caller of each, on the path from the operator's button.
    root = Path(__file__).resolve().parents[2]
    packages = [d for d in root.iterdir() if (d / "__init__.py").exists() and d.name != "tests"]
    callers: dict[str, list[str]] = {"call_create(": [], "callback_place(": []}
    for source in sorted(path for package in packages for path in package.rglob("*.py")):
        text = source.read_text()
        for name, found in callers.items():
            if name in text.replace(f"def {name}", ""):
                found.append(str(source.relative_to(root)))
    assert callers == {
        "call_create(": ["hotline/callbacks.py"],
        "callback_place(": ["hotline/views.py"],
    }


# --- the webhook: the callee answers --------------------------------------------------


@pytest.fixture
def ringing(operator, operator_client, twilio_ready) -> Callback:
    """A callback Twilio placed: the callee's phone rings."""
    place(operator_client, safe_contact(operator))
    return Callback.objects.get()


def answer(twilio, callback: Callback, step: str = "", **extra: str):
    path = f"/hotline/twilio/callback/?callback={callback.pk}" + (f"&step={step}" if step else "")
    params = call_params(callback.sid, To=SAFE_NUMBER_E164, From=CALLER_ID, **extra)
    params["Direction"] = "outbound-api"
    return twilio.post(path, params)


@pytest.mark.parametrize("signature", ["", "forged"])
def test_the_callback_webhook_refuses_a_missing_or_forged_signature_and_writes_nothing(
    twilio, ringing, signature
):
    before = Callback.objects.values().get()
    log_rows = AccessLogEntry.objects.count()
    for step, digits in [("", ""), ("answer", "1"), ("status", "")]:
        path = f"/hotline/twilio/callback/?callback={ringing.pk}" + (
            f"&step={step}" if step else ""
        )
        params = call_params(ringing.sid, Digits=digits, CallStatus="busy")
        response = twilio.post(path, params, signature=signature or "")
        assert response.status_code == 403
    assert Callback.objects.values().get() == before
    assert AccessLogEntry.objects.count() == log_rows


def test_the_first_words_name_nobody_and_ask_for_1(twilio, ringing):
    response = answer(twilio, ringing)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Veilig Thuis" not in body
    assert "teruggebeld zoals afgesproken" in body
    assert "Druk dan op 1" in body
    assert 'language="nl-NL"' in body
    assert f"callback={ringing.pk}&amp;step=answer" in body
    assert 'numDigits="1"' in body


def test_an_english_contact_hears_english(twilio, ringing):
    Contact.objects.filter(pk=ringing.contact_id).update(language="en")
    body = answer(twilio, ringing).content.decode()
    assert 'language="en-GB"' in body
    assert "press 1" in body
    assert "Veilig Thuis" not in body


def test_pressing_1_puts_the_callee_through_to_the_operators_softphone(twilio, ringing, operator):
    body = answer(twilio, ringing, "answer", Digits="1").content.decode()
    assert "<Dial action=" in body
    assert f"<Client>operator-{operator.pk}</Client>" in body
    assert "Veilig Thuis" in body  # only now, after the callee confirmed
    ringing.refresh_from_db()
    assert ringing.outcome == CallbackOutcome.CONNECTED
    # Twilio's replay of the same request gets the same answer.
    assert answer(twilio, ringing, "answer", Digits="1").content.decode() == body


@pytest.mark.parametrize("digits", ["", "2", "9", "*"])
def test_any_other_key_or_silence_hangs_up_without_a_word(twilio, ringing, digits):
    body = answer(twilio, ringing, "answer", Digits=digits).content.decode()
    assert "<Hangup />" in body
    assert "<Say" not in body
    assert "Veilig Thuis" not in body
    assert "<Dial" not in body
    ringing.refresh_from_db()
    assert ringing.outcome == CallbackOutcome.DECLINED


def test_an_operator_who_does_not_answer_leaves_the_callee_with_the_number_to_call(twilio, ringing):
    answer(twilio, ringing, "answer", Digits="1")
    body = answer(twilio, ringing, "after", DialCallStatus="no-answer").content.decode()
    assert "0800 2000" in body
    assert "<Hangup />" in body
    ringing.refresh_from_db()
    assert ringing.outcome == CallbackOutcome.OPERATOR_MISSED


def test_a_webhook_for_another_call_sid_is_not_served(twilio, ringing):
    params = call_params(new_sid())
    response = twilio.post(f"/hotline/twilio/callback/?callback={ringing.pk}&step=answer", params)
    assert response.status_code == 404


def test_status_callbacks_are_applied_in_order_and_what_the_callee_did_sticks(twilio, ringing):
    answer(twilio, ringing, "answer", Digits="1")
    assert (
        answer(twilio, ringing, "status", CallStatus="completed", SequenceNumber="3").status_code
        == 204
    )
    assert (
        answer(twilio, ringing, "status", CallStatus="ringing", SequenceNumber="1").status_code
        == 204
    )
    ringing.refresh_from_db()
    assert (ringing.outcome, ringing.twilio_status) == (CallbackOutcome.CONNECTED, "completed")
    assert ringing.ended_at is not None


@pytest.mark.parametrize(
    ("status", "outcome"),
    [("no-answer", CallbackOutcome.NO_ANSWER), ("busy", CallbackOutcome.BUSY)],
)
def test_an_unanswered_callback_is_recorded_as_such(twilio, ringing, status, outcome):
    answer(twilio, ringing, "status", CallStatus=status, SequenceNumber="0")
    ringing.refresh_from_db()
    assert ringing.outcome == outcome


def test_a_timed_out_request_that_twilio_carried_out_is_still_answered(
    operator, operator_client, twilio_ready, settings, twilio
):
    twilio_ready.mode = "hang"
    settings.TWILIO_REST_TIMEOUT_SECONDS = 0.3
    place(operator_client, safe_contact(operator))
    callback = Callback.objects.get()
    assert (callback.outcome, callback.sid) == (CallbackOutcome.FAILED, "")
    callback.sid = new_sid()  # what Twilio would post
    body = answer(twilio, callback).content.decode()
    assert "Druk dan op 1" in body
    callback.refresh_from_db()
    assert callback.outcome == CallbackOutcome.DIALLING
