"""What the caller hears, in Dutch and in English.

Spoken text lives here rather than in the gettext catalogue: the Twilio voice must match
the language of the words (nl-NL or en-GB), and a missing translation would have an
English voice read Dutch to a frightened caller. Both versions are reviewed together.
"""

from __future__ import annotations

from cases.codes import CallerChoice

VOICE_LANGUAGE = {"nl": "nl-NL", "en": "en-GB"}

# The role menu, in the order it is read: key (the same in both languages), the caller's
# choice as the case vocabulary names it, and what the caller hears for it.
ROLE_MENU: list[tuple[str, CallerChoice, dict[str, str]]] = [
    (
        "1",
        CallerChoice.VICTIM,
        {"nl": "Gaat het over uzelf, druk 1.", "en": "If this is about yourself, press 1."},
    ),
    (
        "2",
        CallerChoice.BYSTANDER,
        {
            "nl": "Maakt u zich zorgen om iemand anders, druk 2.",
            "en": "If you are worried about someone else, press 2.",
        },
    ),
    (
        "3",
        CallerChoice.PROFESSIONAL,
        {
            "nl": "Belt u als professional, druk 3.",
            "en": "If you are calling as a professional, press 3.",
        },
    ),
    (
        "4",
        CallerChoice.PERPETRATOR,
        {
            "nl": "Wilt u hulp omdat u zelf geweld gebruikt, druk 4.",
            "en": "If you want help because you use violence yourself, press 4.",
        },
    ),
    (
        "5",
        CallerChoice.CHILD,
        {
            "nl": "Ben je een kind of jongere, druk 5.",
            "en": "If you are a child or young person, press 5.",
        },
    ),
]
ROLE_KEYS: dict[str, CallerChoice] = {key: choice for key, choice, _ in ROLE_MENU}
KEY_ENGLISH = "8"
KEY_CANT_TALK = "9"
KEY_MENU = "0"
KEY_ACUTE_YES = "1"
# A safe callback: the callee confirms it is a good moment.
KEY_CALLBACK_CONFIRM = "1"

PROMPTS: dict[str, dict[str, str]] = {
    "greeting": {
        "nl": "Welkom bij Veilig Thuis.",
        "en": "Welcome to Veilig Thuis, the Dutch helpline for domestic violence and child abuse.",
    },
    "danger": {
        "nl": "Bent u in direct gevaar? Hang dan op en bel 112.",
        "en": "Are you in immediate danger? Then hang up and call 1 1 2.",
    },
    "cant_talk_key": {
        "nl": "Kunt u nu niet praten? Druk op 9.",
        "en": "If you cannot talk now, press 9.",
    },
    "english_key": {
        "nl": "For English, press 8.",
        "en": "",
    },
    "ask_postcode": {
        "nl": "Toets de vier cijfers van uw postcode, dan verbinden we u met Veilig Thuis "
        "in uw regio.",
        "en": "Please enter the four digits of your postcode, so we can connect you with "
        "Veilig Thuis in your region.",
    },
    "postcode_unknown": {
        "nl": "Die postcode herkennen we niet.",
        "en": "We did not recognise that postcode.",
    },
    "role_menu": {
        language: " ".join(said[language] for _, _, said in ROLE_MENU) for language in ("nl", "en")
    },
    "ask_acute": {
        "nl": "Is er op dit moment gevaar voor iemand? Druk 1 voor ja, 2 voor nee.",
        "en": "Is anyone in danger right now? Press 1 for yes, 2 for no.",
    },
    "queued": {
        "nl": "U wordt zo snel mogelijk geholpen door een medewerker van Veilig Thuis.",
        "en": "A member of staff of Veilig Thuis will be with you as soon as possible.",
    },
    "position": {
        "nl": "U bent nummer {position} in de wachtrij.",
        "en": "You are number {position} in the queue.",
    },
    "still_waiting": {
        "nl": "Blijf aan de lijn, u wordt zo geholpen.",
        "en": "Please stay on the line, you will be helped soon.",
    },
    "wait_keys": {
        "nl": "Druk 0 om het keuzemenu opnieuw te horen. Kunt u nu niet praten? Druk op 9.",
        "en": "Press 0 to hear the menu again. If you cannot talk now, press 9.",
    },
    "safe_exit": {
        "nl": "Dank u. U kunt ons altijd bellen, dag en nacht. Tot ziens.",
        "en": "Thank you. You can call us at any time, day and night. Goodbye.",
    },
    "transfer": {
        "nl": "U wordt doorverbonden met Veilig Thuis in uw regio.",
        "en": "You are being connected with Veilig Thuis in your region.",
    },
    "connecting": {
        "nl": "U wordt nu verbonden met een medewerker.",
        "en": "You are now being connected with a member of staff.",
    },
    "trouble": {
        "nl": "Er is een storing. Bent u in direct gevaar, bel dan 112.",
        "en": "We are having technical problems. If you are in immediate danger, call 1 1 2.",
    },
    "backup": {
        "nl": "U wordt doorverbonden met een collega.",
        "en": "You are being connected with a colleague.",
    },
    "try_later": {
        "nl": "Probeer het over een paar minuten opnieuw.",
        "en": "Please try again in a few minutes.",
    },
    # A safe callback. Whoever answers may not be the person who asked for it: the first
    # sentence names no one and nothing (it is also what a voicemail would record), and
    # Veilig Thuis is said only after the callee pressed 1.
    "callback_opening": {
        "nl": "Goedendag, u wordt teruggebeld zoals afgesproken. Komt het nu goed uit? "
        "Druk dan op 1.",
        "en": "Hello, this is the call back you asked for. If now is a good moment, press 1.",
    },
    "callback_connecting": {
        "nl": "U wordt nu verbonden met een medewerker van Veilig Thuis.",
        "en": "You are now being connected with a member of staff of Veilig Thuis.",
    },
    "callback_no_operator": {
        "nl": "Het lukt nu niet om u te verbinden. U kunt Veilig Thuis altijd bellen, "
        "dag en nacht, op 0800 2000.",
        "en": "We cannot connect you right now. You can call Veilig Thuis at any time, "
        "day and night, on 0800 2000.",
    },
}


def prompt(key: str, language: str, **values: object) -> str:
    texts = PROMPTS[key]
    text = texts.get(language) or texts["nl"]
    return text.format(**values) if values else text
