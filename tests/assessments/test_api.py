"""Assessments over HTTP: questionnaires in one language or all, recording (201, or a
422 problem naming each answer's problem with nothing saved), reading one, a person's
list; who may, who gets a 404 problem."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from pulang.accounts.services import api_token_create
from pulang.assessments.models import Assessment
from pulang.assessments.services import LoadReport, assessment_record
from pulang.audit.models import AuditEvent
from pulang.orgs.actor import Actor
from pulang.registry.models import Person
from tests.assessments.page_helpers import (
    SCREEN_WOMAN,
    URGENT_MEDICAL,
    URGENT_RESTRICTED,
    load_small,
)
from tests.factories import World

PROBLEM = "application/problem+json"
BASE = "/api/v1/assessments"


def headers(actor: Actor) -> dict[str, str]:
    _, secret = api_token_create(actor=None, membership=actor.membership, name="tablet")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def body(person: Person, answers: dict[str, Any], instrument: str = "vulnerability_screen") -> Any:
    return {
        "person_id": person.pk,
        "return_id": person.returns.get().pk,
        "instrument": instrument,
        "answers": answers,
    }


def post(client: Client, actor: Actor, data: dict[str, Any], query: str = "") -> Any:
    return client.post(f"{BASE}{query}", data, content_type="application/json", **headers(actor))


def record(actor: Actor, person: Person, answers: dict[str, Any] = SCREEN_WOMAN) -> Assessment:
    return assessment_record(
        actor=actor,
        person_id=person.pk,
        return_id=person.returns.get().pk,
        instrument="vulnerability_screen",
        answers=answers,
    )


# --- questionnaires ---------------------------------------------------------------------


def test_current_questionnaires_with_every_translation_or_one_language(
    client: Client, instruments: LoadReport, village_officer: Actor
) -> None:
    h = headers(village_officer)
    everything = client.get(f"{BASE}/instruments", **h)
    assert everything.status_code == 200
    found = everything.json()
    assert [(i["code"], i["version"], i["kind"], i["language"]) for i in found] == [
        ("needs_assessment", 1, "assessment", "all"),
        ("vulnerability_screen", 1, "screen", "all"),
    ]
    screen = found[1]
    assert screen["title"] == "Rapid vulnerability screen"
    injured = screen["definition"]["sections"][2]["questions"][0]
    assert injured["text"] == {
        "en": "Are you injured, or were you hurt at work?",
        "id": "Apakah Anda terluka, atau pernah cedera saat bekerja?",
    }
    indonesian = client.get(f"{BASE}/instruments?language=id", **h).json()[1]
    assert (indonesian["title"], indonesian["language"]) == ("Penapisan cepat kerentanan", "id")
    question = indonesian["definition"]["sections"][2]["questions"][1]
    assert (question["id"], question["text"], question["show_if"]) == (
        "injury_needs_care_now",
        "Apakah luka itu perlu ditangani dokter sekarang (hari ini atau dalam beberapa hari "
        "ke depan)?",
        {"answer": "injured", "equals": True},
    )
    rule = indonesian["definition"]["scoring"]["priority"][0]
    assert (rule["id"], rule["reason"]) == ("p_suicide_now", "pikiran bunuh diri saat ini")


def test_one_questionnaire_version(client: Client, instruments: LoadReport, analyst: Actor) -> None:
    h = headers(analyst)  # not personal data: anyone signed in may read a questionnaire
    found = client.get(f"{BASE}/instruments/needs_assessment?version=1&language=en", **h)
    assert found.status_code == 200
    assert (found.json()["title"], found.json()["definition"]["sections"][0]["title"]) == (
        "Reintegration needs assessment",
        "Work, income and money",
    )
    missing = client.get(f"{BASE}/instruments/needs_assessment?version=2", **h)
    assert (missing.status_code, missing["Content-Type"], missing.json()["code"]) == (
        404,
        PROBLEM,
        "assessments.unknown_instrument",
    )
    bad = client.get(f"{BASE}/instruments?language=Bahasa!", **h)
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "language")


def test_questionnaires_need_a_signed_in_caller(client: Client, instruments: LoadReport) -> None:
    response = client.get(f"{BASE}/instruments")
    assert (response.status_code, response.json()["code"]) == (401, "pulang.unauthenticated")


# --- recording --------------------------------------------------------------------------


def test_a_village_officer_records_an_assessment(
    client: Client, instruments: LoadReport, returnee_home: Person, village_officer: Actor
) -> None:
    response = post(client, village_officer, body(returnee_home, URGENT_MEDICAL))
    assert response.status_code == 201
    made = response.json()
    assessment = Assessment.objects.get()
    assert (made["id"], made["priority"], made["setting"], made["restricted"]) == (
        assessment.pk,
        "urgent",
        "home",
        False,
    )
    assert made["priority_sentence"] == "Urgent because: needs a doctor now"
    assert (made["person_id"], made["return_id"], made["instrument"], made["version"]) == (
        returnee_home.pk,
        returnee_home.returns.get().pk,
        "vulnerability_screen",
        1,
    )
    assert made["answers"] == URGENT_MEDICAL
    assert made["result"]["recommendations"][0]["service"] == "emergency_medical"
    assert made["assessed_by"] == "Test Case worker"


def test_a_consular_officer_records_one_abroad(
    client: Client, instruments: LoadReport, worker_abroad: Person, consular_officer: Actor
) -> None:
    response = post(client, consular_officer, body(worker_abroad, SCREEN_WOMAN))
    assert (response.status_code, response.json()["setting"]) == (201, "abroad")


def test_each_answers_problem_is_a_422_and_nothing_is_saved(
    client: Client, tmp_path: Path, world: World, returnee_home: Person, village_officer: Actor
) -> None:
    load_small(tmp_path)
    screen = {k: v for k, v in SCREEN_WOMAN.items() if k != "safe_place"}
    missing = post(client, village_officer, body(returnee_home, screen))
    assert (missing.status_code, missing["Content-Type"]) == (422, PROBLEM)
    assert missing.json()["errors"] == [
        {"field": "safe_place", "reason": "this question needs an answer"}
    ]
    out_of_range = post(
        client, village_officer, body(returnee_home, {"months_abroad": 700}, "small")
    )
    assert out_of_range.json()["errors"] == [
        {"field": "months_abroad", "reason": "give a number from 0 to 600"}
    ]
    assert Assessment.objects.count() == 0


def test_answers_to_questions_that_do_not_apply_are_dropped(
    client: Client, instruments: LoadReport, returnee_home: Person, village_officer: Actor
) -> None:
    answers = {**SCREEN_WOMAN, "injured": False, "injury_needs_care_now": True}
    made = post(client, village_officer, body(returnee_home, answers)).json()
    assert "injury_needs_care_now" not in made["answers"]
    assert (made["result"]["dropped_answers"], made["priority"]) == (
        ["injury_needs_care_now"],
        "low",
    )


@pytest.mark.parametrize("persona", ["outsider", "analyst", "provider_staff", "consular_officer"])
def test_others_may_not_record(
    persona: str,
    request: pytest.FixtureRequest,
    client: Client,
    instruments: LoadReport,
    returnee_home: Person,
) -> None:
    actor: Actor = request.getfixturevalue(persona)
    response = post(client, actor, body(returnee_home, SCREEN_WOMAN))
    assert (response.status_code, response.json()["code"]) == (404, "pulang.not_found")
    assert Assessment.objects.count() == 0


# --- reading ----------------------------------------------------------------------------


def test_one_assessment_in_the_language_asked_for(
    client: Client, instruments: LoadReport, returnee_home: Person, village_officer: Actor
) -> None:
    assessment = record(village_officer, returnee_home, URGENT_MEDICAL)
    h = headers(village_officer)
    found = client.get(f"{BASE}/{assessment.pk}?language=id", **h)
    assert found.status_code == 200
    assert found.json()["priority_sentence"].endswith(": perlu dokter sekarang")
    assert found.json()["result"]["priority_reasons"][0]["reason"] == {
        "en": "needs a doctor now",
        "id": "perlu dokter sekarang",
    }
    assert (
        AuditEvent.objects.filter(
            action="assessments.viewed", subject_id=str(assessment.pk)
        ).count()
        == 1
    )


@pytest.mark.parametrize("persona", ["outsider", "analyst", "provider_staff", "consular_officer"])
def test_others_get_a_404_for_an_assessment_and_a_persons_list(
    persona: str,
    request: pytest.FixtureRequest,
    client: Client,
    instruments: LoadReport,
    returnee_home: Person,
    village_officer: Actor,
) -> None:
    assessment = record(village_officer, returnee_home)
    actor: Actor = request.getfixturevalue(persona)
    h = headers(actor)
    before = AuditEvent.objects.filter(action="access.denied").count()
    one = client.get(f"{BASE}/{assessment.pk}", **h)
    listed = client.get(f"{BASE}/persons/{returnee_home.pk}", **h)
    assert (one.status_code, listed.status_code) == (404, 404)
    assert AuditEvent.objects.filter(action="access.denied").count() == before + 2


def test_a_restricted_assessment_needs_clearance(
    client: Client,
    instruments: LoadReport,
    returnee_home: Person,
    village_officer: Actor,
    district_supervisor: Actor,
) -> None:
    restricted = record(district_supervisor, returnee_home, URGENT_RESTRICTED)
    plain = record(district_supervisor, returnee_home)
    officer = headers(village_officer)
    assert client.get(f"{BASE}/{restricted.pk}", **officer).status_code == 404
    listed = client.get(f"{BASE}/persons/{returnee_home.pk}", **officer).json()
    assert [item["id"] for item in listed] == [plain.pk]
    supervisor = headers(district_supervisor)
    found = client.get(f"{BASE}/{restricted.pk}", **supervisor).json()
    assert (found["restricted"], found["priority"]) == (True, "urgent")
    everything = client.get(f"{BASE}/persons/{returnee_home.pk}", **supervisor).json()
    assert [(item["id"], item["previous_id"]) for item in everything] == [
        (plain.pk, restricted.pk),
        (restricted.pk, None),
    ]


def test_a_persons_assessments_in_a_pinned_number_of_queries(
    client: Client,
    instruments: LoadReport,
    returnee_home: Person,
    village_officer: Actor,
    django_assert_num_queries: Callable[..., Any],
) -> None:
    record(village_officer, returnee_home, URGENT_MEDICAL)
    h = headers(village_officer)
    url = f"{BASE}/persons/{returnee_home.pk}"
    client.get(url, **h)  # the token's first use is noted once
    # The token with its membership, the person, their organisation links, the
    # assessments: as many with four assessments as with one.
    with django_assert_num_queries(4):
        one = client.get(url, **h)
    for _ in range(3):
        record(village_officer, returnee_home)
    with django_assert_num_queries(4):
        four = client.get(url, **h)
    assert (len(one.json()), len(four.json())) == (1, 4)
    assert four.json()[-1]["priority_sentence"] == "Urgent because: needs a doctor now"
