"""The TwiML documents of the call flow. Pure functions: no database, no network."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from twilio.twiml.voice_response import Gather, VoiceResponse

from hotline.prompts import VOICE_LANGUAGE, prompt

QUEUE_NAME_PREFIX = "vt-"
# Long enough to press a key after the prompt, short enough that silence is not dead air.
GATHER_TIMEOUT_SECONDS = 6
WAIT_PAUSE_SECONDS = 20
DIAL_OPERATOR_TIMEOUT_SECONDS = 20


def public_url(path: str, **query: object) -> str:
    """Absolute URL on PUBLIC_BASE_URL: Twilio signs exactly the URL it calls."""
    url = f"{settings.PUBLIC_BASE_URL}{path}"
    if query:
        url += "?" + urlencode({key: value for key, value in query.items() if value != ""})
    return url


def _say(target: VoiceResponse | Gather, key: str, language: str, **values: object) -> None:
    text = prompt(key, language, **values)
    if text:
        target.say(text, language=VOICE_LANGUAGE.get(language, "nl-NL"))


def _gather(response: VoiceResponse, *, step: str, num_digits: int, **query: object) -> Gather:
    return response.gather(
        action=public_url("/hotline/twilio/menu/", step=step, **query),
        method="POST",
        num_digits=num_digits,
        timeout=GATHER_TIMEOUT_SECONDS,
        action_on_empty_result=True,
    )


def opening(*, language: str, ask_postcode: bool) -> str:
    """Greeting, the 112 message and the first question, all interruptible by a key."""
    response = VoiceResponse()
    step, digits = ("postcode", 4) if ask_postcode else ("role", 1)
    gather = _gather(response, step=step, num_digits=digits)
    _say(gather, "greeting", language)
    _say(gather, "danger", language)
    _say(gather, "cant_talk_key", language)
    if language == "nl":
        _say(gather, "english_key", language)
    _say(gather, "ask_postcode" if ask_postcode else "role_menu", language)
    return str(response)


def postcode_question(*, language: str, unknown: bool = False) -> str:
    response = VoiceResponse()
    gather = _gather(response, step="postcode", num_digits=4)
    if unknown:
        _say(gather, "postcode_unknown", language)
    _say(gather, "ask_postcode", language)
    _say(gather, "cant_talk_key", language)
    return str(response)


def role_menu(*, language: str) -> str:
    response = VoiceResponse()
    gather = _gather(response, step="role", num_digits=1)
    _say(gather, "role_menu", language)
    _say(gather, "cant_talk_key", language)
    if language == "nl":
        _say(gather, "english_key", language)
    return str(response)


def acute_question(*, language: str) -> str:
    response = VoiceResponse()
    gather = _gather(response, step="acute", num_digits=1)
    _say(gather, "ask_acute", language)
    return str(response)


def enqueue(*, language: str, region: str) -> str:
    response = VoiceResponse()
    _say(response, "queued", language)
    response.enqueue(
        name=f"{QUEUE_NAME_PREFIX}{region or settings.VT_REGION}",
        action=public_url("/hotline/twilio/queue-result/"),
        method="POST",
        wait_url=public_url("/hotline/twilio/wait/"),
        wait_url_method="POST",
    )
    return str(response)


def wait_message(*, language: str, position: int | None) -> str:
    """Played in a loop while waiting: our own queue position, and the menu again."""
    response = VoiceResponse()
    gather = response.gather(
        action=public_url("/hotline/twilio/wait/", step="key"),
        method="POST",
        num_digits=1,
        timeout=1,
    )
    if position:
        _say(gather, "position", language, position=position)
    else:
        _say(gather, "still_waiting", language)
    _say(gather, "wait_keys", language)
    gather.pause(length=WAIT_PAUSE_SECONDS)
    return str(response)


def leave_queue() -> str:
    """Ends the <Enqueue>; Twilio then asks the queue-result URL what comes next."""
    response = VoiceResponse()
    response.leave()
    return str(response)


def safe_exit(*, language: str) -> str:
    """The "can't talk now" path: one short sentence and the line is closed."""
    response = VoiceResponse()
    _say(response, "safe_exit", language)
    response.hangup()
    return str(response)


def transfer(*, language: str, number: str) -> str:
    response = VoiceResponse()
    _say(response, "danger", language)
    _say(response, "transfer", language)
    response.dial(number)
    return str(response)


def redirect_to_connect(*, call_id: int) -> str:
    response = VoiceResponse()
    response.redirect(public_url("/hotline/twilio/connect/", call=call_id), method="POST")
    return str(response)


def dial_operator(*, language: str, call_id: int, identity: str) -> str:
    response = VoiceResponse()
    _say(response, "connecting", language)
    dial = response.dial(
        action=public_url("/hotline/twilio/connect/", call=call_id, step="after"),
        method="POST",
        timeout=DIAL_OPERATOR_TIMEOUT_SECONDS,
    )
    dial.client(identity)
    return str(response)


def backup() -> str:
    """Static, in both languages: the fallback URL reads it without a database or Redis."""
    response = VoiceResponse()
    _say(response, "trouble", "nl")
    _say(response, "trouble", "en")
    number = settings.HOTLINE_BACKUP_NUMBER
    if number:
        _say(response, "backup", "nl")
        _say(response, "backup", "en")
        response.dial(number)
    else:
        _say(response, "try_later", "nl")
        _say(response, "try_later", "en")
        response.hangup()
    return str(response)


def empty() -> str:
    return str(VoiceResponse())


def hang_up() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)


# --- safe callbacks (hotline.callbacks) -----------------------------------------------

CALLBACK_PATH = "/hotline/twilio/callback/"


def callback_opening(*, language: str, callback_id: int) -> str:
    """The neutral question; 1 goes on, any other key or silence ends the call unsaid."""
    response = VoiceResponse()
    gather = response.gather(
        action=public_url(CALLBACK_PATH, callback=callback_id, step="answer"),
        method="POST",
        num_digits=1,
        timeout=GATHER_TIMEOUT_SECONDS,
        action_on_empty_result=True,
    )
    _say(gather, "callback_opening", language)
    return str(response)


def callback_dial_operator(*, language: str, callback_id: int, identity: str) -> str:
    response = VoiceResponse()
    _say(response, "callback_connecting", language)
    dial = response.dial(
        action=public_url(CALLBACK_PATH, callback=callback_id, step="after"),
        method="POST",
        timeout=DIAL_OPERATOR_TIMEOUT_SECONDS,
    )
    dial.client(identity)
    return str(response)


def callback_no_operator(*, language: str) -> str:
    response = VoiceResponse()
    _say(response, "callback_no_operator", language)
    response.hangup()
    return str(response)
