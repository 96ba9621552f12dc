"""The whole path of issue #6 in Chromium: from her case's plan a village officer refers
Sri to the Malang NGO's counselling; the NGO accepts, starts and records the outcome;
Sri rates the service on her phone with her registration code, in Indonesian; the
officer sees the referral completed with her feedback; and the public directory shows
the service in Indonesian on a phone."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import Browser, expect
from pytest_django.live_server_helper import LiveServer

from pulang.cases.models import PlanAction
from pulang.orgs.actor import Actor
from pulang.referrals.models import Referral
from tests.browser.test_registry import CHEAP_PHONE, page_width, signed_in
from tests.cases.helpers import goal_with_action
from tests.factories import World
from tests.referrals.helpers import self_registered_case

pytestmark = pytest.mark.browser


def test_referred_served_rated_and_listed(
    browser: Browser,
    live_server: LiveServer,
    world: World,
    village_officer: Actor,
    provider_staff: Actor,
) -> None:
    case, code, _service = self_registered_case(village_officer)
    _goal, action = goal_with_action(village_officer, case, case.version)

    # 1. The village officer refers from the plan.
    with signed_in(browser, live_server, village_officer) as page:
        page.goto(f"/cases/{case.pk}/")
        section = page.locator("#referrals")
        section.get_by_label("For the plan action").select_option(str(action.pk))
        section.get_by_role("button", name="Find a service").click()
        page.get_by_label("Service needed").select_option("counselling")
        page.get_by_role("button", name="Find", exact=True).click()
        suggestion = page.locator("li.suggestion").first
        expect(suggestion).to_contain_text("Counselling for returned migrant workers")
        expect(suggestion).to_contain_text("offered in the area around the returnee")
        suggestion.get_by_role("button", name="Refer to this service").click()
        expect(page.locator("dl.facts")).to_contain_text("Given on")  # her consent
        page.get_by_label("What the provider needs to know").fill(
            "Sri feels low since coming home; she prefers a woman counsellor."
        )
        page.get_by_role("button", name="Send the referral").click()
        expect(page.get_by_text("The referral has been sent to the provider.")).to_be_visible()
        expect(page.locator("#referrals")).to_contain_text("Sent")
    action.refresh_from_db()
    assert action.status == PlanAction.Status.IN_PROGRESS

    # 2. The NGO accepts, starts and records the outcome.
    with signed_in(browser, live_server, provider_staff) as page:
        page.goto("/referrals/")
        page.get_by_role("link", name="Sri Wahyuni").click()
        expect(page.locator("dl.facts")).to_contain_text("prefers a woman counsellor")
        expect(page.locator("main")).not_to_contain_text(f"/cases/{case.pk}/")
        page.get_by_role("button", name="Accept").click()
        expect(page.get_by_text("You have accepted the referral")).to_be_visible()
        page.get_by_role("button", name="The service has started").click()
        expect(page.locator("#referral-status")).to_have_text("In service")
        outcome = page.locator("#outcome")
        outcome.get_by_label("How it went").select_option("achieved")
        outcome.get_by_label("What was delivered").fill("Four sessions with a woman counsellor")
        outcome.get_by_role("button", name="Record the outcome").click()
        expect(page.locator("#referral-status")).to_have_text("Completed")

    # 3. Sri rates it on her phone, in Indonesian, with her registration code.
    with browser.new_context(
        base_url=live_server.url, locale="id-ID", viewport=CHEAP_PHONE
    ) as context:
        context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "id", "url": live_server.url}]
        )
        page = context.new_page()
        page.goto("/services/feedback/")
        page.get_by_label("Kode pendaftaran Anda").fill(code)
        page.get_by_role("button", name="Lanjut").click()
        form = page.locator("form.feedback-form").first
        form.get_by_label("5 — sangat puas").check()
        form.get_by_label("Dengan kata-kata Anda (opsional)").fill("Konselornya ramah")
        form.get_by_role("button", name="Kirim").click()
        expect(page.get_by_text("Terima kasih")).to_be_visible()
        assert page_width(page) <= CHEAP_PHONE["width"]

    # 4. The officer sees it completed, with her feedback, and the action done.
    referral = Referral.objects.get()
    with signed_in(browser, live_server, village_officer) as page:
        page.goto(f"/cases/{case.pk}/")
        expect(page.locator("#referrals")).to_contain_text("Completed")
        expect(page.locator("#referrals")).to_contain_text("Satisfaction 5 of 5")
        page.goto(f"/referrals/{referral.pk}/")
        expect(page.locator("#referral-feedback")).to_contain_text("Konselornya ramah")
        expect(page.locator("#referral-outcome")).to_contain_text("Four sessions")
    action.refresh_from_db()
    assert action.status == PlanAction.Status.DONE

    # 5. The public directory shows the service in Indonesian on a phone.
    with browser.new_context(
        base_url=live_server.url, locale="id-ID", viewport=CHEAP_PHONE
    ) as context:
        context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "id", "url": live_server.url}]
        )
        page = context.new_page()
        page.goto(f"/services/?province=ID-JI&area={world.talangagung.code}&need=psychosocial")
        expect(page.locator("main")).to_contain_text("Konseling bagi pekerja migran purna")
        assert page_width(page) <= CHEAP_PHONE["width"]
