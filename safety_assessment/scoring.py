"""The scoring engine: answers in, level and explanation out. Pure functions, no Django.

- The outcome is the highest level any rule reaches; no rule means the lowest level.
- Professional judgement can raise that level and never lower it.
- Every rule that fired becomes a finding that names the answers that made it fire; the
  explanation is those findings in words, highest level first, so a reader sees which
  answers led to which level.

Answers are a mapping of question id to True/False (yes/no questions), a whole number
(number questions), or None/absent (not answered, which counts as no risk).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from safety_assessment.instrument_loader import Condition, Instrument, Question, text_in

Answer = bool | int | None
Answers = Mapping[str, Answer]


@dataclass(frozen=True)
class Finding:
    """A rule that fired, with the answers (question id, value) that made it fire."""

    rule_id: str
    level: str
    answers: tuple[tuple[str, bool | int], ...]
    score: int | None = None

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(question_id for question_id, _ in self.answers)


@dataclass(frozen=True)
class Outcome:
    instrument: str
    level: str
    computed_level: str
    judgement_level: str | None
    findings: tuple[Finding, ...]
    acute: bool

    @property
    def raised_by_judgement(self) -> bool:
        return self.level != self.computed_level

    @property
    def deciding_question_ids(self) -> tuple[str, ...]:
        """The answers that decided the computed level (every finding at that level)."""
        seen: dict[str, None] = {}
        for finding in self.findings:
            if finding.level == self.computed_level:
                seen.update(dict.fromkeys(finding.question_ids))
        return tuple(seen)

    def as_data(self) -> dict[str, Any]:
        """A JSON-able record of the outcome, stored (encrypted) with the assessment."""
        return {
            "instrument": self.instrument,
            "level": self.level,
            "computed_level": self.computed_level,
            "judgement_level": self.judgement_level,
            "acute": self.acute,
            "findings": [
                {
                    "rule": finding.rule_id,
                    "level": finding.level,
                    "answers": [[question_id, value] for question_id, value in finding.answers],
                    "score": finding.score,
                }
                for finding in self.findings
            ],
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Outcome:
        return cls(
            instrument=data["instrument"],
            level=data["level"],
            computed_level=data["computed_level"],
            judgement_level=data.get("judgement_level"),
            acute=bool(data.get("acute")),
            findings=tuple(
                Finding(
                    rule_id=item["rule"],
                    level=item["level"],
                    answers=tuple((question_id, value) for question_id, value in item["answers"]),
                    score=item.get("score"),
                )
                for item in data.get("findings", [])
            ),
        )


# --- evaluating conditions ------------------------------------------------------------------


def _is_yes(value: Answer) -> bool:
    return value is True


def _number(value: Answer) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _evaluate(
    condition: Condition, answers: Answers, instrument: Instrument
) -> tuple[bool, dict[str, bool | int], int | None]:
    """(fired, the answers that made it fire, the score of a score condition)."""
    if condition.kind == "yes":
        question = condition.question or ""
        if _is_yes(answers.get(question)):
            return True, {question: True}, None
        return False, {}, None
    if condition.kind == "at_least":
        question = condition.question or ""
        number = _number(answers.get(question))
        if number is not None and number >= condition.value:
            return True, {question: number}, None
        return False, {}, None
    if condition.kind == "score_at_least":
        counted: dict[str, bool | int] = {
            question_id: True
            for question_id in condition.questions
            if _is_yes(answers.get(question_id)) and instrument.questions[question_id].weight > 0
        }
        total = sum(instrument.questions[question_id].weight for question_id in counted)
        if total >= condition.value:
            return True, counted, total
        return False, {}, total
    results = [_evaluate(child, answers, instrument) for child in condition.children]
    if condition.kind == "all":
        fired = all(result[0] for result in results)
    else:
        fired = any(result[0] for result in results)
    if not fired:
        return False, {}, None
    deciding: dict[str, bool | int] = {}
    score: int | None = None
    for child_fired, child_answers, child_score in results:
        if child_fired:
            deciding.update(child_answers)
            score = child_score if child_score is not None else score
    return True, deciding, score


def findings_for(instrument: Instrument, answers: Answers) -> list[Finding]:
    """Every rule that fires on these answers, highest level first (then file order)."""
    found = []
    for rule in instrument.rules:
        fired, deciding, score = _evaluate(rule.when, answers, instrument)
        if fired:
            found.append(
                Finding(
                    rule_id=rule.id, level=rule.level, answers=tuple(deciding.items()), score=score
                )
            )
    return sorted(found, key=lambda finding: -instrument.level(finding.level).rank)


def score(instrument: Instrument, answers: Answers, judgement_level: str | None = None) -> Outcome:
    """The outcome of `answers` on `instrument`, with professional judgement applied."""
    findings = findings_for(instrument, answers)
    computed = instrument.lowest_level
    for finding in findings:
        level = instrument.level(finding.level)
        if level.rank > computed.rank:
            computed = level
    final = computed
    if judgement_level:
        if not instrument.judgement:
            raise ValueError(f"{instrument.key} does not take professional judgement")
        judged = instrument.level(judgement_level)  # KeyError for an unknown level
        if judged.rank > final.rank:
            final = judged
    return Outcome(
        instrument=instrument.key,
        level=final.id,
        computed_level=computed.id,
        judgement_level=judgement_level or None,
        findings=tuple(findings),
        acute=final.acute,
    )


# --- what must be answered ------------------------------------------------------------------


def positive_sections(instrument: Instrument, answers: Answers) -> set[str]:
    """Sections in which at least one rule fired."""
    fired = {finding.rule_id for finding in findings_for(instrument, answers)}
    return {rule.section for rule in instrument.rules if rule.id in fired}


def skipped_sections(instrument: Instrument, answers: Answers) -> set[str]:
    """Sections that may be left unanswered: C once B is positive, for example."""
    positive = positive_sections(instrument, answers)
    return {
        section.id
        for section in instrument.sections
        if section.skippable_when_section_positive in positive
    }


def answer_problems(instrument: Instrument, answers: Answers, *, complete: bool) -> dict[str, str]:
    """Problems per question id: 'missing', 'not_yes_no', 'not_a_number', 'out_of_range'.

    With complete=False (a draft) unanswered questions are fine.
    """
    problems: dict[str, str] = {}
    skipped = skipped_sections(instrument, answers) if complete else set()
    for section in instrument.sections:
        for question in section.questions:
            value = answers.get(question.id)
            if value is None:
                if complete and section.id not in skipped:
                    problems[question.id] = "missing"
                continue
            problem = _type_problem(question, value)
            if problem:
                problems[question.id] = problem
    return problems


def _type_problem(question: Question, value: Any) -> str | None:
    if question.type == "yes_no":
        return None if isinstance(value, bool) else "not_yes_no"
    if isinstance(value, bool) or not isinstance(value, int):
        return "not_a_number"
    if not question.min <= value <= question.max:
        return "out_of_range"
    return None


def answers_clean(instrument: Instrument, answers: Answers) -> dict[str, bool | int]:
    """Only the answered questions this instrument knows, in the instrument's order."""
    return {
        question_id: value
        for question_id in instrument.questions
        if (value := answers.get(question_id)) is not None
    }


# --- the explanation in words ---------------------------------------------------------------

_PHRASES = {
    "outcome": {"nl": "Uitkomst: {level}.", "en": "Outcome: {level}."},
    "nothing": {
        "nl": "Geen antwoord tilt de uitkomst boven “{level}”.",
        "en": "No answer lifts the outcome above “{level}”.",
    },
    "raised": {
        "nl": "Het professionele oordeel verhoogt de uitkomst van “{computed}” naar “{level}”.",
        "en": "Professional judgement raises the outcome from “{computed}” to “{level}”.",
    },
    "not_lowered": {
        "nl": "Het professionele oordeel (“{judged}”) verlaagt de uitkomst niet.",
        "en": "Professional judgement (“{judged}”) does not lower the outcome.",
    },
    "yes": {"nl": "ja", "en": "yes"},
}


def _phrase(key: str, language: str, **values: str) -> str:
    template = text_in(_PHRASES[key], language)
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template


def answer_in_words(
    instrument: Instrument, question_id: str, value: bool | int, language: str
) -> str:
    question = instrument.questions[question_id]
    name = text_in(question.short or question.text, language)
    if question.type == "number":
        return f"{name}: {value}"
    return name


def explain(instrument: Instrument, outcome: Outcome, language: str = "nl") -> list[str]:
    """The outcome in sentences: the level, then each finding naming its answers."""
    level = instrument.level(outcome.level)
    sentences = [_phrase("outcome", language, level=text_in(level.label, language))]
    for finding in outcome.findings:
        rule = next(rule for rule in instrument.rules if rule.id == finding.rule_id)
        named = "; ".join(
            answer_in_words(instrument, question_id, value, language)
            for question_id, value in finding.answers
        )
        sentence = text_in(rule.explanation, language).replace("{answers}", named)
        sentence = sentence.replace("{score}", str(finding.score or 0))
        sentences.append(sentence)
    computed = instrument.level(outcome.computed_level)
    if not outcome.findings:
        sentences.append(_phrase("nothing", language, level=text_in(computed.label, language)))
    if outcome.judgement_level:
        judged = instrument.level(outcome.judgement_level)
        if outcome.raised_by_judgement:
            sentences.append(
                _phrase(
                    "raised",
                    language,
                    computed=text_in(computed.label, language),
                    level=text_in(level.label, language),
                )
            )
        elif judged.rank < computed.rank:
            sentences.append(
                _phrase("not_lowered", language, judged=text_in(judged.label, language))
            )
    return sentences
