"""What the page and API tests of assessments share: answers as the form posts them, a
small questionnaire with a number, a date and a text, and a man to assess."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from pulang.assessments.services import INSTRUMENTS_DIR, LoadReport, instruments_load
from pulang.orgs.actor import Actor
from pulang.registry.inputs import EpisodeInput, IdentifierInput
from pulang.registry.models import Person
from pulang.registry.services import registration_submit
from tests.assessments.helpers import SCREEN_CLEAR
from tests.assessments.test_engine import small
from tests.registry.helpers import siti

SCREEN_WOMAN: dict[str, Any] = {**SCREEN_CLEAR, "pregnant": False}
# Urgent, not restricted: an injury that needs a doctor now.
URGENT_MEDICAL: dict[str, Any] = {**SCREEN_WOMAN, "injured": True, "injury_needs_care_now": True}
# Urgent and restricted: signs of trafficking and nowhere safe to stay.
URGENT_RESTRICTED: dict[str, Any] = {
    **SCREEN_WOMAN,
    "work_indicators": ["deceived", "isolated"],
    "safe_place": False,
}


def posted(answers: dict[str, Any], version: int = 1) -> dict[str, Any]:
    """Answers as the questionnaire page posts them (yes/no as "yes"/"no")."""
    data: dict[str, Any] = {"version": str(version)}
    for question, value in answers.items():
        if value is True:
            value = "yes"
        elif value is False:
            value = "no"
        data[f"q-{question}"] = value
    return data


def load_small(tmp_path: Path) -> LoadReport:
    """The shipped questionnaires and the engine tests' small one (months abroad 0 to 600,
    arrival date, a note asked after a year abroad)."""
    for path in INSTRUMENTS_DIR.glob("*.json"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "small.json").write_text(json.dumps(small()), encoding="utf-8")
    return instruments_load(directory=tmp_path)


def budi(actor: Actor) -> Person:
    """A man back home in Talangagung."""
    data = siti(
        full_name="Budi Santoso",
        sex="M",
        birth_date=dt.date(1990, 5, 12),
        phone="0813 1111 2222",
        identifiers=[IdentifierInput("national_id", "3507 0112 0590 0002", "ID")],
        episode=EpisodeInput(destination_country="SA", started_on=dt.date(2020, 1, 15)),
    )
    person = registration_submit(actor=actor, data=data, channel="staff", on_match="create").person
    assert person is not None
    return person
