"""The vulnerability screen in Chromium on an entry-level phone: a village officer picks
the questionnaire, a follow-up question appears and disappears with the answer before
it (no round trip), a missing answer comes back on its question with everything kept,
and the result reads "Urgent because: …". Without JavaScript every question shows and
the server leaves out the answer to a question that did not apply."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from pulang.assessments.models import Assessment
from pulang.assessments.services import instruments_load
from pulang.orgs.actor import Actor
from pulang.registry.models import Person
from pulang.registry.services import OnMatch, registration_submit
from tests.browser.test_registry import CHEAP_PHONE, page_width, screenshot, signed_in
from tests.factories import World
from tests.registry.helpers import occupation, siti

pytestmark = pytest.mark.browser

NO_TO = (
    "forced_return",
    "migration_debt",
    "ill",
    "disability",
    "pregnant",
    "afraid_of_someone",
    "dependants_at_risk",
    "self_harm_thoughts",
)


def registered(actor: Actor) -> Person:
    instruments_load()
    occupation()
    person = registration_submit(
        actor=actor, data=siti(), channel="staff", on_match=OnMatch.CREATE
    ).person
    assert person is not None
    return person


def answer(page: Page, question: str, label: str) -> None:
    page.locator(f"#question-{question}").get_by_label(label, exact=True).check()


def test_a_village_officer_screens_a_returnee_on_a_phone(
    browser: Browser, live_server: LiveServer, world: World, village_officer: Actor
) -> None:
    person = registered(village_officer)
    with signed_in(browser, live_server, village_officer, CHEAP_PHONE) as page:
        page.goto(f"/assessments/person/{person.pk}/new/")
        page.get_by_label("Rapid vulnerability screen").check()
        page.get_by_role("button", name="Start").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Rapid vulnerability screen")
        page.wait_for_load_state()  # the deferred form script has run

        follow_up = page.locator("#question-injury_needs_care_now")
        expect(follow_up).to_be_hidden()
        answer(page, "injured", "Yes")
        expect(follow_up).to_be_visible()
        answer(page, "injured", "No")
        expect(follow_up).to_be_hidden()
        expect(follow_up.get_by_label("Yes", exact=True)).to_be_disabled()
        answer(page, "injured", "Yes")
        answer(page, "injury_needs_care_now", "Yes")

        for question in NO_TO:
            answer(page, question, "No")
        answer(page, "legal_status", "I had a valid work permit and papers")
        # "None of these" cannot stay ticked with another answer.
        answer(page, "work_indicators", "None of these")
        answer(page, "work_indicators", "Passport or ID kept by the employer or agent")
        expect(
            page.locator("#question-work_indicators").get_by_label("None of these", exact=True)
        ).not_to_be_checked()
        answer(page, "work_indicators", "None of these")
        answer(page, "violence", "None of these")
        answer(page, "distress", "Never")
        assert page_width(page) <= CHEAP_PHONE["width"]
        screenshot(page, "assessment-form-phone")

        # Forgotten: whether there is a safe place to stay.
        page.get_by_role("button", name="Save the assessment").click()
        summary = page.locator("#error-summary")
        expect(summary).to_contain_text("Nothing has been saved")
        expect(page.locator("#q-safe_place-error")).to_have_text("this question needs an answer")
        expect(
            page.locator("#question-injury_needs_care_now").get_by_label("Yes", exact=True)
        ).to_be_checked()
        assert Assessment.objects.count() == 0

        answer(page, "safe_place", "Yes")
        page.get_by_role("button", name="Save the assessment").click()
        expect(page.locator(".priority-sentence")).to_have_text(
            "Urgent because: needs a doctor now"
        )
        expect(page.get_by_text("The assessment has been recorded.")).to_be_visible()
        expect(page.locator("ol.assessment-services li").first).to_contain_text(
            "Emergency medical care"
        )
        assert page_width(page) <= CHEAP_PHONE["width"]
        screenshot(page, "assessment-result-phone")

    assessment = Assessment.objects.get()
    assert (assessment.priority, assessment.setting) == ("urgent", "home")
    assert assessment.answers["work_indicators"] == ["none"]
    assert assessment.result["dropped_answers"] == []


def test_without_javascript_every_question_shows_and_the_server_drops_what_does_not_apply(
    browser: Browser, live_server: LiveServer, world: World, village_officer: Actor
) -> None:
    person = registered(village_officer)
    client = Client()
    client.force_login(village_officer.user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    options: dict[str, Any] = {"java_script_enabled": False, "viewport": CHEAP_PHONE}
    with browser.new_context(base_url=live_server.url, locale="en-GB", **options) as context:
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )
        page = context.new_page()
        page.goto(
            f"/assessments/person/{person.pk}/new/?instrument=vulnerability_screen"
            f"&return={person.returns.get().pk}"
        )
        expect(page.locator("#question-injury_needs_care_now")).to_be_visible()
        for question in ("injured", "safe_place", *NO_TO):
            answer(page, question, "Yes" if question == "safe_place" else "No")
        answer(page, "injury_needs_care_now", "Yes")  # answered although not injured
        answer(page, "legal_status", "I had a valid work permit and papers")
        answer(page, "work_indicators", "None of these")
        answer(page, "violence", "None of these")
        answer(page, "distress", "Never")
        page.get_by_role("button", name="Save the assessment").click()
        expect(page.locator(".priority-sentence")).to_have_text("Low: no rule raised the priority")
        expect(page.locator("ul.dropped-answers")).to_contain_text(
            "Does the injury need a doctor now"
        )
    assessment = Assessment.objects.get()
    assert assessment.result["dropped_answers"] == ["injury_needs_care_now"]
    assert "injury_needs_care_now" not in assessment.answers
