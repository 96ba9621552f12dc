"""How instruments, questionnaires and results read, on the pages and in the API: every
text of an instrument in the reader's language (``in_language``), every code with its
translated label, and each question's skip logic as data for the page's script
(``static/pulang/assessment-form.js`` evaluates the same conditions as the engine)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils import formats, translation
from django.utils.translation import gettext

from pulang.assessments.codes import (
    AgencyType,
    AnswerType,
    Dimension,
    InstrumentKind,
    NeedLevel,
    Phase,
    Priority,
    ServiceCategory,
    Setting,
)
from pulang.assessments.engine.conditions import UNKNOWN, VariableKind, truth
from pulang.assessments.engine.definition import DECLINED
from pulang.assessments.engine.scoring import in_language
from pulang.assessments.policies import Capability, can
from pulang.assessments.selectors import (
    assessment_priority_sentence,
    assessments_of_person_seen,
)

if TYPE_CHECKING:
    from django.forms import BoundField

    from pulang.assessments.engine import Instrument, Question
    from pulang.assessments.forms import AnswersForm
    from pulang.assessments.models import Assessment, InstrumentVersion
    from pulang.orgs.actor import Actor
    from pulang.registry.models import Person, Return

# The keys under which an instrument file holds a text (an object of translations).
TEXT_KEYS = frozenset({"title", "help", "text", "label", "reason"})
GROUPED = frozenset({AnswerType.YES_NO, AnswerType.MULTIPLE_CHOICE})


def _label(choices: type[Any], value: str) -> str:
    """A code's translated label, or the code itself if this release does not know it."""
    labels: dict[Any, Any] = dict(choices.choices)
    return str(labels.get(value, value))


# --- instruments ------------------------------------------------------------------------


def definition_in_language(definition: Mapping[str, Any], language: str) -> dict[str, Any]:
    """An instrument file with each of its texts in ``language`` (its base language, or
    English), for clients that show one language."""

    def walk(value: Any, key: str | None) -> Any:
        if isinstance(value, Mapping):
            if key in TEXT_KEYS and all(isinstance(v, str) for v in value.values()):
                return in_language(value, language)
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(item, None) for item in value]
        return value

    resolved: dict[str, Any] = walk(definition, None)
    return resolved


def instrument_title(version: InstrumentVersion, language: str) -> str:
    return in_language(version.definition["title"], language)


@dataclass(frozen=True)
class InstrumentSummary:
    code: str
    version: int
    title: str
    help: str
    kind_label: str


def instrument_summary(version: InstrumentVersion, language: str) -> InstrumentSummary:
    definition = version.definition
    return InstrumentSummary(
        code=version.instrument.code,
        version=version.version,
        title=in_language(definition["title"], language),
        help=in_language(definition["help"], language) if definition.get("help") else "",
        kind_label=_label(InstrumentKind, version.instrument.kind),
    )


def ruled_out_by_facts(instrument: Instrument, facts: Mapping[str, Any]) -> set[str]:
    """Questions the person's facts alone keep from being asked (pregnancy for a man, a
    guardian for an adult), whatever the answers: the page leaves them out."""
    ruled_out: set[str] = set()

    def lookup(kind: VariableKind, name: str) -> Any:
        if kind == "fact":
            return facts.get(name)
        # A question that is never asked is never answered; the others are still open.
        return None if name in ruled_out else UNKNOWN

    for question in instrument.questions.values():
        if question.show_if is not None and truth(question.show_if, lookup) is False:
            ruled_out.add(question.id)
    return ruled_out


# --- the questionnaire ------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionView:
    id: str
    type: str
    field: BoundField
    required: bool
    # Radio buttons or tick boxes: a fieldset with the question as its legend.
    grouped: bool
    # The question's skip logic as the file has it (JSON), "" when always asked.
    show_if: str
    # Values that cannot be ticked with another ("none of these"), as JSON.
    exclusive: str
    help_id: str
    error_id: str
    described_by: str

    @property
    def errors(self) -> list[str]:
        return [str(error) for error in self.field.errors]


@dataclass(frozen=True)
class SectionView:
    id: str
    title: str
    help: str
    questions: list[QuestionView]


def _raw_questions(definition: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {
        question["id"]: question
        for section in definition["sections"]
        for question in section["questions"]
    }


def questionnaire(
    form: AnswersForm, definition: Mapping[str, Any], language: str
) -> list[SectionView]:
    """The sections and questions of ``form`` in order, each with what the page needs:
    its field, its skip logic for the script, and the ids its help and error have."""
    raw = _raw_questions(definition)
    sections = []
    for section in form.instrument.sections:
        questions = [
            _question_view(form, question, raw[question.id])
            for question in section.questions
            if question.id in form.fields
        ]
        if questions:
            sections.append(
                SectionView(
                    id=section.id,
                    title=in_language(section.title, language),
                    help=in_language(section.help, language) if section.help else "",
                    questions=questions,
                )
            )
    return sections


def _question_view(form: AnswersForm, question: Question, raw: Mapping[str, Any]) -> QuestionView:
    field = form.fields[question.id]
    help_id, error_id = f"q-{question.id}-help", f"q-{question.id}-error"
    has_errors = bool(form.errors.get(question.id))
    described = " ".join(
        name for name, present in ((error_id, has_errors), (help_id, field.help_text)) if present
    )
    grouped = question.type in GROUPED or (
        question.type == AnswerType.SINGLE_CHOICE and field.widget.input_type == "radio"
    )
    if not grouped:
        if described:
            field.widget.attrs["aria-describedby"] = described
        if has_errors:
            field.widget.attrs["aria-invalid"] = "true"
    exclusive = [c.value for c in question.choices if c.exclusive]
    return QuestionView(
        id=question.id,
        type=question.type,
        field=form[question.id],
        required=question.required,
        grouped=grouped,
        show_if=json.dumps(raw["show_if"], separators=(",", ":")) if "show_if" in raw else "",
        exclusive=json.dumps(exclusive) if exclusive else "",
        help_id=help_id,
        error_id=error_id,
        described_by=described,
    )


def return_label(item: Return) -> str:
    reason = item.get_reason_display()
    if item.returned_on is not None:
        return gettext("Came home on %(date)s: %(reason)s") % {
            "date": formats.date_format(item.returned_on, "SHORT_DATE_FORMAT"),
            "reason": reason,
        }
    if item.expected_on is not None:
        return gettext("Expected home on %(date)s: %(reason)s") % {
            "date": formats.date_format(item.expected_on, "SHORT_DATE_FORMAT"),
            "reason": reason,
        }
    return gettext("Return without a date yet: %(reason)s") % {"reason": reason}


# --- results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    text: str
    # What the rule gave (a level or a priority), translated; "" for the others.
    gives: str = ""


@dataclass(frozen=True)
class LevelRow:
    dimension: str
    title: str
    level: str
    level_label: str
    reasons: list[Reason]


@dataclass(frozen=True)
class ServiceRow:
    service: str
    service_label: str
    agency_label: str
    phase: int
    phase_label: str
    reasons: list[str]


@dataclass(frozen=True)
class AnswerRow:
    question: str
    answer: str


@dataclass(frozen=True)
class AnswerSection:
    title: str
    rows: list[AnswerRow]


@dataclass(frozen=True)
class ResultView:
    title: str
    priority: str
    priority_label: str
    # "Urgent because: trafficking indicator + no safe place to stay"
    sentence: str
    # Priority rules that fired below the resulting priority: noted, never hidden.
    also_noted: list[Reason]
    levels: list[LevelRow]
    services: list[ServiceRow]
    rehabilitation_first: bool
    restricted_reasons: list[str]
    setting_label: str
    answers: list[AnswerSection]
    # Questions answered although an earlier answer made them not apply: left out.
    dropped: list[str]


def _reasons(items: Iterable[Mapping[str, Any]], language: str, labels: type[Any]) -> list[Reason]:
    return [
        Reason(
            text=in_language(item["reason"], language),
            gives=_label(labels, item["gives"]) if item.get("gives") else "",
        )
        for item in items
    ]


def result_view(assessment: Assessment, instrument: Instrument, language: str) -> ResultView:
    """An assessment's stored result and answers as its page shows them."""
    result: Mapping[str, Any] = assessment.result
    priority = result["priority"]
    rule_reasons = {rule.id: rule.reason for rule in instrument.rules()}
    levels = [
        LevelRow(
            dimension=dimension,
            title=_label(Dimension, dimension),
            level=level,
            level_label=_label(NeedLevel, level),
            reasons=_reasons(result["level_reasons"].get(dimension, []), language, NeedLevel),
        )
        for dimension, level in result["levels"].items()
    ]
    services = [
        ServiceRow(
            service=item["service"],
            service_label=_label(ServiceCategory, item["service"]),
            agency_label=_label(AgencyType, item["agency"]),
            phase=int(item["phase"]),
            phase_label=_label(Phase, item["phase"]),
            reasons=[
                in_language(rule_reasons[rule], language)
                for rule in item["rules"]
                if rule in rule_reasons
            ],
        )
        for item in result["recommendations"]
    ]
    return ResultView(
        title=in_language(instrument.title, language),
        priority=priority,
        priority_label=_label(Priority, priority),
        sentence=assessment_priority_sentence(result=result, language=language),
        also_noted=_reasons(
            (item for item in result["priority_reasons"] if item["gives"] != priority),
            language,
            Priority,
        ),
        levels=levels,
        services=services,
        rehabilitation_first=bool(result.get("rehabilitation_first")),
        restricted_reasons=[
            in_language(item["reason"], language) for item in result["restricted_reasons"]
        ],
        setting_label=_label(Setting, assessment.setting),
        answers=answer_sections(instrument, assessment.answers, language),
        dropped=[
            in_language(instrument.questions[name].text, language)
            for name in result.get("dropped_answers", [])
            if name in instrument.questions
        ],
    )


def answer_sections(
    instrument: Instrument, answers: Mapping[str, Any], language: str
) -> list[AnswerSection]:
    """Each question answered, in the order asked, with the answer in words."""
    sections = []
    for section in instrument.sections:
        rows = [
            AnswerRow(
                question=in_language(question.text, language),
                answer=answer_text(question, answers[question.id], language),
            )
            for question in section.questions
            if question.id in answers
        ]
        if rows:
            sections.append(AnswerSection(title=in_language(section.title, language), rows=rows))
    return sections


def answer_text(question: Question, value: Any, language: str) -> str:
    kind = question.type
    if kind == AnswerType.YES_NO:
        if value == DECLINED:
            return gettext("Prefers not to say")
        return gettext("Yes") if value is True else gettext("No")
    if kind in (AnswerType.SINGLE_CHOICE, AnswerType.MULTIPLE_CHOICE):
        labels = {c.value: in_language(c.label, language) for c in question.choices}
        chosen = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(str(v), str(v)) for v in chosen)
    if kind == AnswerType.NUMBER:
        return str(formats.number_format(value))
    if kind == AnswerType.DATE:
        return str(formats.date_format(dt.date.fromisoformat(value), "DATE_FORMAT"))
    return str(value)


@dataclass(frozen=True)
class TimelineRow:
    assessment: Assessment
    title: str
    sentence: str
    priority_label: str
    setting_label: str


def timeline_rows(assessments: Iterable[Assessment], language: str) -> list[TimelineRow]:
    return [
        TimelineRow(
            assessment=item,
            title=instrument_title(item.instrument_version, language),
            sentence=assessment_priority_sentence(result=item.result, language=language),
            priority_label=_label(Priority, item.priority),
            setting_label=_label(Setting, item.setting),
        )
        for item in assessments
    ]


# --- the person page's section (registered with the registry in AssessmentsConfig.ready) ---


def person_assessments_section(person: Person, actor: Actor) -> tuple[str, dict[str, Any]] | None:
    """The person's assessments the actor may see, on the person page, with the way to
    record a new one; nothing for roles that do not read assessments."""
    if not can(actor, Capability.VIEW):
        return None
    language = translation.get_language() or "en"
    return "assessments/_person_assessments.html", {
        "person_id": person.pk,
        "rows": timeline_rows(assessments_of_person_seen(actor=actor, person=person), language),
        "can_record": can(actor, Capability.RECORD),
    }
