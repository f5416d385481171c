"""Instruments are versioned data files; the loader refuses a broken file with a clear message."""

from __future__ import annotations

import copy
import json

import pytest

from safety_assessment.instrument_loader import (
    INSTRUMENT_DIR,
    InstrumentError,
    instrument_get,
    instrument_load,
    instrument_parse,
    instruments_all,
    instruments_current,
)

VALID = json.loads((INSTRUMENT_DIR / "risk-checklist-2026.1.json").read_text(encoding="utf-8"))


def broken(change) -> dict:
    data = copy.deepcopy(VALID)
    change(data)
    return data


def test_both_shipped_instruments_load():
    assert set(instruments_all()) == {("veilig-thuis", "2026.1"), ("risk-checklist", "2026.1")}


def test_the_safety_assessment_comes_first_and_asks_about_acute_danger_first():
    first = instruments_current()[0]
    assert first.slug == "veilig-thuis"
    assert first.sections[0].id == "A"
    assert first.sections[0].questions[0].id == "a_immediate_danger"


def test_every_question_has_a_dutch_and_an_english_text():
    for instrument in instruments_all().values():
        for question in instrument.questions.values():
            assert question.text["nl"] and question.text["en"]


def test_an_unknown_version_is_a_key_error():
    with pytest.raises(KeyError):
        instrument_get("veilig-thuis", "1999.1")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["sections"][0]["questions"][0].update(weight=-1),
            "sections[0].questions[0].weight: must be a whole number of 0 or more",
        ),
        (
            lambda d: d["rules"][2]["when"]["at_least"].update(question="r_nope"),
            "unknown question 'r_nope'",
        ),
        (lambda d: d["rules"][0].update(level="extreme"), "rules[0].level: unknown level"),
        (lambda d: d["levels"][0]["label"].pop("nl"), "needs the Dutch text under 'nl'"),
        (
            lambda d: d["sections"][0]["questions"][1].update(id="r_injury"),
            "question id 'r_injury' is used twice",
        ),
        (lambda d: d["rules"][0].update(when={"not": {"yes": "r_injury"}}), "unknown condition"),
        (lambda d: d["rules"][0]["explanation"].update(nl="Hoog."), "must contain {answers}"),
        (lambda d: d.update(version="latest"), "version: use numbers separated by dots"),
        (lambda d: d.update(colour="red"), "unknown key(s): colour"),
        (lambda d: d["sections"][0]["questions"][0].update(type="scale"), "must be one of"),
    ],
)
def test_a_broken_file_is_refused_with_a_message_that_says_where(change, message):
    with pytest.raises(InstrumentError) as refused:
        instrument_parse(broken(change), source="risk-checklist-2026.1.json")
    assert message in str(refused.value)
    assert str(refused.value).startswith("risk-checklist-2026.1.json: ")


def test_a_file_must_be_named_after_its_slug_and_version(tmp_path):
    path = tmp_path / "risk-checklist-2026.2.json"
    path.write_text(json.dumps(VALID), encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"must be called risk-checklist-2026\.1\.json"):
        instrument_load(path)


def test_a_file_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "x-1.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"x-1\.json: not valid JSON"):
        instrument_load(path)


def test_the_newest_version_is_used_for_new_assessments(tmp_path):
    newer = broken(lambda d: d.update(version="2026.10"))
    (tmp_path / "risk-checklist-2026.1.json").write_text(json.dumps(VALID), encoding="utf-8")
    (tmp_path / "risk-checklist-2026.10.json").write_text(json.dumps(newer), encoding="utf-8")
    assert instrument_get("risk-checklist", directory=tmp_path).version == "2026.10"
    assert instrument_get("risk-checklist", "2026.1", directory=tmp_path).version == "2026.1"
