"""The whole path of issue #5 in Chromium: a consular officer screens a worker in
Malaysia; the worker comes home; the village office finds the forwarded case among the
new ones from abroad, takes it, reads the screen made abroad, completes the needs
assessment with the returnee, agrees a plan and records the first follow-up; the
office's supervisor sees the workload. Each step through the pages a user clicks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from pulang.assessments.models import Assessment
from pulang.assessments.services import LoadReport
from pulang.cases.models import Case, ContactAttempt
from pulang.orgs.actor import Actor
from pulang.orgs.models import Role
from pulang.registry.models import Person
from tests.assessments.conftest import instruments, worker_abroad  # noqa: F401
from tests.assessments.helpers import NEEDS_CLEAR, SCREEN_CLEAR
from tests.browser.test_registry import CHEAP_PHONE, page_width, signed_in
from tests.factories import World, person

pytestmark = pytest.mark.browser

WOMAN = {"pregnant": False}
# No safe place to stay once home: high priority, a case opens by itself.
SCREEN_HIGH = {**SCREEN_CLEAR, **WOMAN, "safe_place": False}
NEEDS_AT_HOME = {
    **NEEDS_CLEAR,
    **WOMAN,
    "reproductive_care": False,
    "housing": "temporary",
}


def fill(page: Page, answers: dict[str, Any]) -> None:
    """Tick each answer as an officer would, question by question."""
    page.wait_for_load_state()  # the deferred skip-logic script has run
    for question, value in answers.items():
        box = page.locator(f"#question-{question}")
        for one in value if isinstance(value, list) else [value]:
            choice = "yes" if one is True else "no" if one is False else one
            box.locator(f'input[value="{choice}"]').check()


def assess(page: Page, person_id: int, instrument: str, answers: dict[str, Any]) -> None:
    page.goto(f"/registry/persons/{person_id}/")
    page.locator("#assessments").get_by_role("button", name="New assessment").click()
    page.get_by_label(instrument).check()
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(instrument)
    fill(page, answers)
    page.get_by_role("button", name="Save the assessment").click()
    expect(page.get_by_text("The assessment has been recorded.")).to_be_visible()


def test_screened_abroad_assessed_planned_and_followed_up_at_home(
    browser: Browser,
    live_server: LiveServer,
    world: World,
    instruments: LoadReport,  # noqa: F811
    worker_abroad: Person,  # noqa: F811
    consular_officer: Actor,
    village_officer: Actor,
) -> None:
    worker = worker_abroad
    supervisor = person(world.village, Role.SUPERVISOR, username="village_supervisor")

    # 1. Abroad, at the consulate: the screen, on the officer's phone.
    with signed_in(browser, live_server, consular_officer, CHEAP_PHONE) as page:
        assess(page, worker.pk, "Rapid vulnerability screen", SCREEN_HIGH)
        expect(page.locator(".priority-sentence")).to_contain_text("High because")
        assert page_width(page) <= CHEAP_PHONE["width"]
        page.goto("/cases/")
        expect(page.locator("main")).to_contain_text(worker.full_name)
    case = Case.objects.get()
    assert (case.organisation, case.status, case.abroad_in_id) == (
        world.consulate,
        "assessed",
        "MY",
    )

    # 2. Home: the village officer records the arrival and finds the case.
    arrived = timezone.localdate()
    with signed_in(browser, live_server, village_officer) as page:
        page.goto(f"/registry/persons/{worker.pk}/")
        page.get_by_label("Arrived on").fill(arrived.isoformat())
        page.get_by_role("button", name="Record arrival").click()
        expect(page.get_by_text("The arrival has been recorded")).to_be_visible()
        # The screen made abroad is on the person page: nobody asks it again.
        expect(page.locator("#assessments")).to_contain_text("Rapid vulnerability screen")
        expect(page.locator("#cases")).to_contain_text("Talangagung office")

        page.goto("/cases/")
        page.get_by_role("link", name="New from abroad").click()
        page.get_by_role("link", name=worker.full_name).click()
        expect(page.locator("dl.facts")).to_contain_text("forwarded home from abroad")
        expect(page.locator("dl.facts")).to_contain_text("High because")
        page.get_by_role("button", name="Take this case").click()
        expect(page.get_by_text("The case is yours now.")).to_be_visible()

        # 3. The full needs assessment with the returnee, beside the screen.
        page.get_by_role("link", name="Assess with the returnee").click()
        page.get_by_label("Reintegration needs assessment").check()
        page.get_by_role("button", name="Start").click()
        fill(page, NEEDS_AT_HOME)
        page.get_by_role("button", name="Save the assessment").click()
        expect(page.get_by_text("The assessment has been recorded.")).to_be_visible()

        # 4. The plan, agreed with her, and the first follow-up.
        page.goto(f"/cases/{case.pk}/")
        expect(page.locator("dl.facts")).to_contain_text("Reintegration needs assessment")
        plan = page.locator("#plan")
        plan.get_by_label("What the returnee wants, in their own words").fill(
            "A room of my own, then sewing work near my mother"
        )
        plan.get_by_role("button", name="Save the returnee's words").click()
        plan = page.locator("#plan")
        plan.get_by_text("Add a goal").click()
        plan.get_by_label("Dimension").select_option("social")
        plan.get_by_label("Goal").fill("A safe place to live")
        plan.get_by_role("button", name="Add the goal").click()
        goal = page.locator("article.case-goal").first
        expect(goal).to_contain_text("A safe place to live")
        goal.get_by_text("Add an action").click()
        goal.get_by_label("Action").fill("Temporary shelter at the district women's centre")
        goal.get_by_label("Who does it").select_option("office")
        goal.get_by_label("Due by").fill((arrived + dt.timedelta(days=7)).isoformat())
        goal.get_by_role("button", name="Add the action").click()
        expect(page.locator("ul.case-actions")).to_contain_text("district women's centre")
        page.get_by_role("button", name="Plan agreed with the returnee").click()
        expect(page.locator("dl.facts")).to_contain_text("Plan agreed")
        page.get_by_role("button", name="Support started").click()
        expect(page.locator("dl.facts")).to_contain_text("In progress")

        first = page.locator("#follow-ups li").first
        first.get_by_text("Record a contact attempt").click()
        first.get_by_label("How").select_option("phone")
        first.get_by_label("Reached the returnee", exact=True).check()
        first.get_by_label("What came of it").fill("Staying at the shelter, feels safe")
        first.get_by_role("button", name="Record").click()
        expect(page.locator("#follow-ups li").first).to_contain_text("feels safe")

    # 5. The supervisor of the village office: the workload.
    with signed_in(browser, live_server, supervisor) as page:
        page.goto("/cases/")
        page.get_by_role("link", name="Workload of the office").click()
        row = page.locator("table tbody tr").filter(has_text="Test Case worker")
        expect(row).to_have_count(1)
        expect(row.locator("td")).to_have_text(["1", "0", "0"])  # open, urgent, overdue

    case.refresh_from_db()
    assert (case.organisation, case.owner, case.status) == (
        world.village,
        village_officer.user,
        "in_progress",
    )
    assert [a.instrument_version.instrument.code for a in Assessment.objects.order_by("pk")] == [
        "vulnerability_screen",
        "needs_assessment",
    ]
    assert case.assessment == Assessment.objects.order_by("pk").last()
    assert ContactAttempt.objects.get().reached is True
    assert Person.objects.get(pk=worker.pk).returns.get().status == "arrived"  # type: ignore[attr-defined]
