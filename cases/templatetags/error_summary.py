"""The one error pattern of every form, staff and public: a summary at the top of the form
that lists each error as a link to its field (templates/includes/error_summary.html).

`{% error_summary form %}` takes any number of forms and formsets, in the order their fields
appear on the page; `item_label` names the rows of a formset ("Betrokkene" gives
"Betrokkene 2: Naam: ..."). Errors of hidden fields and of the form as a whole are listed
without a link: there is no field to go to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms, template
from django.forms import BaseFormSet
from django.forms.boundfield import BoundField

register = template.Library()


@dataclass(frozen=True)
class SummaryItem:
    text: str
    href: str = ""


def field_anchor(bound_field: BoundField) -> str:
    """The id a link to this field points at: the input itself, or for a group of radio
    buttons or check boxes the first of them (the group has no focusable element)."""
    auto_id = bound_field.auto_id
    if not auto_id:
        return ""
    if bound_field.use_fieldset:
        return f"{auto_id}_0"
    return bound_field.id_for_label or auto_id


def _joined(label: str, error: str) -> str:
    """ "Telefoonnummer: Dit is geen ...", but "Kun je nu veilig praten? Stel ..." (a label
    that ends in its own punctuation takes no colon)."""
    if not label:
        return error
    return f"{label} {error}" if label.rstrip()[-1:] in "?:." else f"{label}: {error}"


def _form_items(form: forms.BaseForm, prefix: str = "") -> list[SummaryItem]:
    items = [SummaryItem(f"{prefix}{error}") for error in form.non_field_errors()]
    for bound_field in form:
        for error in bound_field.errors:
            label = f"{prefix}{_joined(str(bound_field.label), str(error))}"
            anchor = "" if bound_field.is_hidden else field_anchor(bound_field)
            items.append(SummaryItem(label, f"#{anchor}" if anchor else ""))
    return items


def summary_items(*forms_on_page: Any, item_label: str = "") -> list[SummaryItem]:
    items: list[SummaryItem] = []
    for form in forms_on_page:
        if isinstance(form, BaseFormSet):
            if not form.is_bound:
                continue
            items.extend(SummaryItem(str(error)) for error in form.non_form_errors())
            for number, row in enumerate(form.forms, start=1):
                prefix = f"{item_label} {number}: " if item_label else ""
                items.extend(_form_items(row, prefix))
        elif isinstance(form, forms.BaseForm) and form.is_bound:
            items.extend(_form_items(form))
    return items


@register.inclusion_tag("includes/error_summary.html")
def error_summary(*forms_on_page: Any, item_label: str = "") -> dict[str, Any]:
    items = summary_items(*forms_on_page, item_label=item_label)
    return {"items": items, "summary_id": f"error-summary-{abs(hash(tuple(items))) % 10**8}"}


@register.inclusion_tag("includes/error_summary.html")
def error_summary_of(
    errors: dict[str, Any] | None, suffix: Any = "", **anchors: str
) -> dict[str, Any]:
    """The same summary for a page that keeps its errors in a dict rather than a form (the
    confirmation pages): `anchors` names the element id each key's link goes to, followed
    by `-suffix` where one page holds a form per row (the approvals)."""
    tail = f"-{suffix}" if suffix != "" else ""
    items = [
        SummaryItem(str(message), f"#{anchors[key]}{tail}" if key in anchors else "")
        for key, message in (errors or {}).items()
    ]
    return {"items": items, "summary_id": f"error-summary{tail}"}
