"""The case page asks, per contact, whether a safe callback is allowed right now."""

from __future__ import annotations

from django import template
from django.utils import timezone

from cases import rules
from cases.models import Contact
from hotline.callbacks import callback_latest
from hotline.models import Callback

register = template.Library()


@register.filter
def callback_refusal(contact: Contact) -> str | None:
    """Why a callback is not allowed now (shown instead of an enabled button), or None."""
    return rules.callback_refusal(contact, timezone.localtime())


@register.filter
def latest_callback(contact: Contact) -> Callback | None:
    return callback_latest(contact)
