"""Labels for the Meldcode record an online report leaves on its contact."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.codes import AFWEGINGSKADER_QUESTIONS, MeldcodeStep
from melden.forms import ANONYMITY_GROUNDS

register = template.Library()

OUTCOMES = {
    "report": gettext_lazy("melden"),
    "no_report": gettext_lazy("niet melden"),
    "consult": gettext_lazy("consultatie, niet melden"),
}


@register.filter
def meldcode_labels(meldcode: dict[str, Any] | None) -> dict[str, Any]:
    meldcode = meldcode or {}
    steps = dict(MeldcodeStep.choices)
    grounds = dict(ANONYMITY_GROUNDS)
    yes_no = {True: _("ja"), False: _("nee"), None: "—", "yes": _("ja"), "no": _("nee")}
    answers = meldcode.get("afwegingskader") or {}
    return {
        "steps": [str(steps.get(step, step)) for step in meldcode.get("steps") or []],
        "answers": [
            (label, yes_no.get(answers.get(slug), "—")) for slug, label in AFWEGINGSKADER_QUESTIONS
        ],
        "outcome": str(OUTCOMES.get(meldcode.get("afwegingskader_outcome", ""), "—")),
        "client_informed": yes_no.get(meldcode.get("client_informed"), "—"),
        "ground": str(grounds.get(meldcode.get("anonymity_ground", ""), "")),
    }
