"""Recording assessments: who may, where, what is stored; and loading instruments."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pulang.assessments.errors import (
    InstrumentVersionInUse,
    ReturnNotOfPerson,
    UnknownInstrument,
)
from pulang.assessments.models import Assessment, InstrumentVersion
from pulang.assessments.selectors import assessment_get_for_actor, assessments_for_person
from pulang.assessments.services import INSTRUMENTS_DIR, LoadReport, instruments_load
from pulang.assessments.services import assessment_record as record_assessment
from pulang.audit.models import AuditEvent
from pulang.errors import InvalidInput, NotFound
from pulang.orgs.actor import Actor
from pulang.registry.models import Person
from pulang.registry.services import return_record_arrival
from tests.assessments.helpers import NEEDS_CLEAR, SCREEN_CLEAR

NOT_PREGNANT = {"pregnant": False}
SCREEN_WOMAN = {**SCREEN_CLEAR, **NOT_PREGNANT}
URGENT = {**SCREEN_WOMAN, "work_indicators": ["deceived", "isolated"], "safe_place": False}


def screen(actor: Actor, person: Person, answers: dict[str, Any] = SCREEN_WOMAN) -> Assessment:
    return record_assessment(
        actor=actor,
        person_id=person.pk,
        return_id=person.returns.get().pk,
        instrument="vulnerability_screen",
        answers=answers,
    )


def denials() -> int:
    return AuditEvent.objects.filter(action="access.denied").count()


# --- who may ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["village_officer", "district_supervisor"])
def test_office_in_the_home_area_assesses(
    persona: str, request: pytest.FixtureRequest, instruments: LoadReport, returnee_home: Person
) -> None:
    actor: Actor = request.getfixturevalue(persona)
    assessment = screen(actor, returnee_home, URGENT)
    assert (
        assessment.priority,
        assessment.setting,
        assessment.organisation_id,
        assessment.assessed_by_id,
        assessment.is_restricted,
        assessment.previous_id,
    ) == ("urgent", "home", actor.organisation.pk, actor.user.pk, True, None)
    assert assessment.result["priority_reasons"][0]["rule"] == "p_trafficking_no_safe_place"
    event = AuditEvent.objects.get(action="assessments.recorded")
    assert (event.subject_id, event.details["priority"], event.details["person"]) == (
        str(assessment.pk),
        "urgent",
        returnee_home.pk,
    )
    assert "answers" not in event.details


def test_consular_officer_assesses_abroad(
    consular_officer: Actor, instruments: LoadReport, worker_abroad: Person
) -> None:
    assessment = screen(consular_officer, worker_abroad)
    assert (assessment.setting, assessment.priority, assessment.return_event.status) == (
        "abroad",
        "low",
        "expected",
    )


@pytest.mark.parametrize(
    "persona",
    [
        "outsider",
        "provider_staff",
        "agency_staff",
        "analyst",
        "auditor",
        "administrator",
        "consular_officer",
    ],
)
def test_others_may_not_assess(
    persona: str, request: pytest.FixtureRequest, instruments: LoadReport, returnee_home: Person
) -> None:
    actor: Actor = request.getfixturevalue(persona)
    before = denials()
    with pytest.raises(NotFound):
        screen(actor, returnee_home)
    assert Assessment.objects.count() == 0
    assert denials() == before + 1


def test_another_persons_return_is_refused(
    village_officer: Actor, instruments: LoadReport, returnee_home: Person
) -> None:
    with pytest.raises(ReturnNotOfPerson):
        record_assessment(
            actor=village_officer,
            person_id=returnee_home.pk,
            return_id=returnee_home.returns.get().pk + 1000,
            instrument="vulnerability_screen",
            answers=SCREEN_WOMAN,
        )
    assert Assessment.objects.count() == 0


def test_bad_answers_name_every_problem_and_save_nothing(
    village_officer: Actor, instruments: LoadReport, returnee_home: Person
) -> None:
    answers = {**SCREEN_WOMAN, "distress": "very", "injured": None}
    with pytest.raises(InvalidInput) as caught:
        screen(village_officer, returnee_home, answers)
    assert caught.value.errors == [
        {"field": "injured", "reason": "this question needs an answer"},
        {"field": "distress", "reason": "choose one of the answers offered"},
    ]
    assert Assessment.objects.count() == 0


def test_unknown_instrument(
    village_officer: Actor, instruments: LoadReport, returnee_home: Person
) -> None:
    with pytest.raises(UnknownInstrument):
        record_assessment(
            actor=village_officer,
            person_id=returnee_home.pk,
            return_id=returnee_home.returns.get().pk,
            instrument="needs_assessment",
            answers=NEEDS_CLEAR,
            version=2,
        )


# --- abroad, then at home ---------------------------------------------------------------


def test_reassessment_at_home_sits_beside_the_one_abroad(
    consular_officer: Actor,
    village_officer: Actor,
    instruments: LoadReport,
    worker_abroad: Person,
) -> None:
    first = screen(consular_officer, worker_abroad, URGENT)
    return_record_arrival(
        actor=village_officer,
        return_id=worker_abroad.returns.get().pk,
        returned_on=dt.date(2025, 3, 2),
    )
    second = screen(village_officer, worker_abroad, {**URGENT, "safe_place": True})
    assert (second.previous_id, second.setting, second.priority) == (first.pk, "home", "high")
    first.refresh_from_db()
    assert (first.setting, first.priority, first.previous_id) == ("abroad", "urgent", None)
    # The consulate no longer sees the worker once home; the office sees both.
    with pytest.raises(NotFound):
        assessments_for_person(actor=consular_officer, person_id=worker_abroad.pk)
    # The village officer has no clearance: restricted ones only if they recorded them.
    seen = assessments_for_person(actor=village_officer, person_id=worker_abroad.pk)
    assert [a.pk for a in seen] == [second.pk]


def test_restricted_assessments_need_clearance(
    village_officer: Actor,
    district_supervisor: Actor,
    outsider: Actor,
    instruments: LoadReport,
    returnee_home: Person,
) -> None:
    restricted = screen(district_supervisor, returnee_home, URGENT)
    plain = screen(district_supervisor, returnee_home)
    assert [
        a.pk for a in assessments_for_person(actor=district_supervisor, person_id=returnee_home.pk)
    ] == [plain.pk, restricted.pk]
    assert [
        a.pk for a in assessments_for_person(actor=village_officer, person_id=returnee_home.pk)
    ] == [plain.pk]
    before = denials()
    with pytest.raises(NotFound):
        assessment_get_for_actor(actor=village_officer, assessment_id=restricted.pk)
    with pytest.raises(NotFound):
        assessment_get_for_actor(actor=outsider, assessment_id=plain.pk)
    assert denials() == before + 2
    found = assessment_get_for_actor(actor=district_supervisor, assessment_id=restricted.pk)
    assert found.answers["safe_place"] is False
    assert (
        AuditEvent.objects.filter(
            action="assessments.viewed", subject_id=str(restricted.pk)
        ).count()
        == 1
    )


# --- loading instruments ----------------------------------------------------------------


def copy_instruments(tmp_path: Path) -> Path:
    for path in INSTRUMENTS_DIR.glob("*.json"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def test_loading_is_idempotent(instruments: LoadReport, tmp_path: Path) -> None:
    assert (instruments.created, instruments.updated) == (
        ["needs_assessment v1", "vulnerability_screen v1"],
        [],
    )
    again = instruments_load()
    assert (again.created, again.updated, again.unchanged) == (
        [],
        [],
        ["needs_assessment v1", "vulnerability_screen v1"],
    )
    assert InstrumentVersion.objects.count() == 2


def test_a_used_version_never_changes(
    village_officer: Actor, instruments: LoadReport, returnee_home: Person, tmp_path: Path
) -> None:
    screen(village_officer, returnee_home)
    directory = copy_instruments(tmp_path)
    path = directory / "vulnerability_screen.json"
    data = json.loads(path.read_text())
    data["title"]["en"] = "Quick screen"
    path.write_text(json.dumps(data))
    with pytest.raises(InstrumentVersionInUse):
        instruments_load(directory=directory)
    stored = InstrumentVersion.objects.get(instrument__code="vulnerability_screen")
    assert stored.definition["title"]["en"] == "Rapid vulnerability screen"
    # With a new version number it loads beside the old one, which keeps its assessments.
    data["version"] = 2
    path.write_text(json.dumps(data))
    report = instruments_load(directory=directory)
    assert report.created == ["vulnerability_screen v2"]
    assert list(
        InstrumentVersion.objects.filter(instrument__code="vulnerability_screen").values_list(
            "version", flat=True
        )
    ) == [2, 1]


def test_an_unused_version_may_be_corrected(instruments: LoadReport, tmp_path: Path) -> None:
    directory = copy_instruments(tmp_path)
    path = directory / "needs_assessment.json"
    data = json.loads(path.read_text())
    data["title"]["id"] = "Asesmen kebutuhan"
    path.write_text(json.dumps(data))
    assert instruments_load(directory=directory).updated == ["needs_assessment v1"]


def test_command_refuses_a_broken_file_and_loads_nothing(db: None, tmp_path: Path) -> None:
    directory = copy_instruments(tmp_path)
    (directory / "broken.json").write_text('{"id": "broken"')
    with pytest.raises(CommandError) as caught:
        call_command("load_instruments", directory=directory)
    assert "broken.json: not valid JSON" in str(caught.value)
    assert InstrumentVersion.objects.count() == 0
