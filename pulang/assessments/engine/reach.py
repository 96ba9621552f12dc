"""Can every question be shown, and can every rule fire, for some set of answers?

A question whose skip logic can never hold would never be asked (a required one would
silently never be required); a rule that can never fire hides a mistake in the file.
Both are found by searching the answers the condition depends on, in the order the
questions are asked, with three-valued evaluation cutting the search short as soon as
the outcome is decided. Hidden questions can only be unanswered, and a required question
that is shown is always answered, as in a real submission.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from pulang.assessments.codes import FACT_VALUES, AnswerType, Fact, NeedLevel
from pulang.assessments.engine.conditions import (
    UNKNOWN,
    AnswerTest,
    Condition,
    FactTest,
    VariableKind,
    truth,
    variables,
)
from pulang.assessments.engine.definition import DECLINED, Instrument, Question

# Past this many steps the search gives up without reporting anything (it proves, never
# guesses); the instruments shipped need a few hundred at most.
STEP_LIMIT = 200_000

Variable = tuple[VariableKind, str]


class _GaveUp(Exception):
    pass


def unreachable(instrument: Instrument) -> list[str]:
    """A problem for every question that can never be shown and every rule that can
    never fire."""
    thresholds = _thresholds(instrument)
    problems: list[str] = []
    for question in instrument.questions.values():
        if question.show_if is None:
            continue
        if _satisfiable(instrument, question.show_if, thresholds) is False:
            required = "required " if question.required else ""
            problems.append(
                f"question {question.id!r} show_if: no answers to earlier questions can make "
                f"it true, so this {required}question can never be asked"
            )
    for rule in instrument.rules():
        if _satisfiable(instrument, rule.when, thresholds) is False:
            problems.append(f"rule {rule.id!r} when: no set of answers can make it true")
    return problems


def _satisfiable(
    instrument: Instrument, condition: Condition, thresholds: dict[Variable, list[Any]]
) -> bool | None:
    """True or False when decided; None when the search gave up."""
    order = _variables_in_order(instrument, condition)
    assignment: dict[Variable, Any] = {}
    steps = 0

    def lookup(kind: VariableKind, name: str) -> Any:
        return assignment.get((kind, name), UNKNOWN)

    def search(index: int) -> bool:
        nonlocal steps
        steps += 1
        if steps > STEP_LIMIT:
            raise _GaveUp
        decided = truth(condition, lookup)
        if decided is not None or index == len(order):
            return decided is True
        variable = order[index]
        for value in _domain(instrument, variable, thresholds, lookup):
            assignment[variable] = value
            if search(index + 1):
                return True
            del assignment[variable]
        return False

    try:
        return search(0)
    except _GaveUp:
        return None


def _variables_in_order(instrument: Instrument, condition: Condition) -> list[Variable]:
    """The variables the condition reads, with the questions their skip logic reads
    (transitively): facts first (known before any question), then questions in the order
    they are asked, then levels (scored from the answers)."""
    wanted: set[Variable] = set()
    todo = list(variables(condition))
    while todo:
        variable = todo.pop()
        if variable in wanted:
            continue
        wanted.add(variable)
        if variable[0] == "answer":
            show_if = instrument.questions[variable[1]].show_if
            if show_if is not None:
                todo.extend(variables(show_if))
    facts = sorted(v for v in wanted if v[0] == "fact")
    questions: list[Variable] = [
        ("answer", q) for q in instrument.questions if ("answer", q) in wanted
    ]
    levels = sorted(v for v in wanted if v[0] == "level")
    return [*facts, *questions, *levels]


def _domain(
    instrument: Instrument,
    variable: Variable,
    thresholds: dict[Variable, list[Any]],
    lookup: Any,
) -> Iterator[Any]:
    kind, name = variable
    if kind == "level":
        yield from NeedLevel.values
        return
    if kind == "fact":
        yield None
        yield from FACT_VALUES.get(name, ()) or _numbers(thresholds.get(variable, []), None)
        return
    question = instrument.questions[name]
    shown = question.show_if is None or truth(question.show_if, lookup) is True
    if not shown or not question.required:
        yield None
    if shown:
        yield from _answers(question, thresholds.get(variable, []))


def _answers(question: Question, thresholds: list[Any]) -> Iterator[Any]:
    kind = question.type
    if kind == AnswerType.YES_NO:
        yield from (True, False, DECLINED) if question.allow_decline else (True, False)
    elif kind == AnswerType.SINGLE_CHOICE:
        yield from question.choice_values
    elif kind == AnswerType.MULTIPLE_CHOICE:
        for value in question.choice_values:
            yield [value]
        yield [c.value for c in question.choices if not c.exclusive]
    elif kind == AnswerType.NUMBER:
        yield from _numbers(thresholds, question)
    elif kind == AnswerType.DATE:
        yield from _dates(thresholds)
    else:
        yield "text"


def _numbers(thresholds: list[Any], question: Question | None) -> Iterator[int | float]:
    low = question.minimum if question else 0
    high = question.maximum if question else None
    step = 1 if question is None or question.integer else 0.5
    candidates = {0, *(t + d for t in thresholds for d in (-step, 0, step))}
    if low is not None:
        candidates.add(low)
    if high is not None:
        candidates.add(high)
    for value in sorted(candidates):
        within = (low is None or value >= low) and (high is None or value <= high)
        whole = question is None or not question.integer or float(value).is_integer()
        if within and whole:
            yield value


def _dates(thresholds: list[Any]) -> Iterator[str]:
    found = {"2000-01-01"}
    for text in thresholds:
        day = dt.date.fromisoformat(text)
        found.update((day + dt.timedelta(days=d)).isoformat() for d in (-1, 0, 1))
    yield from sorted(found)


def _thresholds(instrument: Instrument) -> dict[Variable, list[Any]]:
    """The numbers and dates each question or fact is compared with anywhere."""
    found: dict[Variable, list[Any]] = {}

    def walk(condition: Condition) -> None:
        match condition:
            case AnswerTest(question, op, operand) if op in ("equals", "gte", "lte", "gt", "lt"):
                found.setdefault(("answer", question), []).append(operand)
            case AnswerTest(question, "in", operand):
                found.setdefault(("answer", question), []).extend(operand)
            case FactTest(fact, op, operand) if fact == Fact.AGE and op != "is":
                values = operand if op == "in" else (operand,)
                found.setdefault(("fact", fact), []).extend(values)
            case _:
                for child in getattr(condition, "items", ()):
                    walk(child)
                if hasattr(condition, "item"):
                    walk(condition.item)

    for question in instrument.questions.values():
        if question.show_if is not None:
            walk(question.show_if)
    for rule in instrument.rules():
        walk(rule.when)
    return {
        key: [v for v in values if not isinstance(v, bool) and isinstance(v, int | float | str)]
        for key, values in found.items()
    }
