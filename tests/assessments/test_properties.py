"""Random answer sets never crash the engine, and more risk never lowers the result."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pulang.assessments.codes import LEVEL_RANK, PRIORITY_RANK, AnswerType
from pulang.assessments.engine import Instrument, Question, check_answers, score
from pulang.assessments.engine.definition import DECLINED
from tests.assessments.helpers import TODAY, shipped

INSTRUMENTS = [shipped("vulnerability_screen"), shipped("needs_assessment")]
FACTS = st.fixed_dictionaries(
    {"sex": st.sampled_from(["F", "M", "X"]), "age": st.one_of(st.none(), st.integers(10, 80))}
)
JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=5,
)


def valid_answer(question: Question) -> st.SearchStrategy[Any]:
    kind = question.type
    if kind == AnswerType.YES_NO:
        values: list[Any] = [True, False] + ([DECLINED] if question.allow_decline else [])
        return st.sampled_from(values)
    if kind == AnswerType.SINGLE_CHOICE:
        return st.sampled_from(question.choice_values)
    if kind == AnswerType.MULTIPLE_CHOICE:
        plain = [c.value for c in question.choices if not c.exclusive]
        exclusive = [[c.value] for c in question.choices if c.exclusive]
        return st.lists(st.sampled_from(plain), min_size=1, unique=True) | st.sampled_from(
            exclusive or [[plain[0]]]
        )
    return st.text(max_size=20)


def answer_sets(instrument: Instrument) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {},
        optional={q.id: valid_answer(q) for q in instrument.questions.values()},
    )


@pytest.mark.parametrize("instrument", INSTRUMENTS, ids=lambda i: i.code)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_random_answers_never_crash(instrument: Instrument, data: st.DataObject) -> None:
    answers = data.draw(
        st.dictionaries(
            st.sampled_from([*instrument.questions, "unknown"]) | st.text(max_size=4), JUNK
        )
        | answer_sets(instrument)
    )
    facts = data.draw(FACTS)
    checked = check_answers(instrument, answers, facts=facts, today=TODAY)
    result = score(instrument, checked.answers, facts=facts, dropped=checked.dropped)
    assert result.priority in PRIORITY_RANK
    assert set(result.levels) == set(instrument.dimensions)
    assert {p.question for p in checked.problems} <= {str(k) for k in answers} | set(
        instrument.questions
    )


def outcome(instrument: Instrument, answers: dict[str, Any], facts: dict[str, Any]) -> Any:
    checked = check_answers(instrument, answers, facts=facts, today=TODAY)
    return score(instrument, checked.answers, facts=facts)


@pytest.mark.parametrize("instrument", INSTRUMENTS, ids=lambda i: i.code)
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_more_risk_never_lowers_priority_or_levels(
    instrument: Instrument, data: st.DataObject
) -> None:
    answers = data.draw(answer_sets(instrument))
    facts = data.draw(FACTS)
    risky = [q for q in instrument.questions.values() if q.risk_values()]
    question = data.draw(st.sampled_from(risky))
    risk = data.draw(st.sampled_from(question.risk_values()))
    worse = dict(answers)
    before = answers.get(question.id)
    if question.type == AnswerType.MULTIPLE_CHOICE:
        exclusive = {c.value for c in question.choices if c.exclusive}
        kept = [v for v in (before or []) if v not in exclusive]
        worse[question.id] = [*kept, risk] if risk not in kept else kept
    elif before in question.risk_values():
        return  # replacing one risk answer by another is not "more risk"
    else:
        worse[question.id] = risk
    first, second = outcome(instrument, answers, facts), outcome(instrument, worse, facts)
    assert PRIORITY_RANK[second.priority] >= PRIORITY_RANK[first.priority]
    for dimension, level in first.levels.items():
        assert LEVEL_RANK[second.levels[dimension]] >= LEVEL_RANK[level], dimension
