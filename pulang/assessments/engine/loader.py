"""Reading an instrument file: every problem is found and reported at once, each with
where it is (``question 'injured' text``) and what is wrong, so that whoever edits a file
can fix it in one go. An instrument with any problem is never loaded.

These messages are for the administrator who edits an instrument file, like a compiler's,
and name its keys; they are in English, as the file's keys are."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from pulang.assessments.codes import (
    FACT_VALUES,
    AgencyType,
    AnswerType,
    Dimension,
    Fact,
    InstrumentKind,
    NeedLevel,
    Priority,
    ServiceCategory,
)
from pulang.assessments.engine.conditions import (
    CHOICES_OPS,
    LEVEL_OPS,
    VALUE_OPS,
    AllOf,
    AnswerTest,
    AnyOf,
    AtLeast,
    Condition,
    FactTest,
    LevelTest,
    Not,
    variables,
)
from pulang.assessments.engine.definition import (
    DECLINED,
    REQUIRED_LANGUAGES,
    Choice,
    Instrument,
    Question,
    Recommendation,
    Rule,
    Section,
    Text,
)
from pulang.assessments.engine.reach import unreachable

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
TEXT_MAX = 2000


class InstrumentError(Exception):
    """The file is not a valid instrument; ``problems`` lists every reason."""

    def __init__(self, problems: list[str], *, source: str = "") -> None:
        self.problems = problems
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(where + "; ".join(problems))


def load_definition(data: Any, *, source: str = "") -> Instrument:
    """The instrument described by ``data`` (a file's parsed JSON), checked completely:
    structure, translations, the questions each condition reads, skip-logic cycles and
    questions or rules that no set of answers can ever reach."""
    reader = _Reader()
    instrument = reader.instrument(data)
    if reader.problems or instrument is None:
        raise InstrumentError(reader.problems, source=source)
    # Only a structurally sound instrument can be searched for unreachable parts.
    problems = unreachable(instrument)
    if problems:
        raise InstrumentError(problems, source=source)
    return instrument


class _Reader:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.order: dict[str, int] = {}
        self.questions: dict[str, Question] = {}
        self.dimensions: set[str] = set()
        self.pending_show_if: list[tuple[Question, str, Any]] = []

    def fail(self, where: str, what: str) -> None:
        self.problems.append(f"{where}: {what}")

    # -- small readers -------------------------------------------------------------------

    def keys(
        self, where: str, data: Any, *, required: Iterable[str], optional: Iterable[str] = ()
    ) -> dict[str, Any] | None:
        if not isinstance(data, dict):
            self.fail(where, "must be an object")
            return None
        required = tuple(required)
        known = set(required) | set(optional)
        for key in data:
            if key not in known:
                self.fail(where, f"unknown key {key!r} (expected one of {sorted(known)})")
        for key in required:
            if key not in data:
                self.fail(where, f"missing {key!r}")
        return data

    def identifier(self, where: str, value: Any) -> str | None:
        if not isinstance(value, str) or not IDENTIFIER.match(value):
            self.fail(where, f"{value!r} is not an identifier (lower-case letters, digits, _)")
            return None
        return value

    def text(self, where: str, value: Any) -> Text:
        if not isinstance(value, dict):
            self.fail(where, 'must be an object of translations, e.g. {"en": …, "id": …}')
            return {}
        for language in REQUIRED_LANGUAGES:
            if language not in value:
                self.fail(where, f"missing translation {language!r}")
        text: Text = {}
        for language, words in value.items():
            if not isinstance(language, str) or not LANGUAGE_TAG.match(language):
                self.fail(where, f"{language!r} is not a language tag")
            elif not isinstance(words, str) or not words.strip():
                self.fail(where, f"translation {language!r} is empty")
            elif len(words) > TEXT_MAX:
                self.fail(where, f"translation {language!r} is longer than {TEXT_MAX}")
            else:
                text[language] = words.strip()
        return text

    def flag(self, where: str, data: Mapping[str, Any], key: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            self.fail(where, f"{key!r} must be true or false")
            return False
        return value

    def choice_of(self, where: str, value: Any, allowed: Iterable[str]) -> str | None:
        allowed = tuple(allowed)
        if value not in allowed:
            self.fail(where, f"{value!r} is not one of {list(allowed)}")
            return None
        return str(value)

    # -- the instrument ------------------------------------------------------------------

    def instrument(self, data: Any) -> Instrument | None:
        top = self.keys(
            "instrument",
            data,
            required=("id", "version", "kind", "title", "sections", "scoring"),
            optional=("help",),
        )
        if top is None:
            return None
        code = self.identifier("id", top.get("id"))
        version = top.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            self.fail("version", f"{version!r} is not a whole number of at least 1")
        kind = self.choice_of("kind", top.get("kind"), InstrumentKind.values)
        title = self.text("title", top.get("title"))
        help_ = self.text("help", top["help"]) if "help" in top else None
        sections = self.sections(top.get("sections"))
        # Conditions are read once every question is known, so that a reference to a later
        # question is reported as such (and cycles as cycles), not as an unknown question.
        for question, where, raw in self.pending_show_if:
            show_if = self.condition(where, raw, levels=False)
            # Frozen: the condition is set once here, before anyone else sees the question.
            object.__setattr__(question, "show_if", show_if)
        self.skip_logic(sections)
        scoring = self.keys(
            "scoring",
            top.get("scoring"),
            required=("dimensions", "default_priority", "priority"),
            optional=("recommendations", "restricted"),
        )
        if scoring is None or code is None or kind is None or self.problems:
            self.scoring_problems(scoring)
            return None
        dimensions = self.dimension_rules(scoring.get("dimensions"))
        default_priority = self.choice_of(
            "scoring.default_priority", scoring.get("default_priority"), Priority.values
        )
        priority_rules = self.rules("scoring.priority", scoring.get("priority"), "priority")
        recommendation_rules = self.rules(
            "scoring.recommendations", scoring.get("recommendations", []), "recommendation"
        )
        restriction_rules = self.rules(
            "scoring.restricted", scoring.get("restricted", []), "restriction"
        )
        self.unique_rule_ids(
            [r for rules in dimensions.values() for r in rules]
            + priority_rules
            + recommendation_rules
            + restriction_rules
        )
        if self.problems or default_priority is None:
            return None
        return Instrument(
            code=code,
            version=int(version),  # type: ignore[arg-type]  # checked above
            kind=kind,
            title=title,
            help=help_,
            sections=tuple(sections),
            dimensions=dimensions,
            default_priority=default_priority,
            priority_rules=tuple(priority_rules),
            recommendation_rules=tuple(recommendation_rules),
            restriction_rules=tuple(restriction_rules),
        )

    def scoring_problems(self, scoring: dict[str, Any] | None) -> None:
        """Report what is wrong in the rules too, even when the questions already failed."""
        if scoring is None or not self.questions:
            return
        self.dimension_rules(scoring.get("dimensions"))
        self.rules("scoring.priority", scoring.get("priority"), "priority")
        self.rules("scoring.recommendations", scoring.get("recommendations", []), "recommendation")
        self.rules("scoring.restricted", scoring.get("restricted", []), "restriction")

    # -- questions -----------------------------------------------------------------------

    def sections(self, data: Any) -> list[Section]:
        if not isinstance(data, list) or not data:
            self.fail("sections", "must be a non-empty list")
            return []
        sections: list[Section] = []
        seen: set[str] = set()
        for index, item in enumerate(data):
            where = f"sections[{index}]"
            section = self.keys(
                where, item, required=("id", "title", "questions"), optional=("help",)
            )
            if section is None:
                continue
            section_id = self.identifier(f"{where} id", section.get("id"))
            if section_id is None:
                continue
            where = f"section {section_id!r}"
            if section_id in seen:
                self.fail(where, "the id is used by another section")
            seen.add(section_id)
            title = self.text(f"{where} title", section.get("title"))
            help_ = self.text(f"{where} help", section["help"]) if "help" in section else None
            questions = section.get("questions")
            if not isinstance(questions, list) or not questions:
                self.fail(f"{where} questions", "must be a non-empty list")
                questions = []
            read = [self.question(section_id, index, q) for index, q in enumerate(questions)]
            sections.append(
                Section(section_id, title, help_, tuple(q for q in read if q is not None))
            )
        return sections

    _QUESTION_KEYS = ("id", "type", "text")
    _TYPE_KEYS: dict[str, tuple[str, ...]] = {
        AnswerType.YES_NO: ("allow_decline", "risk"),
        AnswerType.SINGLE_CHOICE: ("choices",),
        AnswerType.MULTIPLE_CHOICE: ("choices",),
        AnswerType.NUMBER: ("min", "max", "integer"),
        AnswerType.DATE: ("not_future",),
        AnswerType.TEXT: ("max_length",),
    }

    def question(self, section_id: str, index: int, data: Any) -> Question | None:
        where = f"section {section_id!r} questions[{index}]"
        type_ = data.get("type") if isinstance(data, dict) else None
        extra = self._TYPE_KEYS.get(type_, ()) if isinstance(type_, str) else ()
        item = self.keys(
            where,
            data,
            required=self._QUESTION_KEYS,
            optional=("help", "required", "show_if", *extra),
        )
        if item is None:
            return None
        question_id = self.identifier(f"{where} id", item.get("id"))
        if question_id is None:
            return None
        where = f"question {question_id!r}"
        if question_id in self.questions:
            self.fail(where, "the id is used by another question")
            return None
        answer_type = self.choice_of(f"{where} type", item.get("type"), AnswerType.values)
        text = self.text(f"{where} text", item.get("text"))
        help_ = self.text(f"{where} help", item["help"]) if "help" in item else None
        required = self.flag(where, item, "required")
        if answer_type is None:
            return None
        kind = AnswerType(answer_type)
        options: dict[str, Any] = {}
        if kind in (AnswerType.SINGLE_CHOICE, AnswerType.MULTIPLE_CHOICE):
            options["choices"] = self.choices(where, kind, item.get("choices"))
        elif kind == AnswerType.NUMBER:
            options.update(self.number_options(where, item))
        elif kind == AnswerType.DATE:
            options["not_future"] = self.flag(where, item, "not_future")
        elif kind == AnswerType.TEXT:
            length = item.get("max_length", 1000)
            if isinstance(length, bool) or not isinstance(length, int) or not 1 <= length <= 5000:
                self.fail(f"{where} max_length", "must be a whole number from 1 to 5000")
            else:
                options["max_length"] = length
        elif kind == AnswerType.YES_NO:
            options["allow_decline"] = self.flag(where, item, "allow_decline")
            if "risk" in item:
                risk = self.choice_of(f"{where} risk", item["risk"], ("yes", "no"))
                options["risk_answer"] = None if risk is None else risk == "yes"
        question = Question(
            id=question_id,
            section=section_id,
            type=kind,
            text=text,
            help=help_,
            required=required,
            **options,
        )
        self.order[question_id] = len(self.order)
        self.questions[question_id] = question
        if "show_if" in item:
            self.pending_show_if.append((question, f"{where} show_if", item["show_if"]))
        return question

    def choices(self, where: str, kind: AnswerType, data: Any) -> tuple[Choice, ...]:
        if not isinstance(data, list) or len(data) < 2:
            self.fail(f"{where} choices", "must list at least two choices")
            return ()
        choices: list[Choice] = []
        for index, item in enumerate(data):
            at = f"{where} choices[{index}]"
            choice = self.keys(
                at, item, required=("value", "label"), optional=("exclusive", "risk")
            )
            if choice is None:
                continue
            value = self.identifier(f"{at} value", choice.get("value"))
            label = self.text(f"{at} label", choice.get("label"))
            exclusive = self.flag(at, choice, "exclusive")
            risk = self.flag(at, choice, "risk")
            if exclusive and kind != AnswerType.MULTIPLE_CHOICE:
                self.fail(at, "'exclusive' only applies to several-choice questions")
            if exclusive and risk:
                self.fail(at, "an exclusive choice ('none of these') cannot signal a risk")
            if value is None:
                continue
            if value in (c.value for c in choices):
                self.fail(at, f"the value {value!r} is listed twice")
            choices.append(Choice(value, label, exclusive, risk))
        return tuple(choices)

    def number_options(self, where: str, item: Mapping[str, Any]) -> dict[str, Any]:
        options: dict[str, Any] = {"integer": self.flag(where, item, "integer")}
        for key, name in (("min", "minimum"), ("max", "maximum")):
            if key in item:
                value = item[key]
                if isinstance(value, bool) or not isinstance(value, int | float):
                    self.fail(f"{where} {key}", "must be a number")
                else:
                    options[name] = value
        low, high = options.get("minimum"), options.get("maximum")
        if low is not None and high is not None and low > high:
            self.fail(where, "'min' is greater than 'max'")
        return options

    # -- skip logic ----------------------------------------------------------------------

    def skip_logic(self, sections: list[Section]) -> None:
        """Skip logic reads earlier answers only: report cycles, then forward references."""
        depends = {
            q.id: [name for kind, name in variables(q.show_if) if kind == "answer"]
            for section in sections
            for q in section.questions
            if q.show_if is not None
        }
        in_cycle: set[str] = set()
        for cycle in _cycles(depends):
            in_cycle.update(cycle)
            path = " → ".join([*cycle, cycle[0]])
            self.fail(f"question {cycle[0]!r} show_if", f"skip logic forms a cycle: {path}")
        for question_id, names in depends.items():
            for name in names:
                if question_id in in_cycle or name not in self.order:
                    continue
                if self.order[name] >= self.order[question_id]:
                    self.fail(
                        f"question {question_id!r} show_if",
                        f"reads {name!r}, which is asked later: skip logic may only read "
                        "earlier answers",
                    )

    # -- conditions ----------------------------------------------------------------------

    def condition(self, where: str, data: Any, *, levels: bool) -> Condition | None:
        if not isinstance(data, dict) or not data:
            self.fail(where, "must be a condition object")
            return None
        if "all" in data or "any" in data:
            key = "all" if "all" in data else "any"
            self.keys(where, data, required=(key,))
            items = self.condition_list(f"{where}.{key}", data.get(key), levels=levels)
            if items is None:
                return None
            return AllOf(items) if key == "all" else AnyOf(items)
        if "not" in data:
            self.keys(where, data, required=("not",))
            inner = self.condition(f"{where}.not", data["not"], levels=levels)
            return None if inner is None else Not(inner)
        if "at_least" in data:
            self.keys(where, data, required=("at_least", "of"))
            count = data["at_least"]
            items = self.condition_list(f"{where}.of", data.get("of"), levels=levels)
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                self.fail(f"{where}.at_least", "must be a whole number of at least 1")
                return None
            if items is None:
                return None
            if count > len(items):
                self.fail(where, f"asks for {count} of only {len(items)} conditions")
                return None
            return AtLeast(count, items)
        if "answer" in data:
            return self.answer_test(where, data)
        if "fact" in data:
            return self.fact_test(where, data)
        if "level" in data:
            if not levels:
                self.fail(
                    where,
                    "need levels can be tested only in priority, recommendation "
                    "and restriction rules",
                )
                return None
            return self.level_test(where, data)
        self.fail(
            where, "must start with 'all', 'any', 'not', 'at_least', 'answer', 'fact' or 'level'"
        )
        return None

    def condition_list(
        self, where: str, data: Any, *, levels: bool
    ) -> tuple[Condition, ...] | None:
        if not isinstance(data, list) or not data:
            self.fail(where, "must be a non-empty list of conditions")
            return None
        items = [
            self.condition(f"{where}[{i}]", item, levels=levels) for i, item in enumerate(data)
        ]
        if any(item is None for item in items):
            return None
        return tuple(item for item in items if item is not None)

    def operator(
        self, where: str, data: Mapping[str, Any], subject: str, ops: Iterable[str]
    ) -> tuple[str, Any] | None:
        ops = tuple(ops)
        found = [key for key in data if key not in (subject, "among")]
        if len(found) != 1 or found[0] not in ops:
            self.fail(where, f"give exactly one operator, one of {list(ops)}")
            return None
        return found[0], data[found[0]]

    def answer_test(self, where: str, data: Mapping[str, Any]) -> Condition | None:
        name = data.get("answer")
        question = self.questions.get(name) if isinstance(name, str) else None
        if question is None:
            self.fail(where, f"unknown question {name!r}")
            return None
        ops = CHOICES_OPS if question.type == AnswerType.MULTIPLE_CHOICE else VALUE_OPS
        found = self.operator(where, data, "answer", ops)
        if found is None:
            return None
        op, operand = found
        among = data.get("among")
        if among is not None and op != "count_gte":
            self.fail(where, "'among' goes only with 'count_gte'")
            return None
        if not self.operand_fits(where, question, op, operand, among):
            return None
        if op == "in":
            operand = tuple(operand)
        return AnswerTest(question.id, op, operand, None if among is None else tuple(among))

    def operand_fits(
        self, where: str, question: Question, op: str, operand: Any, among: Any
    ) -> bool:
        kind = question.type
        label = f"question {question.id!r} ({kind.value})"
        if op == "is":
            return self.is_operand(where, operand)
        if kind == AnswerType.TEXT:
            self.fail(where, f"{label}: text answers can only be tested with 'is'")
            return False
        if kind == AnswerType.YES_NO:
            allowed: tuple[Any, ...] = (
                (True, False, DECLINED)
                if question.allow_decline
                else (
                    True,
                    False,
                )
            )
            return self.values_fit(where, label, op, operand, allowed, ("equals", "in"))
        if kind == AnswerType.SINGLE_CHOICE:
            return self.values_fit(
                where, label, op, operand, question.choice_values, ("equals", "in")
            )
        if kind == AnswerType.MULTIPLE_CHOICE:
            if op == "count_gte":
                if isinstance(operand, bool) or not isinstance(operand, int) or operand < 1:
                    self.fail(where, f"{label}: 'count_gte' takes a whole number of at least 1")
                    return False
                if among is None:
                    return True
                return self.values_fit(where, label, "in", among, question.choice_values, ("in",))
            op_as = "equals" if op == "includes" else "in"
            return self.values_fit(where, label, op_as, operand, question.choice_values, (op_as,))
        if kind == AnswerType.NUMBER:
            values = list(operand) if op == "in" and isinstance(operand, list) else [operand]
            if op == "in" and not (isinstance(operand, list) and operand):
                self.fail(where, f"{label}: 'in' takes a non-empty list")
                return False
            for value in values:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    self.fail(where, f"{label}: {value!r} is not a number")
                    return False
            return True
        # Dates: compared as ISO 8601 strings (YYYY-MM-DD).
        if op == "in" or not _is_iso_date(operand):
            self.fail(where, f"{label}: compare a date with one date written YYYY-MM-DD")
            return False
        return True

    def is_operand(self, where: str, operand: Any) -> bool:
        if operand not in ("answered", "unanswered"):
            self.fail(where, '\'is\' takes "answered" or "unanswered"')
            return False
        return True

    def values_fit(
        self,
        where: str,
        label: str,
        op: str,
        operand: Any,
        allowed: tuple[Any, ...],
        ops: tuple[str, ...],
    ) -> bool:
        if op not in ops:
            self.fail(where, f"{label}: use {list(ops)} or 'is', not {op!r}")
            return False
        values = operand if op == "in" else [operand]
        if op == "in" and (not isinstance(operand, list) or not operand):
            self.fail(where, f"{label}: {op!r} takes a non-empty list")
            return False
        fits = True
        for value in values:
            if not any(
                value == a and isinstance(value, bool) == isinstance(a, bool) for a in allowed
            ):
                self.fail(where, f"{label}: {value!r} is not a possible answer {list(allowed)}")
                fits = False
        return fits

    def fact_test(self, where: str, data: Mapping[str, Any]) -> Condition | None:
        fact = self.choice_of(f"{where} fact", data.get("fact"), Fact.values)
        if fact is None:
            return None
        found = self.operator(where, data, "fact", VALUE_OPS)
        if found is None:
            return None
        op, operand = found
        if op == "is":
            return FactTest(fact, op, operand) if self.is_operand(where, operand) else None
        if fact in FACT_VALUES:
            label = f"fact {fact!r}"
            if not self.values_fit(where, label, op, operand, FACT_VALUES[fact], ("equals", "in")):
                return None
            return FactTest(fact, op, tuple(operand) if op == "in" else operand)
        values = operand if op == "in" and isinstance(operand, list) else [operand]
        empty_list = op == "in" and not (isinstance(operand, list) and operand)
        if empty_list or any(isinstance(v, bool) or not isinstance(v, int | float) for v in values):
            self.fail(where, f"fact {fact!r} is compared with numbers")
            return None
        return FactTest(fact, op, tuple(operand) if op == "in" else operand)

    def level_test(self, where: str, data: Mapping[str, Any]) -> Condition | None:
        dimension = data.get("level")
        if dimension not in self.dimensions:
            self.fail(where, f"{dimension!r} is not a dimension this instrument scores")
            return None
        found = self.operator(where, data, "level", LEVEL_OPS)
        if found is None:
            return None
        op, level = found
        if self.choice_of(f"{where} {op}", level, NeedLevel.values) is None:
            return None
        return LevelTest(str(dimension), op, level)

    # -- rules ---------------------------------------------------------------------------

    def dimension_rules(self, data: Any) -> dict[str, tuple[Rule, ...]]:
        if not isinstance(data, dict) or not data:
            self.fail("scoring.dimensions", "must name at least one dimension with its rules")
            return {}
        dimensions: dict[str, tuple[Rule, ...]] = {}
        for dimension, rules in data.items():
            where = f"scoring.dimensions.{dimension}"
            if self.choice_of(where, dimension, Dimension.values) is None:
                continue
            self.dimensions.add(dimension)
            read = self.rules(where, rules, "level")
            dimensions[dimension] = tuple(replace_dimension(rule, dimension) for rule in read)
        return dimensions

    def rules(self, where: str, data: Any, kind: str) -> list[Rule]:
        if not isinstance(data, list):
            self.fail(where, "must be a list of rules")
            return []
        if not data and kind in ("level", "priority"):
            self.fail(where, "must list at least one rule")
            return []
        extra = {"level": ("level",), "priority": ("priority",)}.get(kind, ())
        rules: list[Rule] = []
        for index, item in enumerate(data):
            at = f"{where}[{index}]"
            rule = self.keys(
                at,
                item,
                required=("id", "when", "reason", *extra),
                optional=() if kind == "restriction" else ("recommend",),
            )
            if rule is None:
                continue
            rule_id = self.identifier(f"{at} id", rule.get("id"))
            if rule_id is not None:
                at = f"rule {rule_id!r}"
            when = self.condition(f"{at} when", rule.get("when"), levels=kind != "level")
            reason = self.text(f"{at} reason", rule.get("reason"))
            recommend = self.recommendations(at, rule.get("recommend", []))
            level = priority = None
            if kind == "level":
                level = self.choice_of(
                    f"{at} level", rule.get("level"), [v for v in NeedLevel.values if v != "none"]
                )
            if kind == "priority":
                priority = self.choice_of(f"{at} priority", rule.get("priority"), Priority.values)
            if kind == "recommendation" and not recommend:
                self.fail(at, "a recommendation rule must recommend at least one service")
            if rule_id is None or when is None:
                continue
            rules.append(
                Rule(rule_id, when, reason, level=level, priority=priority, recommend=recommend)
            )
        return rules

    def recommendations(self, where: str, data: Any) -> tuple[Recommendation, ...]:
        if not isinstance(data, list):
            self.fail(f"{where} recommend", 'must be a list of {"service": …, "agency": …}')
            return ()
        found: list[Recommendation] = []
        for index, item in enumerate(data):
            at = f"{where} recommend[{index}]"
            entry = self.keys(at, item, required=("service", "agency"))
            if entry is None:
                continue
            service = self.choice_of(f"{at} service", entry.get("service"), ServiceCategory.values)
            agency = self.choice_of(f"{at} agency", entry.get("agency"), AgencyType.values)
            if service is not None and agency is not None:
                found.append(Recommendation(service, agency))
        return tuple(found)

    def unique_rule_ids(self, rules: list[Rule]) -> None:
        seen: set[str] = set()
        for rule in rules:
            if rule.id in seen:
                self.fail(f"rule {rule.id!r}", "the id is used by another rule")
            seen.add(rule.id)


def replace_dimension(rule: Rule, dimension: str) -> Rule:
    return Rule(
        rule.id,
        rule.when,
        rule.reason,
        dimension=dimension,
        level=rule.level,
        recommend=rule.recommend,
    )


def _is_iso_date(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _cycles(depends: Mapping[str, list[str]]) -> list[list[str]]:
    """Each cycle in the skip-logic graph once, as the list of questions around it."""
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in depends.get(node, []):
            if state.get(nxt) == 1:
                cycles.append(path[path.index(nxt) :])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in depends:
        if node not in state:
            visit(node)
    return cycles
