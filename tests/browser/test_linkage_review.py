"""The steward's review queue in Chromium: a district supervisor opens the queue, looks
at a pair side by side (stacked on a phone), decides "same person" with the keyboard,
and undoes the merge from the person's page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect
from pytest_django.live_server_helper import LiveServer

from pulang.linkage.models import CandidatePair, PairDecision
from pulang.orgs.actor import Actor
from pulang.registry.models import Person, PersonMerge
from tests.browser.test_registry import CHEAP_PHONE, DESKTOP, screenshot, signed_in
from tests.factories import World
from tests.linkage.review_helpers import queued_pair, register, sitti
from tests.registry.helpers import occupation

pytestmark = pytest.mark.browser


def test_a_district_supervisor_decides_a_pair_with_the_keyboard_and_undoes_the_merge(
    browser: Browser, live_server: LiveServer, world: World, district_supervisor: Actor
) -> None:
    occupation()
    pair = queued_pair(register(district_supervisor), sitti(district_supervisor))
    survivor, absorbed = pair.person_a_id, pair.person_b_id
    with signed_in(browser, live_server, district_supervisor) as page:
        page.goto("/")
        page.get_by_role("link", name="Duplicates to review").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Duplicates to review")
        row = page.locator("table.pair-queue tbody tr")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Siti Aminah binti Sukarno")
        expect(row).to_contain_text("93.0 %")

        page.wait_for_load_state()  # the deferred key script has run: keys work from here
        page.keyboard.press("n")  # the first pair
        expect(page).to_have_url(f"{live_server.url}/linkage/pairs/{pair.pk}/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Are these the same person?")
        first, second = page.locator("section.pair-record").all()
        box_a, box_b = first.bounding_box(), second.bounding_box()
        assert box_a is not None and box_b is not None
        assert box_a["y"] == box_b["y"] and box_b["x"] > box_a["x"]  # side by side
        expect(second).to_contain_text("Sitti Aminah")
        phone = page.locator("table.pair-comparisons tr", has_text="Phone")
        expect(phone).to_contain_text("disagrees: different numbers")
        expect(phone.locator("td.weight")).to_have_text("\N{MINUS SIGN}3.2")

        page.set_viewport_size(CHEAP_PHONE)
        box_a, box_b = first.bounding_box(), second.bounding_box()
        assert box_a is not None and box_b is not None
        assert box_b["y"] > box_a["y"] and box_a["x"] == box_b["x"]  # stacked
        width: int = page.evaluate("document.documentElement.scrollWidth")
        assert width <= CHEAP_PHONE["width"]
        screenshot(page, "linkage-pair-phone")
        page.set_viewport_size(DESKTOP)

        page.wait_for_load_state()
        page.keyboard.press("s")
        same = page.get_by_role("button", name=re.compile("^Same person"))
        expect(same).to_be_focused()
        page.keyboard.press("Enter")

        # The queue is empty now: back to the list, with what happened and how to undo it.
        expect(page).to_have_url(f"{live_server.url}/linkage/pairs/")
        expect(page.get_by_role("status")).to_contain_text(
            f"Record {absorbed} was merged into record {survivor}"
        )
        expect(page.get_by_text("No pairs are waiting for review in your area.")).to_be_visible()
        assert Person.objects.get(pk=absorbed).merged_into_id == survivor
        assert CandidatePair.objects.get().status == "decided_same"
        assert PairDecision.objects.get().decision == "same"

        page.goto(f"/registry/persons/{survivor}/")
        page.get_by_text("These are two different people: undo the merge").click()
        page.get_by_label("Why they are two different people").fill("checked: cousins")
        page.get_by_role("checkbox").check()
        page.get_by_role("button", name="Undo the merge").click()
        expect(page.get_by_role("status")).to_have_text(
            f"The merge has been undone: record {absorbed} is separate again."
        )
    assert Person.objects.get(pk=absorbed).merged_into_id is None
    assert PersonMerge.objects.get().unmerged_at is not None
