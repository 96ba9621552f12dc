"""The engine, case by case: every priority rule of both shipped instruments, answer
checking, and the loader's refusals."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from pulang.assessments.engine import InstrumentError, check_answers, load_definition, score
from pulang.assessments.engine.scoring import priority_sentence
from tests.assessments.helpers import (
    MAN,
    NEEDS_CLEAR,
    SCREEN_CLEAR,
    TODAY,
    WOMAN,
    assess,
    shipped,
)

SCREEN = shipped("vulnerability_screen")
NEEDS = shipped("needs_assessment")
CHILD = {"sex": "M", "age": 16}
PREGNANT = {"pregnant": True, "pregnancy_care": True}
NOT_PREGNANT = {"pregnant": False, "reproductive_care": False}

# (changes to the all-clear answers, facts, priority, the rules that set it)
SCREEN_CASES: dict[str, tuple[dict[str, Any], dict[str, Any], str, list[str]]] = {
    "suicide now": (
        {"self_harm_thoughts": True, "self_harm_now": True},
        MAN,
        "urgent",
        ["p_suicide_now"],
    ),
    "trafficking, nowhere safe": (
        {"work_indicators": ["deceived", "threatened"], "safe_place": False},
        MAN,
        "urgent",
        ["p_trafficking_no_safe_place"],
    ),
    "violence, afraid": (
        {"violence": ["physical"], "afraid_of_someone": True},
        MAN,
        "urgent",
        ["p_violence_afraid"],
    ),
    "injury needs a doctor": (
        {"injured": True, "injury_needs_care_now": True},
        MAN,
        "urgent",
        ["p_medical_now"],
    ),
    "illness needs a doctor": (
        {"ill": True, "illness_needs_care_now": True},
        MAN,
        "urgent",
        ["p_medical_now"],
    ),
    "child in danger": ({"dependants_at_risk": True}, MAN, "urgent", ["p_child_in_danger"]),
    "minor alone": ({"guardian_present": False}, CHILD, "urgent", ["p_minor_alone"]),
    "pregnant, nowhere safe": (
        {**PREGNANT, "safe_place": False},
        WOMAN,
        "urgent",
        ["p_pregnant_no_safe_place"],
    ),
    "documents withheld": (
        {"work_indicators": ["documents_withheld"]},
        MAN,
        "high",
        ["p_trafficking"],
    ),
    "sexual violence": ({"violence": ["sexual"], "pregnant": False}, WOMAN, "high", ["p_violence"]),
    "nowhere safe": ({"safe_place": False}, MAN, "high", ["p_no_safe_place"]),
    "thoughts of self-harm": (
        {"self_harm_thoughts": True, "self_harm_now": False},
        MAN,
        "high",
        ["p_self_harm"],
    ),
    "debt bondage": (
        {"migration_debt": True, "debt_pressure": True},
        MAN,
        "high",
        ["p_debt_bondage"],
    ),
    "acute distress": ({"distress": "almost_always"}, MAN, "high", ["p_acute_distress"]),
    "pregnant without care": (
        {"pregnant": True, "pregnancy_care": False},
        WOMAN,
        "high",
        ["p_pregnant_no_care"],
    ),
    "minor with guardian": ({"guardian_present": True}, CHILD, "high", ["p_minor"]),
    "deported": ({"forced_return": True}, MAN, "medium", ["p_forced_return"]),
    "undocumented": (
        {"legal_status": "undocumented_no_fault"},
        MAN,
        "medium",
        ["p_undocumented"],
    ),
    "unpaid wages": ({"work_indicators": ["wages_withheld"]}, MAN, "medium", ["p_exploitation"]),
    "disability": ({"disability": True}, MAN, "medium", ["p_health"]),
    "pregnant": (PREGNANT, WOMAN, "medium", ["p_pregnant"]),
    "often distressed": ({"distress": "often"}, MAN, "medium", ["p_distress"]),
    "humiliated": (
        {"violence": ["psychological"]},
        MAN,
        "medium",
        ["p_psychological_violence"],
    ),
    "afraid": ({"afraid_of_someone": True}, MAN, "medium", ["p_afraid"]),
    "migration debt": (
        {"migration_debt": True, "debt_pressure": False},
        MAN,
        "low",
        ["p_debt"],
    ),
    "all clear": ({}, MAN, "low", []),
}

NEEDS_CASES: dict[str, tuple[dict[str, Any], dict[str, Any], str, list[str]]] = {
    "suicide": ({"self_harm": True}, MAN, "urgent", ["p_suicide"]),
    "violence at home, unsafe": (
        {"controlled_at_home": True, "feels_safe": False, **NOT_PREGNANT},
        WOMAN,
        "urgent",
        ["p_violence_unsafe"],
    ),
    "homeless with children": (
        {"housing": "none", "school_age_children": True, "children_out_of_school": False},
        MAN,
        "urgent",
        ["p_no_housing_children"],
    ),
    "violence at home": (
        {"controlled_at_home": True, **NOT_PREGNANT},
        WOMAN,
        "high",
        ["p_violence_at_home", "p_social_high"],
    ),
    "homeless": ({"housing": "none"}, MAN, "high", ["p_no_housing", "p_social_high"]),
    "treatment interrupted": (
        {"chronic_illness": True, "treatment_interrupted": True},
        MAN,
        "high",
        ["p_treatment_interrupted", "p_health_high"],
    ),
    "disabling injury": (
        {"injury": True, "injury_limits": True},
        MAN,
        "high",
        ["p_health_high"],
    ),
    "constant distress": (
        {"distress": "almost_always", "daily_functioning": False},
        MAN,
        "high",
        ["p_psychosocial_high"],
    ),
    "no income": (
        {"income_source": "none", "income_enough": "not_enough"},
        MAN,
        "medium",
        ["p_economic_high"],
    ),
    "disability": ({"disability": True}, MAN, "medium", ["p_health_medium"]),
    "nightmares": (
        {"sleep_memories": True, "daily_functioning": False},
        MAN,
        "medium",
        ["p_psychosocial_medium"],
    ),
    "stigma": ({"stigma": True}, MAN, "medium", ["p_social_medium"]),
    "two dimensions": (
        {
            "stigma": True,
            "has_debt": True,
            "debt_sources": ["moneylender"],
            "debt_repayment": "yes",
        },
        MAN,
        "medium",
        ["p_social_medium", "p_two_dimensions"],
    ),
    "all clear": ({}, MAN, "low", []),
}


@pytest.mark.parametrize("case", SCREEN_CASES)
def test_screen_priority_rule(case: str) -> None:
    changes, facts, priority, because = SCREEN_CASES[case]
    result = assess(SCREEN, {**SCREEN_CLEAR, **changes}, facts)
    assert (result.priority, [f.rule for f in result.because()]) == (priority, because)


@pytest.mark.parametrize("case", NEEDS_CASES)
def test_needs_priority_rule(case: str) -> None:
    changes, facts, priority, because = NEEDS_CASES[case]
    result = assess(NEEDS, {**NEEDS_CLEAR, **changes}, facts)
    assert (result.priority, [f.rule for f in result.because()]) == (priority, because)


@pytest.mark.parametrize(("instrument", "cases"), [(SCREEN, SCREEN_CASES), (NEEDS, NEEDS_CASES)])
def test_every_priority_rule_has_a_case(instrument: Any, cases: dict[str, Any]) -> None:
    covered = {rule for *_, because in cases.values() for rule in because}
    assert {rule.id for rule in instrument.priority_rules} - covered == set()


def test_urgent_reasons_read_as_words() -> None:
    result = assess(
        SCREEN, {**SCREEN_CLEAR, "work_indicators": ["deceived", "isolated"], "safe_place": False}
    )
    stored = result.as_dict()
    assert priority_sentence(stored, "en") == (
        "Urgent because: trafficking indicator + no safe place to stay"
    )
    assert priority_sentence(stored, "id").endswith(
        "indikasi perdagangan orang + tidak ada tempat aman untuk menginap"
    )
    assert stored["restricted"] is True
    assert [r["rule"] for r in stored["restricted_reasons"]] == ["x_trafficking"]


def test_rehabilitation_comes_first() -> None:
    result = assess(
        NEEDS,
        {
            **NEEDS_CLEAR,
            "injury": True,
            "injury_limits": True,
            "work_wanted": "own_business",
            "business_plan": "plan",
        },
    )
    assert [(r.service, r.agency) for r in result.recommendations] == [
        ("medical_care", "health"),
        ("entrepreneurship", "labour"),
        ("livelihood_finance", "finance"),
    ]
    assert result.rehabilitation_first is True
    assert result.levels == {
        "economic": "none",
        "social": "none",
        "psychosocial": "none",
        "health": "high",
    }


def test_all_clear_needs_only_what_the_returnee_wants() -> None:
    result = assess(NEEDS, NEEDS_CLEAR)
    assert [(r.service, r.rules) for r in result.recommendations] == [
        ("job_placement", ("r_employment",))
    ]
    assert result.rehabilitation_first is False
    assert result.restricted is False


# --- answers ---------------------------------------------------------------------------


def problems(answers: dict[str, Any], facts: dict[str, Any] = MAN) -> list[tuple[str, str]]:
    checked = check_answers(SCREEN, answers, facts=facts, today=TODAY)
    return [(p.question, p.reason) for p in checked.problems]


def test_missing_required_answers_are_named() -> None:
    answers = dict(SCREEN_CLEAR)
    del answers["safe_place"]
    answers["migration_debt"] = True
    assert problems(answers) == [
        ("debt_pressure", "this question needs an answer"),
        ("safe_place", "this question needs an answer"),
    ]


def test_wrong_types_and_unknown_questions_are_refused() -> None:
    answers = {
        **SCREEN_CLEAR,
        "injured": "yes",
        "legal_status": "tourist",
        "work_indicators": ["none", "deceived"],
        "shoe_size": 41,
    }
    assert problems(answers) == [
        ("shoe_size", "this is not a question of this questionnaire"),
        ("legal_status", "choose one of the answers offered"),
        ("work_indicators", "“none of these” cannot be chosen together with another answer"),
        ("injured", "answer yes or no"),
    ]


def test_answers_to_hidden_questions_are_dropped_and_named() -> None:
    answers = {**SCREEN_CLEAR, "debt_pressure": True, "pregnant": True}
    checked = check_answers(SCREEN, answers, facts=MAN, today=TODAY)
    assert checked.problems == []
    assert checked.dropped == ["debt_pressure", "pregnant"]
    assert "debt_pressure" not in checked.answers
    result = assess(SCREEN, answers)
    assert (result.priority, result.dropped_answers) == ("low", ["debt_pressure", "pregnant"])


def test_sensitive_questions_may_be_declined() -> None:
    result = assess(SCREEN, {**SCREEN_CLEAR, "self_harm_thoughts": "declined"})
    assert (result.priority, result.levels) == ("low", {"vulnerability": "none"})
    assert problems({**SCREEN_CLEAR, "injured": "declined"}) == [("injured", "answer yes or no")]


# --- numbers, dates and text on a small instrument --------------------------------------


def small(**changes: Any) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "id": "small",
        "version": 1,
        "kind": "assessment",
        "title": {"en": "Small", "id": "Kecil"},
        "sections": [
            {
                "id": "s",
                "title": {"en": "S", "id": "S"},
                "questions": [
                    {
                        "id": "months_abroad",
                        "type": "number",
                        "text": {"en": "Months abroad?", "id": "Berapa bulan di luar negeri?"},
                        "required": True,
                        "min": 0,
                        "max": 600,
                        "integer": True,
                    },
                    {
                        "id": "arrived_on",
                        "type": "date",
                        "text": {"en": "Arrived on?", "id": "Tiba tanggal?"},
                        "not_future": True,
                    },
                    {
                        "id": "note",
                        "type": "text",
                        "text": {"en": "Anything else?", "id": "Ada lagi?"},
                        "max_length": 10,
                        "show_if": {"answer": "months_abroad", "gte": 12},
                    },
                ],
            }
        ],
        "scoring": {
            "dimensions": {
                "economic": [
                    {
                        "id": "long_stay",
                        "level": "medium",
                        "when": {"answer": "months_abroad", "gt": 60},
                        "reason": {"en": "long abroad", "id": "lama di luar negeri"},
                    }
                ]
            },
            "default_priority": "low",
            "priority": [
                {
                    "id": "after_new_year",
                    "priority": "medium",
                    "when": {"answer": "arrived_on", "gte": "2025-01-01"},
                    "reason": {"en": "recent", "id": "baru"},
                }
            ],
        },
    }
    definition.update(changes)
    return definition


def test_numbers_dates_and_text_are_checked() -> None:
    instrument = load_definition(small())

    def check(answers: dict[str, Any]) -> list[tuple[str, str]]:
        found = check_answers(instrument, answers, today=TODAY).problems
        return [(p.question, p.reason) for p in found]

    assert check({"months_abroad": 700}) == [("months_abroad", "give a number from 0 to 600")]
    assert check({"months_abroad": 2.5}) == [("months_abroad", "give a whole number")]
    assert check({"months_abroad": True}) == [("months_abroad", "give a number")]
    assert check({"months_abroad": 3, "arrived_on": "2025-03-11"}) == [
        ("arrived_on", "the date is in the future")
    ]
    assert check({"months_abroad": 3, "arrived_on": "10/03/2025"}) == [
        ("arrived_on", "give a date (year, month and day)")
    ]
    assert check({"months_abroad": 30, "note": "x" * 11}) == [
        ("note", "the answer is longer than 10 characters")
    ]
    checked = check_answers(
        instrument, {"months_abroad": 72, "arrived_on": TODAY, "note": " ok "}, today=TODAY
    )
    assert checked.answers == {"months_abroad": 72, "arrived_on": "2025-03-10", "note": "ok"}
    result = score(instrument, checked.answers)
    assert (result.levels, result.priority) == ({"economic": "medium"}, "medium")


# --- the loader -------------------------------------------------------------------------


def refusal(definition: dict[str, Any]) -> list[str]:
    with pytest.raises(InstrumentError) as caught:
        load_definition(definition)
    return caught.value.problems


def test_shipped_instruments_load() -> None:
    assert (SCREEN.code, SCREEN.version, len(SCREEN.questions)) == ("vulnerability_screen", 1, 21)
    assert (NEEDS.code, NEEDS.version, len(NEEDS.questions)) == ("needs_assessment", 1, 38)
    assert list(NEEDS.dimensions) == ["economic", "social", "psychosocial", "health"]


def test_unknown_question_is_named() -> None:
    definition = small()
    definition["scoring"]["priority"][0]["when"] = {"answer": "arrival", "is": "answered"}
    assert refusal(definition) == ["rule 'after_new_year' when: unknown question 'arrival'"]


def test_missing_translation_is_named() -> None:
    definition = small()
    del definition["sections"][0]["questions"][1]["text"]["id"]
    assert refusal(definition) == ["question 'arrived_on' text: missing translation 'id'"]


def test_skip_logic_cycle_is_named() -> None:
    definition = small()
    questions = definition["sections"][0]["questions"]
    questions[0]["show_if"] = {"answer": "note", "is": "answered"}
    assert refusal(definition) == [
        "question 'months_abroad' show_if: skip logic forms a cycle: "
        "months_abroad → note → months_abroad"
    ]


def test_skip_logic_reads_only_earlier_answers() -> None:
    definition = small()
    definition["sections"][0]["questions"][1]["show_if"] = {"answer": "note", "is": "answered"}
    assert refusal(definition) == [
        "question 'arrived_on' show_if: reads 'note', which is asked later: skip logic may "
        "only read earlier answers"
    ]


def test_unreachable_required_question_is_named() -> None:
    definition = small()
    note = definition["sections"][0]["questions"][2]
    note["required"] = True
    note["show_if"] = {"answer": "months_abroad", "gt": 600}
    assert refusal(definition) == [
        "question 'note' show_if: no answers to earlier questions can make it true, so this "
        "required question can never be asked"
    ]


def test_rule_that_can_never_fire_is_named() -> None:
    definition = small()
    definition["scoring"]["dimensions"]["economic"][0]["when"] = {
        "all": [
            {"answer": "months_abroad", "lt": 10},
            {"answer": "months_abroad", "gt": 20},
        ]
    }
    assert refusal(definition) == ["rule 'long_stay' when: no set of answers can make it true"]


def test_every_problem_is_reported_at_once() -> None:
    definition = copy.deepcopy(small(version=0, kind="survey"))
    definition["sections"][0]["questions"][0]["type"] = "slider"
    assert refusal(definition) == [
        "version: 0 is not a whole number of at least 1",
        "kind: 'survey' is not one of ['screen', 'assessment']",
        "section 's' questions[0]: unknown key 'min' (expected one of ['help', 'id', "
        "'required', 'show_if', 'text', 'type'])",
        "section 's' questions[0]: unknown key 'max' (expected one of ['help', 'id', "
        "'required', 'show_if', 'text', 'type'])",
        "section 's' questions[0]: unknown key 'integer' (expected one of ['help', 'id', "
        "'required', 'show_if', 'text', 'type'])",
        "question 'months_abroad' type: 'slider' is not one of ['yes_no', 'single_choice', "
        "'multiple_choice', 'number', 'date', 'text']",
        "question 'note' show_if: unknown question 'months_abroad'",
        "rule 'long_stay' when: unknown question 'months_abroad'",
    ]


def test_conditions_are_checked_against_the_question() -> None:
    definition = json.loads(json.dumps(small()))
    definition["scoring"]["priority"][0]["when"] = {"answer": "months_abroad", "includes": "x"}
    definition["scoring"]["dimensions"]["economic"][0]["when"] = {"level": "health", "gte": "low"}
    assert refusal(definition) == [
        "rule 'long_stay' when: need levels can be tested only in priority, recommendation "
        "and restriction rules",
        "rule 'after_new_year' when: give exactly one operator, one of ['equals', 'in', "
        "'gte', 'lte', 'gt', 'lt', 'is']",
    ]
