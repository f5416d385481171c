"""One role vocabulary from the hotline's menu to the case: the caller's choice becomes a
contact role through cases.codes.CALLER_CONTACT and nowhere else."""

from __future__ import annotations

import pytest

from cases.codes import CALLER_CONTACT, CallerChoice, ContactRole, caller_contact
from hotline.models import Call
from hotline.prompts import PROMPTS, ROLE_KEYS, ROLE_MENU

INTAKE = "/cases/new/"


def test_every_menu_choice_maps_to_one_contact_role():
    chosen = set(CallerChoice.values) - {CallerChoice.UNKNOWN}
    assert set(CALLER_CONTACT) == chosen
    for choice in chosen:
        assert CALLER_CONTACT[choice].role in ContactRole.values
    # No choice is no role: the operator asks rather than the system guessing.
    assert caller_contact(CallerChoice.UNKNOWN) is None
    assert caller_contact("no-such-choice") is None


def test_a_child_calling_is_a_minor_victim_about_themselves_and_no_one_else_is():
    child = caller_contact(CallerChoice.CHILD)
    assert child is not None
    assert (child.role, child.minor_about_self) == (ContactRole.VICTIM, True)
    others = [contact for choice, contact in CALLER_CONTACT.items() if choice != "child"]
    assert not any(contact.minor_about_self for contact in others)


def test_the_ivr_menu_offers_every_choice_once_and_reads_them_in_key_order():
    assert sorted(ROLE_KEYS.values()) == sorted(CALLER_CONTACT)
    assert list(ROLE_KEYS) == sorted(ROLE_KEYS)
    for language in ("nl", "en"):
        spoken = PROMPTS["role_menu"][language]
        positions = [spoken.index(said[language]) for _, _, said in ROLE_MENU]
        assert positions == sorted(positions)


def test_the_call_model_stores_the_menu_vocabulary():
    field = Call._meta.get_field("role")
    assert field.choices is not None
    assert list(field.choices) == list(CallerChoice.choices)
    assert field.default == CallerChoice.UNKNOWN


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("choice", "role", "minor"),
    [
        (choice, contact.role, contact.minor_about_self)
        for choice, contact in CALLER_CONTACT.items()
    ],
)
def test_an_intake_started_from_a_call_fills_in_the_role_from_the_table(
    operator_client, choice, role, minor
):
    response = operator_client.get(INTAKE, {"caller": choice})
    assert response.status_code == 200
    form = response.context["contact_form"]
    assert form.initial == {"role": role, "is_minor_about_self": minor}
    page = response.content.decode()
    radio = page.split(f'value="{role}"')[1].split(">")[0]
    assert "checked" in radio


@pytest.mark.django_db
@pytest.mark.parametrize("caller", ["", "unknown", "<script>"])
def test_an_intake_without_a_known_choice_leaves_the_role_to_the_operator(operator_client, caller):
    response = operator_client.get(INTAKE, {"caller": caller})
    assert response.status_code == 200
    assert response.context["contact_form"].initial == {}
