"""Loading the partner organisations from handover/data/organisations.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ORGANISATIONS_FILE = Path(__file__).resolve().parent / "data" / "organisations.json"
FIELDS = ("name", "kind", "region", "receives_via")


def organisations_data() -> list[dict[str, Any]]:
    return json.loads(ORGANISATIONS_FILE.read_text())["organisations"]


def organisations_load(model: Any) -> int:
    """Create or update every organisation in the file (API keys are left alone);
    returns how many were created. `model` is PartnerOrganisation or its historical copy."""
    created = 0
    for row in organisations_data():
        _obj, was_created = model.objects.update_or_create(
            slug=row["slug"], defaults={name: row[name] for name in FIELDS}
        )
        created += int(was_created)
    return created
