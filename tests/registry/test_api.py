from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from pulang.accounts.services import api_token_create
from pulang.orgs.actor import Actor
from pulang.registry.models import IntakeRecord, Person
from tests.factories import World
from tests.registry.helpers import occupation

PROBLEM = "application/problem+json"
BODY: dict[str, Any] = {
    "full_name": "Siti Aminah binti Sukarno",
    "sex": "F",
    "nationality": "ID",
    "birth_date": "1985-08-17",
    "home_area": "35.07.13.2001",
    "identifiers": [{"kind": "national_id", "number": "3507015708850001", "issuing_country": "ID"}],
    "episode": {"destination_country": "MY", "occupation": "9111", "started_on": "2019-03-01"},
    "return": {"reason": "end_of_contract", "mode": "voluntary", "returned_on": "2025-03-02"},
}


def headers(actor: Actor, key: str = "") -> dict[str, str]:
    _, secret = api_token_create(actor=None, membership=actor.membership, name="feed")
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}", **extra}


@pytest.fixture(autouse=True)
def _isco(db: None) -> None:
    occupation()


def post(client: Client, body: dict[str, Any], h: dict[str, str], query: str = "") -> Any:
    return client.post(
        f"/api/v1/registry/registrations{query}", body, content_type="application/json", **h
    )


def test_agency_reports_a_return_once_per_key(
    client: Client, world: World, agency_staff: Actor
) -> None:
    h = headers(agency_staff, key="agency-2025-0001")
    first = post(client, BODY, h, "?on_match=create")
    again = post(client, BODY, h, "?on_match=create")
    assert (first.status_code, first.json()["status"]) == (201, "created")
    assert (again.status_code, again.json()["status"]) == (200, "replayed")
    assert again.json()["person_id"] == first.json()["person_id"]
    assert (Person.objects.count(), IntakeRecord.objects.count()) == (1, 1)


def test_possible_duplicates_come_back_as_409_with_reasons(
    client: Client, world: World, village_officer: Actor
) -> None:
    h = headers(village_officer)
    created = post(client, BODY, h)
    held = post(client, {**BODY, "full_name": "Siti Aminah", "identifiers": []}, h)
    assert held.status_code == 409
    body = held.json()
    assert body["status"] == "possible_duplicates"
    assert [c["person_id"] for c in body["candidates"]] == [created.json()["person_id"]]
    linked = post(
        client,
        {**BODY, "full_name": "Siti Aminah", "identifiers": []},
        h,
        f"?on_match=link&link_to={created.json()['person_id']}",
    )
    assert (linked.status_code, linked.json()["status"]) == (200, "linked")


def test_invalid_registration_is_a_422_problem_listing_fields(
    client: Client, world: World, village_officer: Actor
) -> None:
    body = {
        **BODY,
        "identifiers": [{"kind": "national_id", "number": "123", "issuing_country": "ID"}],
        "nationality": "ZZ",
    }
    response = post(client, body, headers(village_officer))
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert sorted(e["field"] for e in response.json()["errors"]) == [
        "identifiers[0].number",
        "nationality",
    ]
    assert Person.objects.count() == 0


def test_search_person_and_stale_patch(
    client: Client, world: World, village_officer: Actor
) -> None:
    h = headers(village_officer)
    person_id = post(client, BODY, h).json()["person_id"]
    found = client.post(
        "/api/v1/registry/persons/search",
        {"name": "aminah siti"},
        content_type="application/json",
        **h,
    ).json()
    assert [f["person_id"] for f in found] == [person_id]
    record = client.get(f"/api/v1/registry/persons/{person_id}", **h).json()
    assert (record["full_name"], record["version"], record["identifiers"][0]["number"]) == (
        "Siti Aminah binti Sukarno",
        1,
        "3507015708850001",
    )
    ok = client.patch(
        f"/api/v1/registry/persons/{person_id}",
        {"version": 1, "address": "RT 1"},
        content_type="application/json",
        **h,
    )
    assert (ok.status_code, ok.json()["version"], ok.json()["address"]) == (200, 2, "RT 1")
    stale = client.patch(
        f"/api/v1/registry/persons/{person_id}",
        {"version": 1, "address": "RT 9"},
        content_type="application/json",
        **h,
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "registry.stale_record"


def test_person_outside_scope_is_a_404_problem(
    client: Client, world: World, village_officer: Actor, consular_officer: Actor
) -> None:
    person_id = post(client, BODY, headers(village_officer)).json()["person_id"]
    response = client.get(f"/api/v1/registry/persons/{person_id}", **headers(consular_officer))
    assert (response.status_code, response.json()["code"]) == (404, "pulang.not_found")


def test_roles_without_the_registry_get_403(client: Client, world: World, analyst: Actor) -> None:
    response = post(client, BODY, headers(analyst))
    assert (response.status_code, response.json()["code"]) == (403, "pulang.permission_denied")
