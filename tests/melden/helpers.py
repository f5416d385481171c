"""Valid answers for each step of /melden/, and a client that walks through them."""

from __future__ import annotations

from typing import Any

from django.test import Client

from melden.forms import MAX_PEOPLE


def reporter(**overrides: Any) -> dict[str, Any]:
    data = {
        "acute": "no",
        "name": "Marieke Jansen",
        "organisation": "Basisschool De Regenboog",
        "profession": "education",
        "phone": "070-3456789",
        "email": "m.jansen@regenboog.example.nl",
        "website": "",
    }
    data.update(overrides)
    return data


def meldcode(**overrides: Any) -> dict[str, Any]:
    data = {
        "steps": ["signals_mapped", "colleague_consulted", "vt_consulted"],
        "afweging_suspicion": "yes",
        "afweging_acute_or_structural": "yes",
    }
    data.update(overrides)
    return data


def client_step(**overrides: Any) -> dict[str, Any]:
    data = {"client_informed": "no", "client_not_informed_reason": "Vader is agressief."}
    data.update(overrides)
    return data


def people(rows: list[dict[str, str]] | None = None) -> dict[str, Any]:
    rows = (
        rows
        if rows is not None
        else [
            {
                "role": "victim",
                "is_child": "child",
                "name": "Daan Visser",
                "date_of_birth": "2016-05-04",
            },
            {"role": "suspected_perpetrator", "is_child": "adult", "name": "Peter Visser"},
        ]
    )
    data: dict[str, Any] = {
        "people-TOTAL_FORMS": str(MAX_PEOPLE),
        "people-INITIAL_FORMS": "0",
        "people-MIN_NUM_FORMS": "0",
        "people-MAX_NUM_FORMS": str(MAX_PEOPLE),
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"people-{index}-{key}"] = value
    return data


def situation(**overrides: Any) -> dict[str, Any]:
    data = {
        "postcode": "2511 AB",
        "house_number": "12",
        "street": "Lange Poten",
        "city": "Den Haag",
        "violence_forms": ["physical_abuse", "witnessing"],
        "account": "Daan heeft blauwe plekken op zijn armen en zegt dat papa boos wordt.",
        **people(),
    }
    data.update(overrides)
    return data


def anonymity(**overrides: Any) -> dict[str, Any]:
    data = {"anonymity_requested": "no"}
    data.update(overrides)
    return data


def review(**overrides: Any) -> dict[str, Any]:
    data = {"truthful": "on"}
    data.update(overrides)
    return data


STEP_DATA = {1: reporter, 2: meldcode, 3: client_step, 4: situation, 5: anonymity, 6: review}


def step_url(number: int) -> str:
    return f"/melden/stap/{number}/"


def fill_steps(client: Client, up_to: int = 5, **per_step: dict[str, Any]) -> None:
    """Post valid answers for steps 1..up_to; per_step={"s2": {...}} overrides a step."""
    for number in range(1, up_to + 1):
        data = STEP_DATA[number](**per_step.get(f"s{number}", {}))
        response = client.post(step_url(number), data)
        assert response.status_code == 302, (number, response.content.decode()[:3000])


def file_report(client: Client | None = None, **per_step: dict[str, Any]):
    client = client or Client()
    fill_steps(client, 5, **per_step)
    response = client.post(step_url(6), review(**per_step.get("s6", {})))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == "/melden/ontvangen/"
    return client
