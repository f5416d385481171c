"""The scoring engine on the two shipped instruments, as plain functions (no database)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safety_assessment import scoring
from safety_assessment.instrument_loader import Instrument, instrument_get

VEILIG_THUIS = instrument_get("veilig-thuis")
CHECKLIST = instrument_get("risk-checklist")
INSTRUMENTS = [VEILIG_THUIS, CHECKLIST]


def rank(instrument: Instrument, level: str) -> int:
    return instrument.level(level).rank


def answers_for(instrument: Instrument) -> st.SearchStrategy[dict]:
    """Any mix of yes, no, numbers and unanswered questions."""
    per_question = {}
    for question in instrument.questions.values():
        if question.type == "yes_no":
            per_question[question.id] = st.sampled_from([True, False, None])
        else:
            per_question[question.id] = st.one_of(
                st.none(), st.integers(min_value=question.min, max_value=min(question.max, 12))
            )
    return st.fixed_dictionaries(per_question)


instrument_and_answers = st.sampled_from(INSTRUMENTS).flatmap(
    lambda instrument: st.tuples(st.just(instrument), answers_for(instrument))
)


def more_risk(instrument: Instrument, answers: dict, question_id: str, extra: int) -> dict:
    """The same answers with one more risk answer: a yes, or a higher number."""
    question = instrument.questions[question_id]
    changed = dict(answers)
    if question.type == "yes_no":
        changed[question_id] = True
    else:
        changed[question_id] = min((answers.get(question_id) or 0) + extra, question.max)
    return changed


def without(answers: dict, question_id: str) -> dict:
    changed = dict(answers)
    changed[question_id] = None
    return changed


# --- properties --------------------------------------------------------------------------


# Other suites share this machine; a slow example is not a failure, so no deadline.
@settings(max_examples=300, deadline=None)
@given(instrument_and_answers, st.data())
def test_adding_a_risk_answer_never_lowers_the_level(case, data):
    instrument, answers = case
    question_id = data.draw(st.sampled_from(sorted(instrument.questions)))
    extra = data.draw(st.integers(min_value=1, max_value=10))
    before = scoring.score(instrument, answers)
    after = scoring.score(instrument, more_risk(instrument, answers, question_id, extra))
    assert rank(instrument, after.level) >= rank(instrument, before.level)


@settings(max_examples=300, deadline=None)
@given(instrument_and_answers, st.data())
def test_professional_judgement_never_lowers_the_level(case, data):
    instrument, answers = case
    judged = data.draw(st.sampled_from([level.id for level in instrument.levels]))
    without_judgement = scoring.score(instrument, answers)
    with_judgement = scoring.score(instrument, answers, judgement_level=judged)
    assert rank(instrument, with_judgement.level) >= rank(instrument, without_judgement.level)
    assert rank(instrument, with_judgement.level) == max(
        rank(instrument, without_judgement.level), rank(instrument, judged)
    )
    # Judgement never changes what the answers themselves computed.
    assert with_judgement.computed_level == without_judgement.level


@settings(max_examples=300, deadline=None)
@given(instrument_and_answers, st.sampled_from(["nl", "en"]))
def test_the_explanation_names_every_answer_that_decided_the_level(case, language):
    instrument, answers = case
    outcome = scoring.score(instrument, answers)
    explanation = " ".join(scoring.explain(instrument, outcome, language))
    computed = rank(instrument, outcome.computed_level)
    for question_id, value in answers.items():
        if value is None or value is False:
            continue
        # An answer decided the level when taking it away would lower the level.
        if (
            rank(instrument, scoring.score(instrument, without(answers, question_id)).level)
            < computed
        ):
            assert question_id in outcome.deciding_question_ids
            named = scoring.answer_in_words(instrument, question_id, value, language)
            assert named in explanation
    # And the named answers are enough on their own to reach the level.
    only_named = {
        question_id: value
        for finding in outcome.findings
        if finding.level == outcome.computed_level
        for question_id, value in finding.answers
    }
    assert scoring.score(instrument, only_named).level == outcome.computed_level


@settings(max_examples=200, deadline=None)
@given(instrument_and_answers)
def test_every_named_answer_is_a_risk_answer_that_was_given(case):
    instrument, answers = case
    outcome = scoring.score(instrument, answers)
    for finding in outcome.findings:
        for question_id, value in finding.answers:
            assert answers[question_id] == value
            assert value is True or (isinstance(value, int) and value > 0)


# --- the Veilig Thuis assessment ----------------------------------------------------------


def vt_answers(**yes_or_numbers) -> dict:
    answers = {q.id: (False if q.type == "yes_no" else 0) for q in VEILIG_THUIS.questions.values()}
    answers.update(yes_or_numbers)
    return answers


def test_a_childs_disclosure_is_acute_on_its_own():
    outcome = scoring.score(VEILIG_THUIS, vt_answers(a_child_disclosure=True))
    assert outcome.level == "acute"
    assert outcome.acute
    assert outcome.deciding_question_ids == ("a_child_disclosure",)
    assert "onthulling door een kind" in " ".join(scoring.explain(VEILIG_THUIS, outcome))


def test_a_weapon_is_acute_when_the_perpetrator_has_access_to_the_victim():
    assert scoring.score(VEILIG_THUIS, vt_answers(a_weapon=True)).level == "none"
    outcome = scoring.score(VEILIG_THUIS, vt_answers(a_weapon=True, a_perpetrator_access=True))
    assert outcome.level == "acute"
    assert set(outcome.deciding_question_ids) == {"a_weapon", "a_perpetrator_access"}


def test_two_incidents_in_a_year_are_structural_unsafety():
    assert scoring.score(VEILIG_THUIS, vt_answers(b_incidents_12m=1)).level == "none"
    outcome = scoring.score(VEILIG_THUIS, vt_answers(b_incidents_12m=2))
    assert outcome.level == "structural"
    assert not outcome.acute
    explanation = scoring.explain(VEILIG_THUIS, outcome, "en")
    assert "incidents in the last 12 months: 2" in " ".join(explanation)


def test_section_c_may_be_skipped_once_section_b_is_positive():
    answers = vt_answers(b_repeated=True)
    for question in VEILIG_THUIS.section("C").questions:
        answers[question.id] = None
    assert scoring.answer_problems(VEILIG_THUIS, answers, complete=True) == {}
    answers["b_repeated"] = False
    problems = scoring.answer_problems(VEILIG_THUIS, answers, complete=True)
    assert set(problems) == {q.id for q in VEILIG_THUIS.section("C").questions}
    assert set(problems.values()) == {"missing"}


def test_sections_a_and_b_must_always_be_answered_to_decide():
    problems = scoring.answer_problems(VEILIG_THUIS, {}, complete=True)
    assert "a_immediate_danger" in problems
    assert "b_incidents_12m" in problems
    assert scoring.answer_problems(VEILIG_THUIS, {}, complete=False) == {}


def test_a_number_out_of_range_or_a_word_for_yes_is_a_problem():
    # Any: a word where a bool belongs is what this test feeds in, as a form could.
    answers: dict[str, Any] = {"b_incidents_12m": -1, "a_weapon": "ja"}
    problems = scoring.answer_problems(VEILIG_THUIS, answers, complete=False)
    assert problems == {"b_incidents_12m": "out_of_range", "a_weapon": "not_yes_no"}


def test_three_problems_at_once_are_a_harmful_multi_problem_situation():
    outcome = scoring.score(
        VEILIG_THUIS, vt_answers(c_addiction=True, c_debts=True, c_isolation=True)
    )
    assert outcome.level == "multi_problem"
    assert "3 problemen tegelijk" in " ".join(scoring.explain(VEILIG_THUIS, outcome))


def test_no_risk_answers_explain_that_nothing_lifted_the_outcome():
    outcome = scoring.score(VEILIG_THUIS, vt_answers())
    assert outcome.level == "none"
    assert scoring.explain(VEILIG_THUIS, outcome)[1].startswith("Geen antwoord tilt")


def test_judgement_raises_the_level_and_says_so():
    outcome = scoring.score(VEILIG_THUIS, vt_answers(), judgement_level="structural")
    assert (outcome.computed_level, outcome.level) == ("none", "structural")
    assert "verhoogt de uitkomst" in scoring.explain(VEILIG_THUIS, outcome)[-1]


def test_judgement_below_the_outcome_is_recorded_but_does_not_lower_it():
    outcome = scoring.score(VEILIG_THUIS, vt_answers(a_immediate_danger=True), "none")
    assert outcome.level == "acute"
    assert "verlaagt de uitkomst niet" in scoring.explain(VEILIG_THUIS, outcome)[-1]


def test_an_unknown_judgement_level_is_refused():
    with pytest.raises(KeyError):
        scoring.score(VEILIG_THUIS, {}, judgement_level="catastrophic")


def test_an_outcome_survives_storage_as_data():
    outcome = scoring.score(VEILIG_THUIS, vt_answers(a_child_disclosure=True, b_incidents_12m=4))
    assert scoring.Outcome.from_data(outcome.as_data()) == outcome


# --- the risk checklist ---------------------------------------------------------------------


def checklist_answers(yes_count: int, incidents: int = 0) -> dict:
    risk_questions = [q.id for q in CHECKLIST.section("R").questions]
    answers: dict[str, scoring.Answer] = {
        question_id: index < yes_count for index, question_id in enumerate(risk_questions)
    }
    answers["r_incidents_12m"] = incidents
    return answers


def test_the_checklist_has_24_questions():
    assert len(CHECKLIST.section("R").questions) == 24


@pytest.mark.parametrize(
    ("yes_count", "level"),
    [(0, "standard"), (9, "standard"), (10, "medium"), (13, "medium"), (14, "high"), (24, "high")],
)
def test_fourteen_or_more_is_high_and_ten_to_thirteen_is_medium(yes_count, level):
    assert scoring.score(CHECKLIST, checklist_answers(yes_count)).level == level


def test_three_incidents_in_twelve_months_count_as_escalation():
    assert scoring.score(CHECKLIST, checklist_answers(0, incidents=2)).level == "standard"
    outcome = scoring.score(CHECKLIST, checklist_answers(0, incidents=3))
    assert outcome.level == "high"
    assert outcome.deciding_question_ids == ("r_incidents_12m",)
    assert "escalatie" in scoring.explain(CHECKLIST, outcome)[1]


def test_a_high_score_names_all_fourteen_answers():
    outcome = scoring.score(CHECKLIST, checklist_answers(14))
    assert len(outcome.deciding_question_ids) == 14
    assert "14 keer ja" in scoring.explain(CHECKLIST, outcome)[1]


def test_a_checklist_outcome_is_never_acute_by_itself():
    assert not scoring.score(CHECKLIST, checklist_answers(24, incidents=9)).acute
