"""Assessments open and feed cases: urgent and high priorities open one by themselves,
already assessed; a later assessment of the same return is taken into the open case; a
worker screened abroad arrives home with the case and the screen (issue #5)."""

from __future__ import annotations

import datetime as dt

import pytest

from pulang.assessments.selectors import assessments_for_person
from pulang.assessments.services import LoadReport
from pulang.cases.models import Case, CaseEvent
from pulang.cases.selectors import case_get_for_actor, cases_new_from_abroad
from pulang.errors import NotFound
from pulang.orgs.actor import Actor
from pulang.registry.models import Person
from pulang.registry.services import return_record_arrival
from tests.assessments.conftest import instruments, returnee_home, worker_abroad  # noqa: F401
from tests.assessments.test_services import SCREEN_WOMAN, URGENT, screen
from tests.factories import World

# High (no safe place to stay), and not restricted: no trafficking or sexual violence.
HIGH = {**SCREEN_WOMAN, "safe_place": False}


def test_an_urgent_screen_opens_a_restricted_case_already_assessed(
    instruments: LoadReport,  # noqa: F811
    returnee_home: Person,  # noqa: F811
    village_officer: Actor,
    district_supervisor: Actor,
) -> None:
    assessment = screen(village_officer, returnee_home, URGENT)
    case = Case.objects.get()
    assert (
        case.person_id,
        case.return_record_id,
        case.assessment_id,
        case.priority,
        case.sensitivity,
        case.status,
        case.owner,  # restricted, and the officer has no clearance: it waits for someone
    ) == (
        returnee_home.pk,
        returnee_home.returns.get().pk,  # type: ignore[attr-defined]
        assessment.pk,
        "urgent",
        "restricted",
        "assessed",
        None,
    )
    assert case.reason.startswith("Urgent because: ")
    assert list(case.events.values_list("kind", "to_status")) == [  # type: ignore[attr-defined]
        ("opened", "open"),
        ("transition", "assessed"),
    ]
    assert case_get_for_actor(actor=district_supervisor, case_id=case.pk) == case
    with pytest.raises(NotFound):
        case_get_for_actor(actor=village_officer, case_id=case.pk)


def test_a_screen_with_nothing_found_opens_no_case(
    instruments: LoadReport,  # noqa: F811
    returnee_home: Person,  # noqa: F811
    village_officer: Actor,
) -> None:
    assert screen(village_officer, returnee_home, SCREEN_WOMAN).priority == "low"
    assert Case.objects.count() == 0


def test_a_later_assessment_raises_the_priority_but_never_lowers_it(
    instruments: LoadReport,  # noqa: F811
    returnee_home: Person,  # noqa: F811
    village_officer: Actor,
    district_supervisor: Actor,
) -> None:
    first = screen(district_supervisor, returnee_home, HIGH)
    case = Case.objects.get()
    assert (case.priority, case.owner, case.assessment_id) == (
        "high",
        district_supervisor.user,
        first.pk,
    )
    second = screen(district_supervisor, returnee_home, URGENT)
    case.refresh_from_db()
    assert (Case.objects.count(), case.priority, case.assessment_id) == (1, "urgent", second.pk)
    third = screen(district_supervisor, returnee_home, SCREEN_WOMAN)
    case.refresh_from_db()
    assert (case.priority, case.assessment_id, case.status) == ("urgent", third.pk, "assessed")
    assert case.events.filter(kind=CaseEvent.Kind.TRANSITION).count() == 1  # type: ignore[attr-defined]


def test_screened_abroad_the_worker_arrives_with_the_case_and_the_screen(
    world: World,
    instruments: LoadReport,  # noqa: F811
    worker_abroad: Person,  # noqa: F811
    consular_officer: Actor,
    village_officer: Actor,
) -> None:
    screened = screen(consular_officer, worker_abroad, HIGH)
    case = Case.objects.get()
    assert (case.abroad_in_id, case.organisation, case.owner, case.status) == (
        "MY",
        world.consulate,
        consular_officer.user,
        "assessed",
    )
    return_record_arrival(
        actor=village_officer,
        return_id=worker_abroad.returns.get().pk,  # type: ignore[attr-defined]
        returned_on=dt.date.today(),  # noqa: DTZ011
    )
    assert [c.pk for c in cases_new_from_abroad(actor=village_officer)] == [case.pk]
    # The office at home reads the screen made abroad: nobody asks the questions again.
    assert [
        a.pk for a in assessments_for_person(actor=village_officer, person_id=worker_abroad.pk)
    ] == [screened.pk]
    with pytest.raises(NotFound):
        case_get_for_actor(actor=consular_officer, case_id=case.pk)
