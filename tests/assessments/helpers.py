from __future__ import annotations

import datetime as dt
import json
from typing import Any

from pulang.assessments.engine import Instrument, check_answers, load_definition, score
from pulang.assessments.engine.scoring import Result
from pulang.assessments.services import INSTRUMENTS_DIR

TODAY = dt.date(2025, 3, 10)
MAN = {"sex": "M", "age": 34}
WOMAN = {"sex": "F", "age": 29}


def shipped(code: str) -> Instrument:
    return load_definition(json.loads((INSTRUMENTS_DIR / f"{code}.json").read_text()))


SCREEN_CLEAR: dict[str, Any] = {
    "forced_return": False,
    "legal_status": "documented",
    "work_indicators": ["none"],
    "violence": ["none"],
    "migration_debt": False,
    "injured": False,
    "ill": False,
    "disability": False,
    "safe_place": True,
    "afraid_of_someone": False,
    "dependants_at_risk": False,
    "distress": "never",
    "self_harm_thoughts": False,
}

NEEDS_CLEAR: dict[str, Any] = {
    "income_source": "regular",
    "income_enough": "enough",
    "has_debt": False,
    "savings": "yes",
    "remittance_control": "myself",
    "skills": ["caregiving"],
    "skills_certified": True,
    "work_wanted": "employment",
    "housing": "secure",
    "family_relations": "good",
    "controlled_at_home": False,
    "documents_missing": ["none"],
    "school_age_children": False,
    "stigma": False,
    "distress": "never",
    "sleep_memories": False,
    "self_harm": False,
    "support_person": True,
    "belonging": "yes",
    "feels_safe": True,
    "injury": False,
    "chronic_illness": False,
    "mental_health_help": False,
    "disability": False,
    "health_insurance": True,
    "care_access": "yes",
}


def assess(
    instrument: Instrument, answers: dict[str, Any], facts: dict[str, Any] | None = None
) -> Result:
    """Check (failing on any problem) and score."""
    facts = MAN if facts is None else facts
    checked = check_answers(instrument, answers, facts=facts, today=TODAY)
    assert checked.problems == []
    return score(instrument, checked.answers, facts=facts, dropped=checked.dropped)
