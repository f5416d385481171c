"""Safety instruments are data: one JSON file per instrument version in `instruments/`.

A file holds the questions (with their answer type and weight), the ordered outcome levels,
and the rules that lift the outcome to a level. This module reads and validates the files;
`scoring` applies them. Neither imports Django, so both are tested as plain functions.

A file, once used for a decided assessment, is never edited: a change of wording, weights
or thresholds is a new file with a new version, and old assessments keep pointing at theirs.

Rule conditions are built only from "yes", "at least", "score at least", "all" and "any".
With non-negative weights that makes every outcome monotone: one more risk answer can never
lower the level. The loader refuses anything else (a negative weight, an unknown question),
so a file that would break that promise never loads.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

INSTRUMENT_DIR = Path(__file__).resolve().parent / "instruments"
LANGUAGES = ("nl", "en")
ANSWER_TYPES = ("yes_no", "number")
PURPOSES = ("safety_assessment", "risk_checklist")
_VERSION = re.compile(r"^\d+(\.\d+)*$")
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class InstrumentError(ValueError):
    """The instrument file is not valid; the message names the file and the place."""


Text = dict[str, str]


def text_in(text: Text, language: str) -> str:
    """The text in `language` (nl, en), falling back to Dutch, the source language."""
    base = language.split("-")[0].lower()
    return text.get(base) or text["nl"]


@dataclass(frozen=True)
class Question:
    id: str
    section: str
    type: str
    text: Text
    short: Text
    weight: int = 1
    min: int = 0
    max: int = 1000


@dataclass(frozen=True)
class Section:
    id: str
    title: Text
    help: Text
    questions: tuple[Question, ...]
    skippable_when_section_positive: str | None = None


@dataclass(frozen=True)
class Level:
    id: str
    label: Text
    rank: int
    acute: bool = False


@dataclass(frozen=True)
class Condition:
    """One node of a rule's condition tree.

    kind: "yes" (question answered yes), "at_least" (number answer >= value),
    "score_at_least" (sum of the weights of the yes answers among `questions` >= value),
    "all" / "any" (of `children`).
    """

    kind: str
    question: str | None = None
    questions: tuple[str, ...] = ()
    value: int = 0
    children: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Rule:
    id: str
    section: str
    level: str
    when: Condition
    explanation: Text


@dataclass(frozen=True)
class Instrument:
    slug: str
    version: str
    purpose: str
    title: Text
    description: Text
    levels: tuple[Level, ...]
    sections: tuple[Section, ...]
    rules: tuple[Rule, ...]
    judgement: bool = True
    questions: dict[str, Question] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.slug}-{self.version}"

    @property
    def lowest_level(self) -> Level:
        return self.levels[0]

    def level(self, level_id: str) -> Level:
        for level in self.levels:
            if level.id == level_id:
                return level
        raise KeyError(level_id)

    def section(self, section_id: str) -> Section:
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(section_id)

    @property
    def completes_safety_assessment(self) -> bool:
        return self.purpose == "safety_assessment"


# --- reading ---------------------------------------------------------------------------------


class _Reader:
    """Validation with messages that say where: 'file: rules[2].when: unknown question x'."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> InstrumentError:
        return InstrumentError(f"{self.source}: {where}: {message}")

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "must be an object")
        return value

    def required(self, data: dict[str, Any], key: str, where: str) -> Any:
        if key not in data:
            raise self.fail(where, f'"{key}" is missing')
        return data[key]

    def string(self, data: dict[str, Any], key: str, where: str) -> str:
        value = self.required(data, key, where)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where}.{key}", "must be a non-empty string")
        return value

    def text(self, data: dict[str, Any], key: str, where: str, *, optional: bool = False) -> Text:
        if optional and key not in data:
            return {}
        value = self.mapping(self.required(data, key, where), f"{where}.{key}")
        if not isinstance(value.get("nl"), str) or not value["nl"].strip():
            raise self.fail(f"{where}.{key}", "needs the Dutch text under 'nl'")
        for language, text in value.items():
            if language not in LANGUAGES:
                raise self.fail(f"{where}.{key}", f"unknown language '{language}'")
            if not isinstance(text, str):
                raise self.fail(f"{where}.{key}.{language}", "must be a string")
        return dict(value)

    def integer(
        self, data: dict[str, Any], key: str, where: str, *, default: int | None = None
    ) -> int:
        if key not in data and default is not None:
            return default
        value = self.required(data, key, where)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(f"{where}.{key}", "must be a whole number of 0 or more")
        return value

    def unknown_keys(self, data: dict[str, Any], allowed: set[str], where: str) -> None:
        extra = sorted(set(data) - allowed)
        if extra:
            raise self.fail(where, f"unknown key(s): {', '.join(extra)}")


def _condition(reader: _Reader, raw: Any, where: str, questions: dict[str, Question]) -> Condition:
    data = reader.mapping(raw, where)
    if len(data) != 1:
        raise reader.fail(
            where, "a condition has exactly one of: yes, at_least, score_at_least, all, any"
        )
    ((kind, body),) = data.items()
    if kind == "yes":
        if body not in questions:
            raise reader.fail(where, f"unknown question '{body}'")
        if questions[body].type != "yes_no":
            raise reader.fail(where, f"'{body}' is not a yes/no question")
        return Condition(kind="yes", question=body)
    if kind == "at_least":
        body = reader.mapping(body, f"{where}.at_least")
        question = reader.string(body, "question", f"{where}.at_least")
        if question not in questions:
            raise reader.fail(where, f"unknown question '{question}'")
        if questions[question].type != "number":
            raise reader.fail(where, f"'{question}' is not a number question")
        value = reader.integer(body, "value", f"{where}.at_least")
        return Condition(kind="at_least", question=question, value=value)
    if kind == "score_at_least":
        body = reader.mapping(body, f"{where}.score_at_least")
        names = reader.required(body, "questions", f"{where}.score_at_least")
        if not isinstance(names, list) or not names:
            raise reader.fail(f"{where}.score_at_least.questions", "must be a non-empty list")
        for name in names:
            if name not in questions:
                raise reader.fail(where, f"unknown question '{name}'")
            if questions[name].type != "yes_no":
                raise reader.fail(where, f"'{name}' is not a yes/no question")
        value = reader.integer(body, "value", f"{where}.score_at_least")
        if value == 0:
            raise reader.fail(f"{where}.score_at_least.value", "must be at least 1")
        return Condition(kind="score_at_least", questions=tuple(names), value=value)
    if kind in ("all", "any"):
        if not isinstance(body, list) or not body:
            raise reader.fail(f"{where}.{kind}", "must be a non-empty list of conditions")
        children = tuple(
            _condition(reader, child, f"{where}.{kind}[{index}]", questions)
            for index, child in enumerate(body)
        )
        return Condition(kind=kind, children=children)
    raise reader.fail(where, f"unknown condition '{kind}'")


def instrument_parse(data: Any, *, source: str = "<instrument>") -> Instrument:
    """Validate the decoded JSON of one instrument version and build the Instrument."""
    reader = _Reader(source)
    top = reader.mapping(data, "top level")
    reader.unknown_keys(
        top,
        {
            "slug",
            "version",
            "purpose",
            "title",
            "description",
            "levels",
            "judgement",
            "sections",
            "rules",
        },
        "top level",
    )
    slug = reader.string(top, "slug", "top level")
    if not _SLUG.match(slug):
        raise reader.fail("slug", "use lower-case letters, digits and hyphens")
    version = reader.string(top, "version", "top level")
    if not _VERSION.match(version):
        raise reader.fail("version", "use numbers separated by dots, such as 2026.1")
    purpose = reader.string(top, "purpose", "top level")
    if purpose not in PURPOSES:
        raise reader.fail("purpose", f"must be one of {', '.join(PURPOSES)}")
    judgement = top.get("judgement", True)
    if not isinstance(judgement, bool):
        raise reader.fail("judgement", "must be true or false")

    raw_levels = reader.required(top, "levels", "top level")
    if not isinstance(raw_levels, list) or len(raw_levels) < 2:
        raise reader.fail("levels", "list at least two levels, lowest first")
    levels: list[Level] = []
    for rank, raw in enumerate(raw_levels):
        where = f"levels[{rank}]"
        level_data = reader.mapping(raw, where)
        reader.unknown_keys(level_data, {"id", "label", "acute"}, where)
        acute = level_data.get("acute", False)
        if not isinstance(acute, bool):
            raise reader.fail(f"{where}.acute", "must be true or false")
        levels.append(
            Level(
                id=reader.string(level_data, "id", where),
                label=reader.text(level_data, "label", where),
                rank=rank,
                acute=acute,
            )
        )
    level_ids = [level.id for level in levels]
    if len(set(level_ids)) != len(level_ids):
        raise reader.fail("levels", "level ids must be unique")
    if levels[0].acute:
        raise reader.fail("levels[0]", "the lowest level cannot be acute")

    raw_sections = reader.required(top, "sections", "top level")
    if not isinstance(raw_sections, list) or not raw_sections:
        raise reader.fail("sections", "list at least one section")
    questions: dict[str, Question] = {}
    sections: list[Section] = []
    for index, raw in enumerate(raw_sections):
        where = f"sections[{index}]"
        section_data = reader.mapping(raw, where)
        reader.unknown_keys(
            section_data,
            {"id", "title", "help", "questions", "skippable_when_section_positive"},
            where,
        )
        section_id = reader.string(section_data, "id", where)
        raw_questions = reader.required(section_data, "questions", where)
        if not isinstance(raw_questions, list) or not raw_questions:
            raise reader.fail(f"{where}.questions", "list at least one question")
        section_questions: list[Question] = []
        for q_index, raw_question in enumerate(raw_questions):
            q_where = f"{where}.questions[{q_index}]"
            q_data = reader.mapping(raw_question, q_where)
            reader.unknown_keys(
                q_data, {"id", "type", "text", "short", "weight", "min", "max"}, q_where
            )
            question_id = reader.string(q_data, "id", q_where)
            if question_id in questions:
                raise reader.fail(q_where, f"question id '{question_id}' is used twice")
            answer_type = reader.string(q_data, "type", q_where)
            if answer_type not in ANSWER_TYPES:
                raise reader.fail(f"{q_where}.type", f"must be one of {', '.join(ANSWER_TYPES)}")
            question = Question(
                id=question_id,
                section=section_id,
                type=answer_type,
                text=reader.text(q_data, "text", q_where),
                short=reader.text(q_data, "short", q_where, optional=True),
                weight=reader.integer(q_data, "weight", q_where, default=1),
                min=reader.integer(q_data, "min", q_where, default=0),
                max=reader.integer(q_data, "max", q_where, default=1000),
            )
            if question.min > question.max:
                raise reader.fail(q_where, "min is larger than max")
            questions[question_id] = question
            section_questions.append(question)
        sections.append(
            Section(
                id=section_id,
                title=reader.text(section_data, "title", where),
                help=reader.text(section_data, "help", where, optional=True),
                questions=tuple(section_questions),
                skippable_when_section_positive=section_data.get("skippable_when_section_positive"),
            )
        )
    section_ids = [section.id for section in sections]
    if len(set(section_ids)) != len(section_ids):
        raise reader.fail("sections", "section ids must be unique")
    for section in sections:
        other = section.skippable_when_section_positive
        if other is not None and (other not in section_ids or other == section.id):
            raise reader.fail(
                f"section {section.id}", f"skippable_when_section_positive names '{other}'"
            )

    raw_rules = reader.required(top, "rules", "top level")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise reader.fail("rules", "list at least one rule")
    rules: list[Rule] = []
    for index, raw in enumerate(raw_rules):
        where = f"rules[{index}]"
        rule_data = reader.mapping(raw, where)
        reader.unknown_keys(rule_data, {"id", "section", "level", "when", "explanation"}, where)
        rule_id = reader.string(rule_data, "id", where)
        level = reader.string(rule_data, "level", where)
        if level not in level_ids:
            raise reader.fail(f"{where}.level", f"unknown level '{level}'")
        if level == level_ids[0]:
            raise reader.fail(f"{where}.level", "a rule must lift the outcome above the lowest")
        section_id = reader.string(rule_data, "section", where)
        if section_id not in section_ids:
            raise reader.fail(f"{where}.section", f"unknown section '{section_id}'")
        explanation = reader.text(rule_data, "explanation", where)
        if any("{answers}" not in text for text in explanation.values()):
            raise reader.fail(
                f"{where}.explanation", "must contain {answers}: the answers that decided"
            )
        rules.append(
            Rule(
                id=rule_id,
                section=section_id,
                level=level,
                when=_condition(
                    reader, reader.required(rule_data, "when", where), where, questions
                ),
                explanation=explanation,
            )
        )
    rule_ids = [rule.id for rule in rules]
    if len(set(rule_ids)) != len(rule_ids):
        raise reader.fail("rules", "rule ids must be unique")

    return Instrument(
        slug=slug,
        version=version,
        purpose=purpose,
        title=reader.text(top, "title", "top level"),
        description=reader.text(top, "description", "top level", optional=True),
        levels=tuple(levels),
        sections=tuple(sections),
        rules=tuple(rules),
        judgement=judgement,
        questions=questions,
    )


def instrument_load(path: Path) -> Instrument:
    """Read one instrument file; its name must be `<slug>-<version>.json`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise InstrumentError(f"{path.name}: not valid JSON: {error}") from None
    instrument = instrument_parse(data, source=path.name)
    if path.name != f"{instrument.key}.json":
        raise InstrumentError(
            f"{path.name}: the file must be called {instrument.key}.json "
            "(slug and version from its contents)"
        )
    return instrument


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


@cache
def instruments_all(directory: Path = INSTRUMENT_DIR) -> dict[tuple[str, str], Instrument]:
    """Every instrument version in the directory, by (slug, version)."""
    found: dict[tuple[str, str], Instrument] = {}
    for path in sorted(directory.glob("*.json")):
        instrument = instrument_load(path)
        found[(instrument.slug, instrument.version)] = instrument
    return found


def instrument_get(
    slug: str, version: str | None = None, *, directory: Path = INSTRUMENT_DIR
) -> Instrument:
    """One version of an instrument; the newest when no version is given.

    Raises KeyError when there is no such instrument.
    """
    every = instruments_all(directory)
    if version is not None:
        return every[(slug, version)]
    versions = [instrument for (s, _), instrument in every.items() if s == slug]
    if not versions:
        raise KeyError(slug)
    return max(versions, key=lambda instrument: _version_key(instrument.version))


def instruments_current() -> list[Instrument]:
    """The newest version of each instrument; the safety assessment first."""
    slugs = sorted({slug for slug, _ in instruments_all()})
    current = [instrument_get(slug) for slug in slugs]
    return sorted(current, key=lambda i: (not i.completes_safety_assessment, i.slug))
