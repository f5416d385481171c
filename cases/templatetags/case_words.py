"""Words for the case's codes in templates that only have the code (an annotation, a
value from JSON): `{{ name|transition_label }}`, never the code itself."""

from __future__ import annotations

from django import template

from cases.models import state_label, transition_label

register = template.Library()


@register.filter(name="transition_label")
def transition_label_filter(name: str | None) -> str:
    return transition_label(name or "")


@register.filter(name="state_label")
def state_label_filter(value: str | None) -> str:
    return state_label(value or "")
