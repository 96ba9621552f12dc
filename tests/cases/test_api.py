"""The cases API (issue #5): work lists, one case, and every change, each with the persona
who may and one who may not."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pulang.audit.models import AuditEvent
from pulang.cases.models import Case, CaseNote, FollowUp, PlanAction, PlanGoal
from pulang.orgs.actor import Actor
from pulang.reference.models import Currency
from pulang.registry.models import Person
from tests.api.test_api import PROBLEM, bearer
from tests.cases.helpers import TODAY, open_case, register
from tests.factories import World

pytestmark = pytest.mark.django_db

NAME = "Siti Aminah binti Sukarno"
API = "/api/v1/cases"


@pytest.fixture
def siti_(world: World, village_officer: Actor) -> Person:
    return register(village_officer)


@pytest.fixture
def case(siti_: Person, village_officer: Actor) -> Case:
    return open_case(village_officer, siti_)


def post(client: Client, path: str, body: dict[str, Any], actor: Actor) -> Any:
    return client.post(f"{API}{path}", body, content_type="application/json", **bearer(actor))


def get(client: Client, path: str, actor: Actor) -> Any:
    return client.get(f"{API}{path}", **bearer(actor))


def state(case_id: int) -> tuple[object, ...]:
    stored = Case.objects.get(pk=case_id)
    return (
        stored.status,
        stored.version,
        stored.owner_id,
        stored.organisation_id,
        stored.events.count(),  # type: ignore[attr-defined]
        PlanGoal.objects.count(),
        PlanAction.objects.count(),
        CaseNote.objects.count(),
    )


# --- work lists ---------------------------------------------------------------------------


def test_my_cases(client: Client, case: Case, village_officer: Actor) -> None:
    response = get(client, "/mine", village_officer)
    assert response.status_code == 200
    body = response.json()
    first = FollowUp.objects.filter(case=case).order_by("due_on").first()
    assert first is not None
    assert body["next_offset"] is None
    [item] = body["items"]
    assert {k: item[k] for k in ("id", "name", "restricted", "priority", "status", "area")} == {
        "id": case.pk,
        "name": NAME,
        "restricted": False,
        "priority": "high",
        "status": "open",
        "area": "35.07.13.2001",
    }
    assert item["next_follow_up"] == first.due_on.isoformat()
    assert item["owner"] == {"id": village_officer.user.pk, "name": "Test Case worker"}


@pytest.mark.parametrize("persona", ["analyst", "provider_staff"])
@pytest.mark.parametrize("path", ["/mine", "/due", "/new-from-abroad", "/unassigned", "/workload"])
def test_roles_without_cases_are_refused_the_lists(
    request: pytest.FixtureRequest, client: Client, world: World, persona: str, path: str
) -> None:
    actor: Actor = request.getfixturevalue(persona)
    response = get(client, path, actor)
    assert (response.status_code, response["Content-Type"]) == (403, PROBLEM)
    assert response.json()["code"] == "pulang.permission_denied"


def test_the_workload_is_for_supervisors(
    client: Client, case: Case, village_officer: Actor, district_supervisor: Actor
) -> None:
    assert get(client, "/workload", village_officer).status_code == 403
    response = get(client, "/workload", district_supervisor)
    assert response.status_code == 200
    assert response.json() == []  # the district office holds no case itself


def test_restricted_cases_are_never_named_in_lists(
    client: Client, siti_: Person, village_officer: Actor, district_supervisor: Actor
) -> None:
    restricted = open_case(village_officer, siti_, sensitivity="restricted", priority="urgent")
    FollowUp.objects.filter(case=restricted, months_after_return=1).update(due_on=TODAY)
    unassigned = get(client, "/unassigned", district_supervisor)
    due = get(client, "/due?everyone=true", district_supervisor)
    for response in (unassigned, due):
        assert response.status_code == 200
        assert "Siti" not in response.content.decode()
    [item] = unassigned.json()["items"]
    assert (item["id"], item["name"], item["restricted"]) == (restricted.pk, None, True)
    [follow_up] = due.json()["items"]
    assert (follow_up["case"]["id"], follow_up["case"]["name"]) == (restricted.pk, None)
    # The case itself names the person, for the cleared supervisor, and the look is audited.
    detail = get(client, f"/{restricted.pk}", district_supervisor)
    assert detail.json()["name"] == NAME
    assert (
        AuditEvent.objects.filter(action="cases.viewed", subject_id=str(restricted.pk)).count() == 1
    )


def test_the_list_endpoints_keep_their_query_count(
    client: Client, world: World, village_officer: Actor
) -> None:
    headers = bearer(village_officer)
    client.get("/api/v1/accounts/me", **headers)  # the first call stamps the token's last use

    def cost(count: int, path: str) -> int:
        for index in range(count):
            made = open_case(
                village_officer, register(village_officer, full_name=f"Rina {path} {index}")
            )
            FollowUp.objects.filter(case=made, months_after_return=1).update(due_on=TODAY)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{API}{path}", **headers)
        assert response.status_code == 200
        return len(queries)

    assert cost(1, "/mine") == cost(3, "/mine")
    assert cost(1, "/due") == cost(3, "/due")


def test_lists_page_with_offset_and_limit(
    client: Client, world: World, village_officer: Actor
) -> None:
    for index in range(3):
        open_case(village_officer, register(village_officer, full_name=f"Rina {index}"))
    first = get(client, "/mine?limit=2", village_officer).json()
    rest = get(client, "/mine?limit=2&offset=2", village_officer).json()
    assert (len(first["items"]), first["next_offset"]) == (2, 2)
    assert (len(rest["items"]), rest["next_offset"]) == (1, None)


# --- one case -----------------------------------------------------------------------------


def test_a_case_worker_opens_and_reads_a_case(
    client: Client, siti_: Person, village_officer: Actor
) -> None:
    item = siti_.returns.get()  # type: ignore[attr-defined]
    response = post(
        client,
        "",
        {
            "person_id": siti_.pk,
            "return_id": item.pk,
            "priority": "medium",
            "reason": "asks for help finding work",
        },
        village_officer,
    )
    assert response.status_code == 201
    body = response.json()
    opened = Case.objects.get()
    assert (body["id"], body["version"], body["name"], body["status"]) == (
        opened.pk,
        1,
        NAME,
        "open",
    )
    assert [e["kind"] for e in body["history"]] == ["opened"]
    assert [f["months_after_return"] for f in body["follow_ups"]] == [1, 3, 6, 12]
    again = post(
        client,
        "",
        {"person_id": siti_.pk, "return_id": item.pk, "priority": "low", "reason": "x"},
        village_officer,
    )
    assert (again.status_code, again.json()["code"]) == (409, "cases.already_open")
    assert Case.objects.count() == 1


def test_opening_a_restricted_case_without_clearance_hands_it_on(
    client: Client, siti_: Person, village_officer: Actor
) -> None:
    response = post(
        client,
        "",
        {"person_id": siti_.pk, "priority": "urgent", "sensitivity": "restricted", "reason": "x"},
        village_officer,
    )
    opened = Case.objects.get()
    assert (response.status_code, response.json()) == (202, {"id": opened.pk, "restricted": True})
    assert opened.owner is None


def test_roles_without_cases_may_not_open_one(
    client: Client, siti_: Person, analyst: Actor, outsider: Actor
) -> None:
    body = {"person_id": siti_.pk, "priority": "high", "reason": "x"}
    assert post(client, "", body, analyst).status_code == 403
    assert post(client, "", body, outsider).status_code == 404
    assert Case.objects.count() == 0


def test_an_outsider_gets_not_found_and_is_audited(
    client: Client, case: Case, outsider: Actor, analyst: Actor
) -> None:
    response = get(client, f"/{case.pk}", outsider)
    assert (response.status_code, response.json()["code"]) == (404, "pulang.not_found")
    assert NAME not in response.content.decode()
    assert (
        AuditEvent.objects.filter(
            action="access.denied", subject_type="cases.case", subject_id=str(case.pk)
        ).count()
        == 1
    )
    assert get(client, f"/{case.pk}", analyst).status_code == 403


def test_a_case_worker_without_clearance_does_not_find_a_restricted_case(
    client: Client, siti_: Person, village_officer: Actor
) -> None:
    restricted = open_case(village_officer, siti_, sensitivity="restricted")
    before = state(restricted.pk)
    assert get(client, f"/{restricted.pk}", village_officer).status_code == 404
    assert get(client, f"/{restricted.pk}/notes", village_officer).status_code == 404
    written = post(
        client, f"/{restricted.pk}/mark-assessed", {"expected_version": 1}, village_officer
    )
    assert written.status_code == 404
    assert state(restricted.pk) == before
    assert (
        AuditEvent.objects.filter(
            action="access.denied", subject_type="cases.case", subject_id=str(restricted.pk)
        ).count()
        == 3
    )


# --- the state machine ------------------------------------------------------------------


def test_the_transitions_and_a_stale_version(
    client: Client, case: Case, village_officer: Actor
) -> None:
    assessed = post(client, f"/{case.pk}/mark-assessed", {"expected_version": 1}, village_officer)
    assert (assessed.status_code, assessed.json()["status"], assessed.json()["version"]) == (
        200,
        "assessed",
        2,
    )
    before = state(case.pk)
    stale = post(
        client,
        f"/{case.pk}/close",
        {"expected_version": 1, "reason": "declined"},
        village_officer,
    )
    assert (stale.status_code, stale["Content-Type"], stale.json()["code"]) == (
        409,
        PROBLEM,
        "cases.stale_case",
    )
    assert state(case.pk) == before
    not_ready = post(client, f"/{case.pk}/agree-plan", {"expected_version": 2}, village_officer)
    assert (not_ready.status_code, not_ready.json()["errors"][0]["field"]) == (422, "plan")
    wrong_step = post(client, f"/{case.pk}/monitor", {"expected_version": 2}, village_officer)
    assert (wrong_step.status_code, wrong_step.json()["code"]) == (
        409,
        "cases.transition_not_allowed",
    )
    assert state(case.pk) == before
    closed = post(
        client,
        f"/{case.pk}/close",
        {"expected_version": 2, "reason": "remigrated", "note": "left for Taiwan"},
        village_officer,
    )
    assert (closed.json()["status"], closed.json()["closure_reason"]) == ("closed", "remigrated")
    reopened = post(
        client, f"/{case.pk}/reopen", {"expected_version": 3, "note": "back"}, village_officer
    )
    assert reopened.json()["status"] == "assessed"


def test_the_whole_plan_through_the_api(client: Client, case: Case, village_officer: Actor) -> None:
    post(client, f"/{case.pk}/mark-assessed", {"expected_version": 1}, village_officer)
    goal = post(
        client,
        f"/{case.pk}/plan/goals",
        {"expected_version": 2, "dimension": "economic", "text": "Open a sewing business"},
        village_officer,
    )
    assert goal.status_code == 201
    goal_id = goal.json()["id"]
    past = post(
        client,
        f"/{case.pk}/plan/goals/{goal_id}/actions",
        {
            "expected_version": 3,
            "description": "Training",
            "owner": "provider",
            "due_on": (TODAY - dt.timedelta(days=1)).isoformat(),
        },
        village_officer,
    )
    assert (past.status_code, past.json()["errors"]) == (
        422,
        [{"field": "due_on", "reason": "the due date is in the past"}],
    )
    action = post(
        client,
        f"/{case.pk}/plan/goals/{goal_id}/actions",
        {
            "expected_version": 3,
            "description": "Training",
            "owner": "provider",
            "due_on": (TODAY + dt.timedelta(days=10)).isoformat(),
        },
        village_officer,
    )
    action_id = action.json()["id"]
    assert action.json()["case"]["plan"]["goals"][0]["actions"][0]["id"] == action_id
    words = client.put(
        f"{API}/{case.pk}/plan",
        {"expected_version": 4, "returnee_words": "I want to sew at home"},
        content_type="application/json",
        **bearer(village_officer),
    )
    assert words.json()["plan"]["returnee_words"] == "I want to sew at home"
    status = post(
        client,
        f"/{case.pk}/plan/actions/{action_id}/status",
        {"expected_version": 5, "status": "done"},
        village_officer,
    )
    assert status.json()["plan"]["goals"][0]["actions"][0]["status"] == "done"
    goal_status = post(
        client,
        f"/{case.pk}/plan/goals/{goal_id}/status",
        {"expected_version": 6, "status": "achieved"},
        village_officer,
    )
    assert goal_status.json()["plan"]["goals"][0]["status"] == "achieved"
    agreed = post(client, f"/{case.pk}/agree-plan", {"expected_version": 7}, village_officer)
    started = post(client, f"/{case.pk}/start", {"expected_version": 8}, village_officer)
    monitored = post(client, f"/{case.pk}/monitor", {"expected_version": 9}, village_officer)
    assert [r.json()["status"] for r in (agreed, started, monitored)] == [
        "plan_agreed",
        "in_progress",
        "monitoring",
    ]


def test_only_supervisors_approve_plans(
    client: Client, case: Case, village_officer: Actor, district_supervisor: Actor
) -> None:
    goal = post(
        client,
        f"/{case.pk}/plan/goals",
        {"expected_version": 1, "dimension": "health", "text": "See a counsellor"},
        village_officer,
    ).json()["id"]
    post(
        client,
        f"/{case.pk}/plan/goals/{goal}/actions",
        {
            "expected_version": 2,
            "description": "Book a session",
            "owner": "office",
            "due_on": (TODAY + dt.timedelta(days=7)).isoformat(),
        },
        village_officer,
    )
    refused = post(client, f"/{case.pk}/plan/approve", {"expected_version": 3}, village_officer)
    assert refused.status_code == 403
    approved = post(
        client, f"/{case.pk}/plan/approve", {"expected_version": 3}, district_supervisor
    )
    assert approved.status_code == 200
    assert approved.json()["plan"]["approved_by"] == "Test Supervisor"


# --- who holds the case -----------------------------------------------------------------


def test_assign_and_transfer(
    client: Client,
    world: World,
    siti_: Person,
    village_officer: Actor,
    district_supervisor: Actor,
) -> None:
    waiting = open_case(village_officer, siti_, assign_to_me=False)
    taken = post(
        client,
        f"/{waiting.pk}/assign",
        {"expected_version": 1, "owner_id": village_officer.user.pk},
        village_officer,
    )
    assert taken.json()["owner"]["id"] == village_officer.user.pk
    before = state(waiting.pk)
    # A case worker may not give it away, nor transfer it.
    away = post(
        client, f"/{waiting.pk}/assign", {"expected_version": 2, "owner_id": None}, village_officer
    )
    moved = post(
        client,
        f"/{waiting.pk}/transfer",
        {"expected_version": 2, "organisation_id": world.other_district.pk, "note": "moved"},
        village_officer,
    )
    assert (away.status_code, moved.status_code) == (403, 403)
    assert state(waiting.pk) == before
    transferred = post(
        client,
        f"/{waiting.pk}/transfer",
        {"expected_version": 2, "organisation_id": world.other_district.pk, "note": "moved"},
        district_supervisor,
    )
    assert transferred.status_code == 200
    assert transferred.json() == {
        "id": waiting.pk,
        "version": 3,
        "organisation_id": world.other_district.pk,
        "organisation": "Lombok Timur office",
        "status": "open",
    }
    assert get(client, f"/{waiting.pk}", district_supervisor).status_code == 404


# --- follow-ups, notes, assistance --------------------------------------------------------


def test_contacts_notes_and_assistance(
    client: Client, case: Case, village_officer: Actor, outsider: Actor
) -> None:
    follow_up = FollowUp.objects.filter(case=case).order_by("due_on").first()
    assert follow_up is not None
    refused = post(
        client,
        f"/follow-ups/{follow_up.pk}/contacts",
        {"channel": "phone", "reached": True, "outcome": "x"},
        outsider,
    )
    assert refused.status_code == 404
    contact = post(
        client,
        f"/follow-ups/{follow_up.pk}/contacts",
        {"channel": "phone", "reached": True, "outcome": "working again"},
        village_officer,
    )
    assert (contact.status_code, contact.json()["reached"]) == (201, True)
    assert FollowUp.objects.get(pk=follow_up.pk).status == "done"

    secret = post(
        client,
        f"/{case.pk}/notes",
        {"text": "the agent kept her passport", "restricted": True},
        village_officer,
    )
    assert (secret.status_code, secret.json()["restricted"]) == (201, True)
    assert CaseNote.objects.get().text == ""
    listed = get(client, f"/{case.pk}/notes", village_officer).json()
    assert [(n["text"], n["restricted"]) for n in listed] == [("the agent kept her passport", True)]
    assert get(client, f"/{case.pk}/notes", outsider).status_code == 404

    Currency.objects.get_or_create(code="IDR", defaults={"numeric": "360", "name": "Rupiah"})
    given = post(
        client,
        f"/{case.pk}/assistance",
        {
            "expected_version": 1,
            "kind": "cash",
            "description": "Start-up grant",
            "given_on": TODAY.isoformat(),
            "amount": "500000",
            "currency": "IDR",
        },
        village_officer,
    )
    assert given.status_code == 201
    assert given.json()["case"]["assistance"] == [
        {
            "id": given.json()["id"],
            "kind": "cash",
            "description": "Start-up grant",
            "amount": "500000.00",
            "currency": "IDR",
            "given_on": TODAY.isoformat(),
        }
    ]
