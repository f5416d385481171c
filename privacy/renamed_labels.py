"""Models that moved to another app label in December 2026 (`reports` became `cases`,
`melden` and `outgoing_mail`; `routing` became `handover`).

Their tables kept their names, so no row moved. Two things still carry the old labels and
are never rewritten: access-log entries (their hash chain covers `target_type`) and
tombstones. Reads of a record's history therefore ask for the old label too; Django's
content types are renamed once by the migrations, so permissions keep their rows and
every role keeps its rights.
"""

from __future__ import annotations

from typing import Any

# (old app label, model) -> new app label
MOVED_MODELS: dict[tuple[str, str], str] = {
    **{
        ("reports", model): "cases"
        for model in (
            "case",
            "contact",
            "person",
            "casetransition",
            "caselink",
            "feedbacktask",
            "monitoringcontact",
            "referencecounter",
        )
    },
    ("reports", "onlinereportdraft"): "melden",
    ("reports", "feedbackletter"): "melden",
    ("reports", "outgoingemail"): "outgoing_mail",
    **{
        ("routing", model): "handover"
        for model in (
            "partnerorganisation",
            "partnermembership",
            "handover",
            "apinonce",
            "apiidempotencyrecord",
            "monitoringresult",
            "referenceindexregistration",
            "referenceindexparent",
            "matchsignal",
            "notice",
        )
    },
}

_OLD_NAMES: dict[str, list[str]] = {}
for (_old_label, _model), _new_label in MOVED_MODELS.items():
    _OLD_NAMES.setdefault(f"{_new_label}.{_model}", []).append(f"{_old_label}.{_model}")


def target_type_and_old_names(target_type: str) -> list[str]:
    """`cases.case` -> ["cases.case", "reports.case"]: every name a record's log rows carry."""
    return [target_type, *_OLD_NAMES.get(target_type, [])]


def current_target_type(target_type: str) -> str:
    """`reports.case` -> `cases.case`; any other name unchanged."""
    label, _, model = target_type.partition(".")
    new_label = MOVED_MODELS.get((label, model))
    return f"{new_label}.{model}" if new_label else target_type


def content_types_follow(new_label: str) -> Any:
    """A RunPython function for `new_label`'s migration: rename the content types of the
    models that moved to it, keeping their ids (so permissions and admin log rows stay)."""

    def rename(apps: Any, schema_editor: Any) -> None:
        content_type = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        for (old_label, model), label in MOVED_MODELS.items():
            if label != new_label:
                continue
            if content_type.objects.using(db).filter(app_label=label, model=model).exists():
                continue
            content_type.objects.using(db).filter(app_label=old_label, model=model).update(
                app_label=label
            )

    return rename
