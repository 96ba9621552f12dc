"""From checked answers to a result: a need level per dimension, a priority, the rules
that produced them (in words), recommended services with the agency responsible, and
whether the assessment is restricted.

- A dimension's level is the highest level any of its rules gives ("none" if none fires).
- The priority is the highest any priority rule gives, or the instrument's default.
- Recommendations come from every rule that fired, each service once, ordered by phase:
  rehabilitation and safety first where health or trauma requires it (¶47), then social
  support, then livelihood and work, then information.
Nothing is hidden: every rule that fired is kept, with its reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from pulang.assessments.codes import (
    LEVEL_RANK,
    PRIORITY_RANK,
    SERVICE_PHASE,
    NeedLevel,
    Phase,
    Priority,
)
from pulang.assessments.engine.conditions import VariableKind, holds
from pulang.assessments.engine.definition import REQUIRED_LANGUAGES, Instrument, Rule, Text


@dataclass(frozen=True)
class Fired:
    rule: str
    reason: Text
    # What the rule gave: a level (dimension rules) or a priority (priority rules).
    gives: str = ""


@dataclass(frozen=True)
class Recommended:
    service: str
    agency: str
    phase: int
    rules: tuple[str, ...]


@dataclass
class Result:
    levels: dict[str, str]
    level_reasons: dict[str, list[Fired]]
    priority: str
    priority_reasons: list[Fired]
    recommendations: list[Recommended]
    restricted: bool
    restricted_reasons: list[Fired]
    dropped_answers: list[str] = field(default_factory=list)

    @property
    def rehabilitation_first(self) -> bool:
        """Rehabilitation or safety must come before the other services recommended."""
        phases = {r.phase for r in self.recommendations}
        return Phase.REHABILITATION in phases and len(phases) > 1

    def because(self) -> list[Fired]:
        """The rules that set the priority (those giving exactly the resulting one)."""
        return [f for f in self.priority_reasons if f.gives == self.priority]

    def as_dict(self) -> dict[str, Any]:
        """The stored form (JSON): everything needed to show the result without the rules."""

        def fired(items: list[Fired]) -> list[dict[str, Any]]:
            return [{"rule": f.rule, "gives": f.gives, "reason": f.reason} for f in items]

        return {
            "levels": self.levels,
            "level_reasons": {d: fired(items) for d, items in self.level_reasons.items()},
            "priority": self.priority,
            "priority_reasons": fired(self.priority_reasons),
            "recommendations": [
                {"service": r.service, "agency": r.agency, "phase": r.phase, "rules": list(r.rules)}
                for r in self.recommendations
            ],
            "rehabilitation_first": self.rehabilitation_first,
            "restricted": self.restricted,
            "restricted_reasons": fired(self.restricted_reasons),
            "dropped_answers": self.dropped_answers,
        }


def score(
    instrument: Instrument,
    answers: Mapping[str, Any],
    *,
    facts: Mapping[str, Any] | None = None,
    dropped: list[str] | None = None,
) -> Result:
    """Score answers already checked by :func:`check_answers` (partial answers score too:
    an unanswered question makes no rule fire)."""
    facts = dict(facts or {})
    levels: dict[str, str] = {}

    def lookup(kind: VariableKind, name: str) -> Any:
        if kind == "answer":
            return answers.get(name)
        if kind == "fact":
            return facts.get(name)
        return levels.get(name, NeedLevel.NONE)

    level_reasons: dict[str, list[Fired]] = {}
    fired_rules: list[Rule] = []
    for dimension, rules in instrument.dimensions.items():
        fired = [rule for rule in rules if holds(rule.when, lookup)]
        fired.sort(key=lambda rule: -LEVEL_RANK[rule.level or NeedLevel.NONE])
        fired_rules += fired
        level_reasons[dimension] = [Fired(r.id, r.reason, r.level or "") for r in fired]
        levels[dimension] = fired[0].level if fired and fired[0].level else NeedLevel.NONE

    priority_fired = [rule for rule in instrument.priority_rules if holds(rule.when, lookup)]
    priority_fired.sort(key=lambda rule: -PRIORITY_RANK[rule.priority or Priority.LOW])
    priority = instrument.default_priority
    if priority_fired and priority_fired[0].priority:
        top = priority_fired[0].priority
        if PRIORITY_RANK[top] > PRIORITY_RANK[priority]:
            priority = top
    fired_rules += priority_fired
    fired_rules += [r for r in instrument.recommendation_rules if holds(r.when, lookup)]
    restricted = [r for r in instrument.restriction_rules if holds(r.when, lookup)]

    return Result(
        levels=levels,
        level_reasons=level_reasons,
        priority=priority,
        priority_reasons=[Fired(r.id, r.reason, r.priority or "") for r in priority_fired],
        recommendations=_recommendations(fired_rules),
        restricted=bool(restricted),
        restricted_reasons=[Fired(r.id, r.reason) for r in restricted],
        dropped_answers=list(dropped or []),
    )


def _recommendations(rules: list[Rule]) -> list[Recommended]:
    found: dict[tuple[str, str], list[str]] = {}
    for rule in rules:
        for item in rule.recommend:
            ids = found.setdefault((item.service, item.agency), [])
            if rule.id not in ids:
                ids.append(rule.id)
    ordered = sorted(found.items(), key=lambda entry: SERVICE_PHASE[entry[0][0]])
    return [
        Recommended(service, agency, int(SERVICE_PHASE[service]), tuple(ids))
        for (service, agency), ids in ordered
    ]


def in_language(text: Mapping[str, str], language: str) -> str:
    """A text of the instrument in ``language`` (its base language, or English)."""
    base = language.split("-")[0].lower()
    return text.get(language) or text.get(base) or text[REQUIRED_LANGUAGES[0]]


def priority_sentence(result: Mapping[str, Any], language: str) -> str:
    """ "Urgent because: trafficking indicators + no safe place to stay", from a stored
    result, in ``language`` (the caller activates the same language for gettext)."""
    labels = dict(Priority.choices)
    because = [
        in_language(item["reason"], language)
        for item in result["priority_reasons"]
        if item["gives"] == result["priority"]
    ]
    label = str(labels[result["priority"]])
    if not because:
        return _("%(priority)s: no rule raised the priority") % {"priority": label}
    return _("%(priority)s because: %(reasons)s") % {
        "priority": label,
        "reasons": " + ".join(because),
    }
