"""Checking a set of answers against an instrument.

Questions are walked in the order they are asked; each one's skip logic is evaluated on
the answers accepted so far. An answer to a question that is hidden by an earlier answer
is *dropped* and named (``dropped``), never scored; an answer to a question the
instrument does not have is refused; a shown required question without an answer is
named. Every problem is reported at once, with the question it concerns.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from pulang.assessments.codes import AnswerType
from pulang.assessments.engine.conditions import VariableKind, holds
from pulang.assessments.engine.definition import DECLINED, Instrument, Question

Answers = dict[str, Any]


@dataclass(frozen=True)
class Problem:
    question: str
    reason: str

    def as_error(self) -> dict[str, str]:
        """The shape of :class:`pulang.errors.InvalidInput` errors."""
        return {"field": self.question, "reason": self.reason}


@dataclass
class Checked:
    # The accepted answers of shown questions, normalised (dates as YYYY-MM-DD).
    answers: Answers = field(default_factory=dict)
    # Questions answered but hidden by earlier answers: their answers were left out.
    dropped: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Questions shown for these answers, in the order they are asked.
    shown: list[str] = field(default_factory=list)


def check_answers(
    instrument: Instrument,
    answers: Any,
    *,
    facts: Mapping[str, Any] | None = None,
    today: dt.date,
) -> Checked:
    facts = dict(facts or {})
    checked = Checked()
    if not isinstance(answers, Mapping):
        checked.problems.append(Problem("answers", _("the answers must be given by question")))
        return checked
    for key in answers:
        if key not in instrument.questions:
            checked.problems.append(
                Problem(str(key), _("this is not a question of this questionnaire"))
            )

    def lookup(kind: VariableKind, name: str) -> Any:
        if kind == "fact":
            return facts.get(name)
        return checked.answers.get(name)

    for question in instrument.questions.values():
        given = _blank_to_none(answers.get(question.id))
        if not holds(question.show_if, lookup):
            if given is not None:
                checked.dropped.append(question.id)
            continue
        checked.shown.append(question.id)
        if given is None:
            if question.required:
                checked.problems.append(Problem(question.id, _("this question needs an answer")))
            continue
        value, reason = normalise(question, given, today=today)
        if reason:
            checked.problems.append(Problem(question.id, reason))
        else:
            checked.answers[question.id] = value
    return checked


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    if isinstance(value, list | tuple) and not value:
        return None
    return value


def normalise(question: Question, value: Any, *, today: dt.date) -> tuple[Any, str]:
    """The answer in its stored form, or a translated reason why it is not acceptable."""
    kind = question.type
    if kind == AnswerType.YES_NO:
        if isinstance(value, bool):
            return value, ""
        if question.allow_decline and value == DECLINED:
            return DECLINED, ""
        return None, _("answer yes or no")
    if kind == AnswerType.SINGLE_CHOICE:
        if isinstance(value, str) and value in question.choice_values:
            return value, ""
        return None, _("choose one of the answers offered")
    if kind == AnswerType.MULTIPLE_CHOICE:
        return _several(question, value)
    if kind == AnswerType.NUMBER:
        return _number(question, value)
    if kind == AnswerType.DATE:
        return _date(question, value, today)
    if not isinstance(value, str):
        return None, _("write the answer as text")
    text = value.strip()
    if len(text) > question.max_length:
        return None, _("the answer is longer than %(limit)s characters") % {
            "limit": question.max_length
        }
    return text, ""


def _several(question: Question, value: Any) -> tuple[Any, str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        return None, _("choose one or more of the answers offered")
    chosen = list(dict.fromkeys(value))
    if any(v not in question.choice_values for v in chosen):
        return None, _("choose one or more of the answers offered")
    exclusive = {c.value for c in question.choices if c.exclusive}
    if len(chosen) > 1 and exclusive.intersection(chosen):
        return None, _("“none of these” cannot be chosen together with another answer")
    # Stored in the order the choices are offered, so equal answers compare equal.
    return [v for v in question.choice_values if v in chosen], ""


def _number(question: Question, value: Any) -> tuple[Any, str]:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None, _("give a number")
    if question.integer and not float(value).is_integer():
        return None, _("give a whole number")
    low, high = question.minimum, question.maximum
    if (low is not None and value < low) or (high is not None and value > high):
        if low is not None and high is not None:
            reason = _("give a number from %(min)s to %(max)s") % {"min": low, "max": high}
        elif low is not None:
            reason = _("give a number of at least %(min)s") % {"min": low}
        else:
            reason = _("give a number of at most %(max)s") % {"max": high}
        return None, reason
    return (int(value) if question.integer else value), ""


def _date(question: Question, value: Any, today: dt.date) -> tuple[Any, str]:
    if isinstance(value, dt.datetime):
        return None, _("give a date (year, month and day)")
    if isinstance(value, dt.date):
        day = value
    elif isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            return None, _("give a date (year, month and day)")
    else:
        return None, _("give a date (year, month and day)")
    if question.not_future and day > today:
        return None, _("the date is in the future")
    return day.isoformat(), ""
