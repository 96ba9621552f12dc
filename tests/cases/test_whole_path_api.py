"""The whole path of issue #5 through the API, as a consulate's tablet and an office's
system would drive it: the screen abroad opens a case; the arrival forwards it home;
the village office takes it, reads the screen, records the needs assessment, agrees the
plan and the first follow-up; the supervisor reads the office's workload. The browser
test (tests/browser/test_case_path.py) walks the same path through the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from pulang.assessments.services import LoadReport
from pulang.orgs.actor import Actor
from pulang.orgs.models import Role
from pulang.registry.models import Person
from tests.api.test_api import bearer
from tests.assessments.conftest import instruments, worker_abroad  # noqa: F401
from tests.assessments.helpers import NEEDS_CLEAR, SCREEN_CLEAR
from tests.factories import World, person

pytestmark = pytest.mark.django_db

API = "/api/v1"
SCREEN_HIGH = {**SCREEN_CLEAR, "pregnant": False, "safe_place": False}
NEEDS = {**NEEDS_CLEAR, "pregnant": False, "reproductive_care": False, "housing": "temporary"}


class Caller:
    """One actor's system, with its own token."""

    def __init__(self, client: Client, actor: Actor) -> None:
        self.client, self.headers = client, bearer(actor)

    def get(self, path: str) -> Any:
        return self.client.get(f"{API}{path}", **self.headers)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(
            f"{API}{path}", body, content_type="application/json", **self.headers
        )


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.json()


def test_screened_abroad_then_assessed_planned_and_followed_up_at_home(
    client: Client,
    world: World,
    instruments: LoadReport,  # noqa: F811
    worker_abroad: Person,  # noqa: F811
    consular_officer: Actor,
    village_officer: Actor,
) -> None:
    consulate = Caller(client, consular_officer)
    village = Caller(client, village_officer)
    supervisor = Caller(client, person(world.village, Role.SUPERVISOR, username="supervisor"))
    colleague = Caller(client, person(world.village, Role.CASE_WORKER, username="colleague"))
    return_id = worker_abroad.returns.get().pk  # type: ignore[attr-defined]

    # Abroad: the screen opens a case held by the consulate.
    screen = ok(
        consulate.post(
            "/assessments",
            {
                "person_id": worker_abroad.pk,
                "return_id": return_id,
                "instrument": "vulnerability_screen",
                "answers": SCREEN_HIGH,
            },
        ),
        201,
    )
    assert (screen["setting"], screen["priority"]) == ("abroad", "high")
    [held] = ok(consulate.get("/cases/mine"))["items"]
    case_id = held["id"]

    # Home: the arrival forwards it to the village office, unassigned.
    today = timezone.localdate()
    ok(village.post(f"/registry/returns/{return_id}/arrival", {"returned_on": today.isoformat()}))
    assert consulate.get(f"/cases/{case_id}").status_code == 404
    assert [c["id"] for c in ok(village.get("/cases/new-from-abroad"))["items"]] == [case_id]
    case = ok(village.get(f"/cases/{case_id}"))
    assert (case["organisation"], case["owner"], case["assessment_id"]) == (
        "Talangagung office",
        None,
        screen["id"],
    )
    assert ok(village.get(f"/assessments/{screen['id']}"))["priority"] == "high"

    case = ok(village.post(f"/cases/{case_id}/take", {"expected_version": case["version"]}))
    assert case["owner"]["id"] == village_officer.user.pk
    # Taken: a colleague can no longer take it, and nothing changes.
    refused = colleague.post(f"/cases/{case_id}/take", {"expected_version": case["version"]})
    assert refused.status_code == 403
    assert ok(village.get(f"/cases/{case_id}"))["version"] == case["version"]

    needs = ok(
        village.post(
            "/assessments",
            {
                "person_id": worker_abroad.pk,
                "return_id": return_id,
                "instrument": "needs_assessment",
                "answers": NEEDS,
            },
        ),
        201,
    )
    case = ok(village.get(f"/cases/{case_id}"))
    # The case takes the new assessment in; its priority is never lowered by it.
    assert (case["assessment_id"], case["priority"]) == (needs["id"], "high")

    goal = ok(
        village.post(
            f"/cases/{case_id}/plan/goals",
            {
                "expected_version": case["version"],
                "dimension": "social",
                "text": "A safe place to live",
            },
        ),
        201,
    )
    action = ok(
        village.post(
            f"/cases/{case_id}/plan/goals/{goal['id']}/actions",
            {
                "expected_version": goal["case"]["version"],
                "description": "Temporary shelter at the district women's centre",
                "owner": "office",
                "due_on": (today + dt.timedelta(days=7)).isoformat(),
            },
        ),
        201,
    )
    agreed = ok(
        village.post(
            f"/cases/{case_id}/agree-plan", {"expected_version": action["case"]["version"]}
        )
    )
    started = ok(village.post(f"/cases/{case_id}/start", {"expected_version": agreed["version"]}))
    assert started["status"] == "in_progress"

    first = started["follow_ups"][0]
    assert (first["months_after_return"], first["status"]) == (1, "due")
    contact = ok(
        village.post(
            f"/cases/follow-ups/{first['id']}/contacts",
            {"channel": "phone", "reached": True, "outcome": "At the shelter, feels safe"},
        ),
        201,
    )
    assert contact["reached"] is True
    assert ok(village.get(f"/cases/{case_id}"))["follow_ups"][0]["status"] == "done"

    # The supervisor of the office: one open case, held by the village officer.
    assert [
        (w["owner_name"], w["open"], w["urgent"]) for w in ok(supervisor.get("/cases/workload"))
    ] == [("Test Case worker", 1, 0)]
    # A case worker is not given the office's workload.
    assert village.get("/cases/workload").status_code == 403
