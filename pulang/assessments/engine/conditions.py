"""The condition language of instruments: a small tree of tests, never ``eval``.

In a file a condition is one of::

    {"all": [c, ...]}   {"any": [c, ...]}   {"not": c}   {"at_least": 2, "of": [c, ...]}
    {"answer": "q_id", "<op>": operand}     {"fact": "age", "<op>": operand}
    {"level": "health", "<op>": "medium"}

Answer and fact operators: ``equals``, ``in``, ``gte``, ``lte``, ``gt``, ``lt``,
``is`` (``"answered"`` / ``"unanswered"``), and for several-choice questions
``includes``, ``includes_any`` and ``count_gte`` (optionally counting only the values
listed in ``among``). Level operators: ``equals``, ``gte``, ``lte``.

A test on a question that was not answered (or was hidden) is false, except
``is: "unanswered"``. Evaluation is three-valued so that the loader can search for an
answer set that makes a condition true while some answers are still open (``None``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final, Literal

from pulang.assessments.codes import LEVEL_RANK

VALUE_OPS: Final = ("equals", "in", "gte", "lte", "gt", "lt", "is")
CHOICES_OPS: Final = ("includes", "includes_any", "count_gte", "is")
LEVEL_OPS: Final = ("equals", "gte", "lte")


class _Unknown:
    """A value not chosen yet (only while the loader searches for reachable answers)."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()


@dataclass(frozen=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


@dataclass(frozen=True)
class AtLeast:
    count: int
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnswerTest:
    question: str
    op: str
    operand: Any
    among: tuple[str, ...] | None = None


@dataclass(frozen=True)
class FactTest:
    fact: str
    op: str
    operand: Any


@dataclass(frozen=True)
class LevelTest:
    dimension: str
    op: str
    level: str


Condition = AllOf | AnyOf | Not | AtLeast | AnswerTest | FactTest | LevelTest

VariableKind = Literal["answer", "fact", "level"]
# Returns the value of a variable, ``None`` when unanswered, ``UNKNOWN`` when undecided.
Lookup = Callable[[VariableKind, str], Any]


def variables(condition: Condition) -> Iterator[tuple[VariableKind, str]]:
    """Every answer, fact and level a condition reads."""
    match condition:
        case AllOf(items) | AnyOf(items) | AtLeast(_, items):
            for item in items:
                yield from variables(item)
        case Not(item):
            yield from variables(item)
        case AnswerTest(question=question):
            yield "answer", question
        case FactTest(fact=fact):
            yield "fact", fact
        case LevelTest(dimension=dimension):
            yield "level", dimension


def truth(condition: Condition, lookup: Lookup) -> bool | None:
    """True, False, or None when undecided because some value it reads is ``UNKNOWN``."""
    match condition:
        case AllOf(items):
            results = [truth(item, lookup) for item in items]
            if False in results:
                return False
            return True if all(r is True for r in results) else None
        case AnyOf(items):
            results = [truth(item, lookup) for item in items]
            if True in results:
                return True
            return False if all(r is False for r in results) else None
        case Not(item):
            result = truth(item, lookup)
            return None if result is None else not result
        case AtLeast(count, items):
            results = [truth(item, lookup) for item in items]
            true = sum(1 for r in results if r is True)
            open_ = sum(1 for r in results if r is None)
            if true >= count:
                return True
            return False if true + open_ < count else None
        case AnswerTest(question, op, operand, among):
            return _test(lookup("answer", question), op, operand, among)
        case FactTest(fact, op, operand):
            return _test(lookup("fact", fact), op, operand, None)
        case LevelTest(dimension, op, level):
            value = lookup("level", dimension)
            if value is UNKNOWN:
                return None
            rank, wanted = LEVEL_RANK[value], LEVEL_RANK[level]
            if op == "gte":
                return rank >= wanted
            if op == "lte":
                return rank <= wanted
            return rank == wanted
    raise AssertionError(f"not a condition: {condition!r}")  # pragma: no cover


def holds(condition: Condition | None, lookup: Lookup) -> bool:
    """Two-valued evaluation on complete data; no condition always holds."""
    return condition is None or truth(condition, lookup) is True


def _same_kind(a: Any, b: Any) -> bool:
    # ``True == 1`` in Python: a yes/no answer never equals a number, nor the reverse.
    return isinstance(a, bool) == isinstance(b, bool)


def _test(value: Any, op: str, operand: Any, among: tuple[str, ...] | None) -> bool | None:
    if value is UNKNOWN:
        return None
    if op == "is":
        return bool((value is None) == (operand == "unanswered"))
    if value is None:
        return False
    if op == "equals":
        return bool(_same_kind(value, operand) and value == operand)
    if op == "in":
        return any(_same_kind(value, item) and value == item for item in operand)
    if op in ("gte", "lte", "gt", "lt"):
        numbers = isinstance(value, int | float) and isinstance(operand, int | float)
        if isinstance(value, bool) or (type(value) is not type(operand) and not numbers):
            return False
        if op == "gte":
            return bool(value >= operand)
        if op == "lte":
            return bool(value <= operand)
        if op == "gt":
            return bool(value > operand)
        return bool(value < operand)
    if not isinstance(value, list):
        return False
    if op == "includes":
        return bool(operand in value)
    if op == "includes_any":
        return any(item in value for item in operand)
    if op == "count_gte":
        return bool(sum(1 for item in value if among is None or item in among) >= operand)
    raise AssertionError(f"unknown operator {op!r}")  # pragma: no cover
