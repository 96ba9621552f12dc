"""An instrument as the engine reads it: sections of questions, and the rules that score
the answers. Built from a file by :func:`pulang.assessments.engine.loader.load_definition`,
which checks everything first; nothing here is ever built from unchecked data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pulang.assessments.codes import AnswerType
from pulang.assessments.engine.conditions import Condition

# Every text in an instrument comes in each of these languages (English and Bahasa
# Indonesia are complete from the start; other ASEAN languages may be added beside them).
REQUIRED_LANGUAGES = ("en", "id")
DECLINED = "declined"

Text = dict[str, str]


@dataclass(frozen=True, eq=False)
class Choice:
    value: str
    label: Text
    # "None of these": cannot be chosen together with another choice.
    exclusive: bool = False
    # Choosing it signals a risk (used to check that more risk never lowers priority).
    risk: bool = False


@dataclass(frozen=True, eq=False)
class Question:
    id: str
    section: str
    type: AnswerType
    text: Text
    help: Text | None = None
    required: bool = False
    show_if: Condition | None = None
    choices: tuple[Choice, ...] = ()
    minimum: int | float | None = None
    maximum: int | float | None = None
    integer: bool = False
    not_future: bool = False
    max_length: int = 1000
    # Sensitive yes/no questions may be declined ("prefer not to say").
    allow_decline: bool = False
    # For yes/no questions: the answer that signals a risk, if any.
    risk_answer: bool | None = None

    @property
    def choice_values(self) -> tuple[str, ...]:
        return tuple(choice.value for choice in self.choices)

    def risk_values(self) -> tuple[Any, ...]:
        """The answers (or, for several choices, the values) that signal a risk."""
        if self.type == AnswerType.YES_NO:
            return () if self.risk_answer is None else (self.risk_answer,)
        return tuple(choice.value for choice in self.choices if choice.risk)


@dataclass(frozen=True, eq=False)
class Section:
    id: str
    title: Text
    help: Text | None
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Recommendation:
    service: str
    agency: str


@dataclass(frozen=True, eq=False)
class Rule:
    """One scoring rule: when ``when`` holds it sets a need level for a dimension, or a
    priority, or only recommends, or makes the assessment restricted; ``reason`` says
    why, in words a returnee and an officer understand."""

    id: str
    when: Condition
    reason: Text
    dimension: str | None = None
    level: str | None = None
    priority: str | None = None
    recommend: tuple[Recommendation, ...] = ()


@dataclass(frozen=True, eq=False)
class Instrument:
    code: str
    version: int
    kind: str
    title: Text
    help: Text | None
    sections: tuple[Section, ...]
    # The dimensions this instrument scores, each with its rules (in file order).
    dimensions: dict[str, tuple[Rule, ...]]
    default_priority: str
    priority_rules: tuple[Rule, ...]
    recommendation_rules: tuple[Rule, ...]
    restriction_rules: tuple[Rule, ...]
    questions: dict[str, Question] = field(init=False)

    def __post_init__(self) -> None:
        questions = {q.id: q for section in self.sections for q in section.questions}
        object.__setattr__(self, "questions", questions)

    def rules(self) -> list[Rule]:
        every = [rule for rules in self.dimensions.values() for rule in rules]
        return [*every, *self.priority_rules, *self.recommendation_rules, *self.restriction_rules]
